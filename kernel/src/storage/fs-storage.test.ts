import { randomBytes, randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, readdir, rm, utimes, writeFile } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { isPacaError } from '@paca/plugin-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../clock.js';
import { expectData, expectError, startTestKernel, type ApiResponse, type TestKernel } from '../testing/index.js';
import { FsObjectStorage } from './fs-storage.js';
import { objectKey } from './object-storage.js';
import { StorageUrlSigner } from './storage-url-signer.js';

async function filesUnder(root: string): Promise<string[]> {
  const entries = await readdir(root, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries.filter((entry) => entry.isFile()).map((entry) => path.relative(root, path.join(entry.parentPath, entry.name))).sort();
}

async function codeOf(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(() => null, (e: unknown) => e);
  return isPacaError(error) ? error.code : `not a coded error: ${String(error)}`;
}

async function readAll(stream: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString();
}

describe('fs adapter', () => {
  let root: string;
  let storage: FsObjectStorage;
  const clock = new ManualClock('2026-03-01T12:00:00Z');
  const fsStorage = (encryptionKey: string) => new FsObjectStorage({
    root, maxObjectBytes: 1024 * 1024, clock, publicUrl: 'http://paca.test/', signer: new StorageUrlSigner(encryptionKey, clock),
  });
  beforeAll(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'paca-fs-storage-'));
    storage = fsStorage('1'.repeat(64));
  });
  afterAll(() => rm(root, { recursive: true, force: true }));

  it('keeps the previous object when a replacement fails midway, with no temp file left', async () => {
    await storage.put('docs/report', Buffer.from('version 1'), { contentType: 'text/plain' });
    const failing = new Readable({ read() {} });
    failing.push(Buffer.from('version 2, half'));
    setImmediate(() => failing.destroy(new Error('client went away')));
    const error = await storage.put('docs/report', failing).catch((e: unknown) => e);
    expect(isPacaError(error, 'STORAGE_UNAVAILABLE')).toBe(true);
    expect((error as Error).cause).toBeInstanceOf(Error);
    expect(await readAll((await storage.get('docs/report')).stream)).toBe('version 1');
    expect(await filesUnder(root)).toEqual(['docs/report', 'docs/report~meta.json']);
    await storage.delete('docs/report');
    expect(await filesUnder(root)).toEqual([]);
  });

  it('answers a key that collides with a folder with STORAGE_KEY_CONFLICT, and a folder is not an object', async () => {
    await storage.put('a/b', Buffer.from('x'));
    expect(await codeOf(storage.put('a', Buffer.from('y')))).toBe('STORAGE_KEY_CONFLICT');
    expect(await codeOf(storage.put('a/b/c', Buffer.from('z')))).toBe('STORAGE_KEY_CONFLICT');
    expect(await codeOf(storage.stat('a'))).toBe('STORAGE_OBJECT_NOT_FOUND');
    expect(await codeOf(storage.get('a'))).toBe('STORAGE_OBJECT_NOT_FOUND');
    await storage.delete('a');
    expect((await storage.stat('a/b')).size).toBe(1);
    await storage.delete('a/b');
    expect(await filesUnder(root)).toEqual([]);
  });

  it('clears temp files an interrupted upload left behind, old ones only', async () => {
    const tempDir = path.join(root, '.~tmp');
    await mkdir(tempDir, { recursive: true });
    await writeFile(path.join(tempDir, 'crashed-yesterday'), 'partial');
    await writeFile(path.join(tempDir, 'in-flight'), 'partial');
    const dayAgo = (clock.now().getTime() - 25 * 3600_000) / 1000;
    await utimes(path.join(tempDir, 'crashed-yesterday'), dayAgo, dayAgo);
    const now = clock.now().getTime() / 1000;
    await utimes(path.join(tempDir, 'in-flight'), now, now);
    expect(await storage.removeStaleTempFiles()).toBe(1);
    expect(await readdir(tempDir)).toEqual(['in-flight']);
    await rm(tempDir, { recursive: true });
  });

  it('makes project keys only from project UUIDs', () => {
    const projectId = randomUUID();
    expect(objectKey(projectId)).toMatch(new RegExp(`^projects/${projectId}/[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}$`));
    expect(objectKey(projectId)).not.toBe(objectKey(projectId));
    expect(() => objectKey('../../etc')).toThrow(expect.objectContaining({ code: 'STORAGE_KEY_INVALID' }));
  });

  it('signs URLs under a key derived from ENCRYPTION_KEY: another kernel refuses them', async () => {
    const { url } = await storage.presignDownload('docs/x');
    expect(url.startsWith('http://paca.test/api/v1/storage/objects/docs/x?')).toBe(true);
    const query = Object.fromEntries(new URL(url).searchParams);
    expect(storage.signer.verifyDownload('docs/x', query).key).toBe('docs/x');
    expect(() => fsStorage('2'.repeat(64)).signer.verifyDownload('docs/x', query)).toThrow(expect.objectContaining({ code: 'STORAGE_URL_INVALID' }));
    // The HMAC key is derived, not the encryption key itself.
    expect(query.signature).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('refuses bad options with a code', async () => {
    expect(await codeOf(storage.presignUpload('k', { expiresInSeconds: 0 }))).toBe('VALIDATION_FAILED');
    expect(await codeOf(storage.presignUpload('k', { expiresInSeconds: 8 * 24 * 3600 }))).toBe('VALIDATION_FAILED');
    expect(await codeOf(storage.presignUpload('k', { maxBytes: -1 }))).toBe('VALIDATION_FAILED');
    expect(await codeOf(storage.presignUpload('k', { contentType: 'text/html\r\nx-evil: 1' }))).toBe('VALIDATION_FAILED');
    expect(await codeOf(storage.presignDownload('k', { fileName: 'a/b.txt' }))).toBe('VALIDATION_FAILED');
    expect(await codeOf(storage.put('k', Buffer.from('x'), { contentType: 'not a type' }))).toBe('VALIDATION_FAILED');
  });
});

describe('fs storage routes', () => {
  let t: TestKernel;
  let storage: FsObjectStorage;
  let objectsDir: string;
  const projectId = randomUUID();
  /** Path and query of a presigned URL, for `app.inject`. */
  const local = (url: string) => {
    const parsed = new URL(url);
    return `${parsed.pathname}${parsed.search}`;
  };
  const withParam = (url: string, name: string, value: string | null) => {
    const parsed = new URL(url);
    if (value === null) parsed.searchParams.delete(name);
    else parsed.searchParams.set(name, value);
    return local(parsed.toString());
  };
  /** A raw PUT (the harness's `api` would send a Buffer as JSON). */
  const put = async (url: string, payload: Buffer | string, headers: Record<string, string> = {}, cookies?: Record<string, string>): Promise<ApiResponse> => {
    const response = await t.kernel.app.inject({
      method: 'PUT', url, payload, headers: { 'content-type': 'application/octet-stream', ...headers }, ...(cookies ? { cookies } : {}),
    });
    return { status: response.statusCode, json: JSON.parse(response.body), headers: response.headers, cookies: [], raw: response };
  };

  beforeAll(async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    await new Promise((resolve) => server.close(resolve));
    t = await startTestKernel({ env: { PUBLIC_URL: `http://127.0.0.1:${port}` } });
    await t.kernel.app.listen({ port, host: '127.0.0.1' });
    storage = t.kernel.services.storage as FsObjectStorage;
    expect(storage.provider).toBe('fs');
    objectsDir = path.join(t.config.dataDir, 'objects');
  });
  afterAll(() => t?.close());

  it('stores a body of any content type on the storage route only; the rest of the API stays JSON-only', async () => {
    const key = objectKey(projectId);
    const upload = await storage.presignUpload(key);
    const response = await put(local(upload.url), '{ not json', { 'content-type': 'application/json' });
    expect(expectData(response, 201)).toEqual({ key, size: 10 });
    expect(await storage.stat(key)).toEqual({ key, size: 10, contentType: 'application/json' });

    const other = objectKey(projectId);
    const plain = await storage.presignUpload(other);
    expectData(await put(local(plain.url), 'hello', { 'content-type': 'text/plain' }), 201);
    expect((await storage.stat(other)).contentType).toBe('text/plain');

    expectError(await t.api('POST', '/auth/login', { body: 'username=admin', headers: { 'content-type': 'text/plain' } }), 415, 'UNSUPPORTED_MEDIA_TYPE');
    expectError(await t.api('POST', '/projects', { token: t.adminToken, body: 'x', headers: { 'content-type': 'application/octet-stream' } }), 415, 'UNSUPPORTED_MEDIA_TYPE');
  });

  it('streams bodies larger than the JSON body limit, with or without a content type', async () => {
    const key = objectKey(projectId);
    const upload = await storage.presignUpload(key);
    const big = randomBytes(3 * 1024 * 1024);
    expectData(await put(local(upload.url), big), 201);
    expect((await storage.stat(key)).size).toBe(big.length);
    const bare = await t.kernel.app.inject({ method: 'PUT', url: local(upload.url), payload: Buffer.from('no type') });
    expect(bare.statusCode).toBe(201);
    expect(await storage.stat(key)).toEqual({ key, size: 7, contentType: 'application/octet-stream' });
  });

  it('is authorised by the signature alone: no credentials, and cookies do not bring the CSRF rule (D6)', async () => {
    const key = objectKey(projectId);
    const upload = await storage.presignUpload(key, { contentType: 'image/png' });
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    const response = await put(local(upload.url), png, { 'content-type': 'image/png', origin: 'https://elsewhere.example' }, { access_token: t.adminToken });
    expect(expectData(response, 201)).toEqual({ key, size: 8 });
  });

  it('stores the signed content type, whatever the request says', async () => {
    const key = objectKey(projectId);
    const upload = await storage.presignUpload(key, { contentType: 'image/webp' });
    expect(upload.headers).toEqual({ 'content-type': 'image/webp' });
    expectData(await put(local(upload.url), 'RIFF', { 'content-type': 'text/html' }), 201);
    expect((await storage.stat(key)).contentType).toBe('image/webp');
  });

  it('refuses URLs with a missing or altered field with a coded 403, and stores nothing', async () => {
    const key = objectKey(projectId);
    const upload = await storage.presignUpload(key, { maxBytes: 1000, contentType: 'text/plain' });
    const body = 'payload';
    expectError(await put(`/api/v1/storage/objects/${key}`, body), 403, 'STORAGE_URL_INVALID');
    expectError(await put(withParam(upload.url, 'signature', null), body), 403, 'STORAGE_URL_INVALID');
    expectError(await put(withParam(upload.url, 'max_bytes', '100000000'), body), 403, 'STORAGE_URL_INVALID');
    expectError(await put(withParam(upload.url, 'content_type', 'text/html'), body), 403, 'STORAGE_URL_INVALID');
    expectError(await put(withParam(upload.url, 'content_type', null), body), 403, 'STORAGE_URL_INVALID');
    // A later expiry is a forgery, reported as such rather than as expired.
    expectError(await put(withParam(upload.url, 'expires', '99999999999'), body), 403, 'STORAGE_URL_INVALID');
    expectError(await put(withParam(upload.url, 'expires', 'soon'), body), 403, 'STORAGE_URL_INVALID');
    expectError(await put(withParam(upload.url, 'surprise', '1'), body), 422, 'VALIDATION_FAILED');
    // An upload URL does not download, and a download URL does not upload.
    expectError(await t.api('GET', local(upload.url)), 403, 'STORAGE_URL_INVALID');
    await storage.put(key, Buffer.from('existing'));
    const download = await storage.presignDownload(key);
    expectError(await put(local(download.url), body), 403, 'STORAGE_URL_INVALID');
    expectError(await t.api('GET', withParam(download.url, 'file_name', 'other.txt')), 403, 'STORAGE_URL_INVALID');
    expect(await readAll((await storage.get(key)).stream)).toBe('existing');
  });

  it('keeps URLs valid until their expiry second (kernel clock)', async () => {
    const key = objectKey(projectId);
    const upload = await storage.presignUpload(key);
    t.clock.advance(3599 * 1000);
    expectData(await put(local(upload.url), 'just in time'), 201);
    const download = await storage.presignDownload(key);
    t.clock.advance(899 * 1000);
    expect((await t.api('GET', local(download.url))).status).toBe(200);
    t.clock.advance(1000);
    const late = await t.api('GET', local(download.url));
    expectError(late, 403, 'STORAGE_URL_EXPIRED');
    expect(late.json.error_details).toEqual({ expired_at: download.expires_at });
  });

  it('sends downloads as attachments with their type and size, never rendered inline', async () => {
    const key = objectKey(projectId);
    await storage.put(key, Buffer.from('<script>alert(1)</script>'), { contentType: 'text/html' });
    const plain = await t.api('GET', local((await storage.presignDownload(key)).url));
    expect(plain.status).toBe(200);
    expect(plain.raw.body).toBe('<script>alert(1)</script>');
    expect(plain.headers['content-type']).toBe('text/html');
    expect(plain.headers['content-length']).toBe('25');
    expect(plain.headers['content-disposition']).toBe(`attachment; filename="${key.split('/').pop()}"`);
    expect(plain.headers['x-content-type-options']).toBe('nosniff');
    expect(plain.headers['content-security-policy']).toContain('sandbox');
    const named = await t.api('GET', local((await storage.presignDownload(key, { fileName: 'Bericht "März".html' })).url));
    expect(named.headers['content-disposition']).toBe(`attachment; filename="Bericht _M_rz_.html"; filename*=UTF-8''Bericht%20%22M%C3%A4rz%22.html`);
  });

  it('answers a valid URL for a missing object with a coded 404', async () => {
    const download = await storage.presignDownload(objectKey(projectId));
    expectError(await t.api('GET', local(download.url)), 404, 'STORAGE_OBJECT_NOT_FOUND');
  });

  it('refuses a body whose declared Content-Length is over the signed limit', async () => {
    const key = objectKey(projectId);
    const upload = await storage.presignUpload(key, { maxBytes: 1024 });
    const response = await put(local(upload.url), randomBytes(5000));
    expectError(response, 413, 'PAYLOAD_TOO_LARGE');
    expect(response.json.error_details).toEqual({ limit_bytes: 1024 });
    expect(await codeOf(storage.stat(key))).toBe('STORAGE_OBJECT_NOT_FOUND');
  });

  it('cuts off a chunked upload over the limit while it streams, over real HTTP, keeping nothing', async () => {
    const before = await filesUnder(objectsDir);
    const key = objectKey(projectId);
    const upload = await storage.presignUpload(key, { maxBytes: 64 * 1024 });
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent >= 8 * 1024 * 1024) return controller.close();
        sent += 16 * 1024;
        controller.enqueue(randomBytes(16 * 1024));
      },
    });
    const response = await fetch(upload.url, { method: 'PUT', body, duplex: 'half', headers: { 'content-type': 'application/octet-stream' } } as RequestInit);
    expect(response.status).toBe(413);
    // The rest of the body is not read: the connection is dropped once the error is sent.
    expect(response.headers.get('connection')).toBe('close');
    const envelope = (await response.json()) as { success: boolean; error_code: string; request_id: string };
    expect(envelope).toMatchObject({ success: false, error_code: 'PAYLOAD_TOO_LARGE' });
    expect(typeof envelope.request_id).toBe('string');
    expect(sent, 'the server stopped reading long before the client was done').toBeLessThan(8 * 1024 * 1024);
    expect(await codeOf(storage.stat(key))).toBe('STORAGE_OBJECT_NOT_FOUND');
    expect(await filesUnder(objectsDir)).toEqual(before);
    // The server is fine afterwards.
    expect((await fetch(`${t.config.publicUrl}/api/healthz`)).status).toBe(200);
  });

  it('keeps nothing when the client disconnects mid-upload', async () => {
    const before = await filesUnder(objectsDir);
    const key = objectKey(projectId);
    const url = new URL((await storage.presignUpload(key)).url);
    const request = httpRequest({ host: url.hostname, port: url.port, path: `${url.pathname}${url.search}`, method: 'PUT', headers: { 'content-type': 'application/octet-stream' } });
    request.on('error', () => undefined);
    request.write(randomBytes(32 * 1024));
    await sleep(100);
    request.destroy();
    for (let i = 0; i < 50 && (await filesUnder(objectsDir)).length !== before.length; i++) await sleep(20);
    expect(await filesUnder(objectsDir)).toEqual(before);
    expect(await codeOf(storage.stat(key))).toBe('STORAGE_OBJECT_NOT_FOUND');
  });
});
