import { randomBytes, randomUUID } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import path from 'node:path';
import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { isPacaError } from '@paca/plugin-sdk';
import { Client } from 'minio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock, type Clock } from '../clock.js';
import { startTestKernel } from '../testing/index.js';
import { objectKey, type ObjectStorage } from './object-storage.js';
import { S3ObjectStorage } from './s3-storage.js';
import { startTestS3Server } from '../testing/s3-test-server.js';

/**
 * One behaviour suite, run against every adapter: what a caller of `ObjectStorage` (and a client
 * holding a presigned URL) sees must not depend on STORAGE_PROVIDER.
 */
interface StorageHarness {
  storage: ObjectStorage;
  clock: Clock;
  /** Lets time pass for URL expiry: the kernel clock (fs) or real time (S3 checks its own clock). */
  letTimePass(seconds: number): Promise<void>;
  /** Everything the backend holds (files, temp files and metadata included; or bucket objects). */
  stored(): Promise<string[]>;
  /** The error code of a refused HTTP response: the envelope's for fs, S3's XML `<Code>` for S3. */
  errorCode(response: Response): Promise<string>;
  codes: { expired: string; tampered: string };
  /** Where an oversize presigned upload is stopped. */
  uploadLimit: 'while-streaming' | 'on-verify';
  close(): Promise<void>;
}

const LIMIT = 256 * 1024;

function describeObjectStorage(name: string, start: () => Promise<StorageHarness>): void {
  describe(`object storage (${name})`, () => {
    let h: StorageHarness;
    const projectId = randomUUID();
    beforeAll(async () => {
      h = await start();
    });
    afterAll(() => h?.close());

    /** Every byte value, then random bytes: no text encoding survives this by accident. */
    const binary = (size: number) => Buffer.concat([Buffer.from(Array.from({ length: 256 }, (_, i) => i)), randomBytes(Math.max(0, size - 256))]).subarray(0, size);
    const read = async (stream: Readable) => {
      const chunks: Buffer[] = [];
      for await (const chunk of stream) chunks.push(chunk as Buffer);
      return Buffer.concat(chunks);
    };
    const expectCode = async (promise: Promise<unknown>, code: string, status: number) => {
      const error = await promise.then(() => null, (e: unknown) => e);
      expect(isPacaError(error, code), `expected ${code}, got ${String(error)}`).toBe(true);
      expect((error as { status: number }).status).toBe(status);
    };
    const tamperSignature = (url: string) => {
      const parsed = new URL(url);
      for (const [param, value] of parsed.searchParams) {
        if (/signature/i.test(param)) parsed.searchParams.set(param, `${value[0] === 'a' ? 'b' : 'a'}${value.slice(1)}`);
      }
      return parsed.toString();
    };

    it('round-trips binary content: put, get, stat, delete (idempotent)', async () => {
      const key = objectKey(projectId);
      expect(key).toMatch(new RegExp(`^projects/${projectId}/[0-9a-f-]{36}$`));
      const data = binary(70_000);
      expect(await h.storage.put(key, data, { contentType: 'image/png' })).toEqual({ key, size: data.length });
      const object = await h.storage.get(key);
      expect(object.size).toBe(data.length);
      expect(object.contentType).toBe('image/png');
      expect((await read(object.stream)).equals(data)).toBe(true);
      expect(await h.storage.stat(key)).toEqual({ key, size: data.length, contentType: 'image/png' });
      await h.storage.delete(key);
      await expectCode(h.storage.stat(key), 'STORAGE_OBJECT_NOT_FOUND', 404);
      await h.storage.delete(key);
    });

    it('stores a stream and replaces an object under the same key', async () => {
      const key = objectKey(projectId);
      const chunks = [binary(10_000), binary(20_000), binary(5)];
      expect(await h.storage.put(key, Readable.from(chunks))).toEqual({ key, size: 30_005 });
      expect(await h.storage.stat(key)).toEqual({ key, size: 30_005, contentType: 'application/octet-stream' });
      await h.storage.put(key, Buffer.from('second'), { contentType: 'text/plain; charset=utf-8' });
      const object = await h.storage.get(key);
      expect((await read(object.stream)).toString()).toBe('second');
      expect(object.contentType).toBe('text/plain; charset=utf-8');
      await h.storage.delete(key);
    });

    it('answers a missing object with a coded 404', async () => {
      const key = objectKey(projectId);
      await expectCode(h.storage.get(key), 'STORAGE_OBJECT_NOT_FOUND', 404);
      await expectCode(h.storage.stat(key), 'STORAGE_OBJECT_NOT_FOUND', 404);
      await expectCode(h.storage.verifyUpload(key), 'STORAGE_OBJECT_NOT_FOUND', 404);
    });

    it('refuses invalid keys with a code', async () => {
      for (const key of ['../secrets.json', '/etc/passwd', 'a//b', 'a/../b', 'a b', 'projects/x/ü', '']) {
        await expectCode(h.storage.put(key, Buffer.from('x')), 'STORAGE_KEY_INVALID', 422);
        await expectCode(h.storage.get(key), 'STORAGE_KEY_INVALID', 422);
        await expectCode(h.storage.presignDownload(key), 'STORAGE_KEY_INVALID', 422);
      }
    });

    it('enforces the size limit on put while streaming, leaving nothing behind', async () => {
      const before = await h.stored();
      const key = objectKey(projectId);
      let produced = 0;
      // A source that would never end: the limit, not the source, must stop the upload.
      const endless = new Readable({
        read() {
          produced += 16 * 1024;
          this.push(binary(16 * 1024));
        },
      });
      await expectCode(h.storage.put(key, endless), 'PAYLOAD_TOO_LARGE', 413);
      expect(produced).toBeLessThan(LIMIT * 2);
      await expectCode(h.storage.put(key, Readable.from([binary(600), binary(600)]), { maxBytes: 1000 }), 'PAYLOAD_TOO_LARGE', 413);
      await expectCode(h.storage.put(key, binary(LIMIT + 1)), 'PAYLOAD_TOO_LARGE', 413);
      // A caller's larger limit is capped to STORAGE_MAX_OBJECT_BYTES.
      await expectCode(h.storage.put(key, binary(LIMIT + 1), { maxBytes: LIMIT * 4 }), 'PAYLOAD_TOO_LARGE', 413);
      await expectCode(h.storage.stat(key), 'STORAGE_OBJECT_NOT_FOUND', 404);
      expect(await h.stored()).toEqual(before);
      expect(await h.storage.put(key, binary(LIMIT))).toEqual({ key, size: LIMIT });
      await h.storage.delete(key);
    });

    it('uploads through a presigned URL and downloads through another, over HTTP', async () => {
      const key = objectKey(projectId);
      const data = binary(100_000);
      const now = h.clock.now().getTime();
      const upload = await h.storage.presignUpload(key, { contentType: 'application/pdf' });
      expect(upload.method).toBe('PUT');
      expect(Math.abs(Date.parse(upload.expires_at) - (now + 3600_000))).toBeLessThan(2000);
      expect(upload.max_bytes).toBe(LIMIT);
      const put = await fetch(upload.url, { method: 'PUT', body: data, headers: upload.headers });
      expect(put.ok, `${put.status} ${await put.clone().text()}`).toBe(true);
      expect(await h.storage.verifyUpload(key, upload.max_bytes)).toEqual({ key, size: data.length, contentType: 'application/pdf' });

      // ASCII here: s3rver canonicalises `'()*!` unlike AWS (encodeURIComponent), so the RFC 5987
      // `filename*=UTF-8''…` form is refused by it though MinIO and S3 accept it; fs tests cover it.
      const download = await h.storage.presignDownload(key, { fileName: 'final report; v2.pdf' });
      expect(Math.abs(Date.parse(download.expires_at) - (now + 900_000))).toBeLessThan(2000);
      const got = await fetch(download.url);
      expect(got.status).toBe(200);
      expect(got.headers.get('content-type')).toBe('application/pdf');
      expect(got.headers.get('content-length')).toBe(String(data.length));
      expect(got.headers.get('content-disposition')).toBe('attachment; filename="final report; v2.pdf"');
      expect(Buffer.from(await got.arrayBuffer()).equals(data)).toBe(true);
      await h.storage.delete(key);
    });

    it('refuses expired upload and download URLs', async () => {
      const key = objectKey(projectId);
      await h.storage.put(key, Buffer.from('kept'));
      const download = await h.storage.presignDownload(key, { expiresInSeconds: 1 });
      const otherKey = objectKey(projectId);
      const upload = await h.storage.presignUpload(otherKey, { expiresInSeconds: 1 });
      await h.letTimePass(1);
      const got = await fetch(download.url);
      expect(got.status).toBe(403);
      expect(await h.errorCode(got)).toBe(h.codes.expired);
      const put = await fetch(upload.url, { method: 'PUT', body: Buffer.from('late') });
      expect(put.status).toBe(403);
      expect(await h.errorCode(put)).toBe(h.codes.expired);
      await expectCode(h.storage.stat(otherKey), 'STORAGE_OBJECT_NOT_FOUND', 404);
      await h.storage.delete(key);
    });

    it('refuses tampered URLs: another signature, another key', async () => {
      const secret = objectKey(projectId);
      const shared = objectKey(projectId);
      await h.storage.put(secret, Buffer.from('secret'));
      await h.storage.put(shared, Buffer.from('shared'));
      const download = await h.storage.presignDownload(shared);
      expect((await fetch(download.url)).status).toBe(200);

      const forged = await fetch(tamperSignature(download.url));
      expect(forged.status).toBe(403);
      expect(await h.errorCode(forged)).toBe(h.codes.tampered);
      const redirected = await fetch(download.url.replace(shared, secret));
      expect(redirected.status).toBe(403);
      expect(await h.errorCode(redirected)).toBe(h.codes.tampered);

      const target = objectKey(projectId);
      const upload = await h.storage.presignUpload(target);
      const overwrite = await fetch(upload.url.replace(target, secret), { method: 'PUT', body: Buffer.from('overwritten') });
      expect(overwrite.status).toBe(403);
      const forgedPut = await fetch(tamperSignature(upload.url), { method: 'PUT', body: Buffer.from('forged') });
      expect(forgedPut.status).toBe(403);
      expect(await h.errorCode(forgedPut)).toBe(h.codes.tampered);
      expect((await read((await h.storage.get(secret)).stream)).toString()).toBe('secret');
      await expectCode(h.storage.stat(target), 'STORAGE_OBJECT_NOT_FOUND', 404);
      await h.storage.delete(secret);
      await h.storage.delete(shared);
    });

    it('refuses an oversize presigned upload and keeps nothing', async () => {
      const before = await h.stored();
      const key = objectKey(projectId);
      const upload = await h.storage.presignUpload(key, { maxBytes: 1024 });
      expect(upload.max_bytes).toBe(1024);
      const put = await fetch(upload.url, { method: 'PUT', body: binary(4096) });
      if (h.uploadLimit === 'while-streaming') {
        expect(put.status).toBe(413);
        expect(await h.errorCode(put)).toBe('PAYLOAD_TOO_LARGE');
        await expectCode(h.storage.verifyUpload(key, upload.max_bytes), 'STORAGE_OBJECT_NOT_FOUND', 404);
      } else {
        // S3 cannot cap a presigned PUT: completing the upload checks it and deletes the object.
        expect(put.ok).toBe(true);
        await expectCode(h.storage.verifyUpload(key, upload.max_bytes), 'PAYLOAD_TOO_LARGE', 413);
      }
      await expectCode(h.storage.stat(key), 'STORAGE_OBJECT_NOT_FOUND', 404);
      expect(await h.stored()).toEqual(before);
    });
  });
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function filesUnder(root: string): Promise<string[]> {
  const entries = await readdir(root, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries.filter((entry) => entry.isFile()).map((entry) => path.relative(root, path.join(entry.parentPath, entry.name))).sort();
}

describeObjectStorage('fs', async () => {
  const port = await freePort();
  const t = await startTestKernel({ env: { PUBLIC_URL: `http://127.0.0.1:${port}`, STORAGE_MAX_OBJECT_BYTES: String(LIMIT) } });
  await t.kernel.app.listen({ port, host: '127.0.0.1' });
  return {
    storage: t.kernel.services.storage,
    clock: t.clock,
    letTimePass: async (seconds) => t.clock.advance(seconds * 1000),
    stored: () => filesUnder(path.join(t.config.dataDir, 'objects')),
    errorCode: async (response) => ((await response.json()) as { error_code: string }).error_code,
    codes: { expired: 'STORAGE_URL_EXPIRED', tampered: 'STORAGE_URL_INVALID' },
    uploadLimit: 'while-streaming',
    close: () => t.close(),
  };
});

describeObjectStorage('s3', async () => {
  const credentials = { accessKeyId: 'paca-contract', secretAccessKey: randomBytes(20).toString('hex') };
  const server = await startTestS3Server(credentials);
  const bucket = 'paca-contract';
  const storage = await S3ObjectStorage.open({
    endpoint: server.endpoint, publicUrl: null, region: 'us-east-1', bucket, useSsl: false,
    ...credentials, maxObjectBytes: LIMIT, clock: systemClock,
  });
  const client = new Client({ endPoint: '127.0.0.1', port: server.port, useSSL: false, accessKey: credentials.accessKeyId,
    secretKey: credentials.secretAccessKey, region: 'us-east-1', pathStyle: true });
  return {
    storage,
    clock: systemClock,
    // X-Amz-Date has whole seconds: one more second makes sure the server sees the URL as expired.
    letTimePass: (seconds) => sleep((seconds + 1) * 1000),
    stored: async () => {
      const names: string[] = [];
      for await (const item of client.listObjectsV2(bucket, '', true)) names.push((item as { name: string }).name);
      return names.sort();
    },
    errorCode: async (response) => /<Code>([^<]+)<\/Code>/.exec(await response.text())?.[1] ?? `(no code, status ${response.status})`,
    codes: { expired: 'AccessDenied', tampered: 'SignatureDoesNotMatch' },
    uploadLimit: 'on-verify',
    close: () => server.close(),
  };
});
