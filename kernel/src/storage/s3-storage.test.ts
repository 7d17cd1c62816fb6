import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isPacaError } from '@paca/plugin-sdk';
import { Client } from 'minio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../clock.js';
import { objectKey } from './object-storage.js';
import { S3ObjectStorage, type S3ObjectStorageOptions } from './s3-storage.js';
import { startTestS3Server, type TestS3Server } from '../testing/s3-test-server.js';

const credentials = { accessKeyId: 'paca-s3-tests', secretAccessKey: randomBytes(20).toString('hex') };
let server: TestS3Server;
let options: S3ObjectStorageOptions;
const bucket = 'paca-s3-tests';

beforeAll(async () => {
  server = await startTestS3Server({ ...credentials, buckets: [bucket] });
  options = {
    endpoint: server.endpoint, publicUrl: null, region: 'us-east-1', bucket, useSsl: false,
    ...credentials, maxObjectBytes: 1024 * 1024, clock: systemClock,
  };
});
afterAll(() => server?.close());

async function failure(promise: Promise<unknown>): Promise<{ code?: string; status?: number; cause?: { code?: string } }> {
  const error = await promise.then(() => null, (e: unknown) => e);
  expect(isPacaError(error), `expected a coded error, got ${String(error)}`).toBe(true);
  return error as { code: string; status: number; cause?: { code?: string } };
}

describe('S3 adapter against a signature-checking server', () => {
  it('is refused with a wrong secret key, at boot and on every call', async () => {
    const wrong = { ...options, secretAccessKey: `${credentials.secretAccessKey}x` };
    const atBoot = await failure(S3ObjectStorage.open(wrong));
    expect(atBoot).toMatchObject({ code: 'STORAGE_UNAVAILABLE', status: 503 });
    expect(atBoot.cause?.code).toBe('AccessDenied');

    const storage = new S3ObjectStorage(wrong);
    const key = objectKey(randomUUID());
    const put = await failure(storage.put(key, Buffer.from('x')));
    expect(put).toMatchObject({ code: 'STORAGE_UNAVAILABLE', cause: { code: 'SignatureDoesNotMatch' } });

    const upload = await storage.presignUpload(key);
    const response = await fetch(upload.url, { method: 'PUT', body: 'forged' });
    expect(response.status).toBe(403);
    expect(await response.text()).toContain('<Code>SignatureDoesNotMatch</Code>');
    expect((await failure(new S3ObjectStorage(options).stat(key))).code).toBe('STORAGE_OBJECT_NOT_FOUND');
  });

  it('is refused with an unknown access key', async () => {
    const stranger = new S3ObjectStorage({ ...options, accessKeyId: 'nobody-knows-me' });
    expect(await failure(stranger.put(objectKey(randomUUID()), Buffer.from('x')))).toMatchObject({
      code: 'STORAGE_UNAVAILABLE', cause: { code: 'InvalidAccessKeyId' },
    });
  });

  it('fails to open, with a code, when the server cannot be reached', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise((resolve) => closed.close(resolve));
    const error = await failure(S3ObjectStorage.open({ ...options, endpoint: `http://127.0.0.1:${port}` }));
    expect(error).toMatchObject({ code: 'STORAGE_UNAVAILABLE', cause: { code: 'ECONNREFUSED' } });
  });

  it('creates its bucket when missing', async () => {
    const client = new Client({ endPoint: '127.0.0.1', port: server.port, useSSL: false, accessKey: credentials.accessKeyId,
      secretKey: credentials.secretAccessKey, region: 'us-east-1', pathStyle: true });
    const fresh = `paca-fresh-${randomBytes(4).toString('hex')}`;
    expect(await client.bucketExists(fresh)).toBe(false);
    const storage = await S3ObjectStorage.open({ ...options, bucket: fresh });
    expect(await client.bucketExists(fresh)).toBe(true);
    await S3ObjectStorage.open({ ...options, bucket: fresh }); // and leaves an existing one alone
    const key = objectKey(randomUUID());
    await storage.put(key, Buffer.from('in the new bucket'));
    expect((await client.statObject(fresh, key)).size).toBe(17);
  });

  describe('STORAGE_PUBLIC_URL', () => {
    let proxy: Server;
    let proxyPort: number;
    beforeAll(async () => {
      // A reverse proxy serving the bucket under /files: strips the prefix, keeps the Host header.
      proxy = createServer((request, response) => {
        const upstream = httpRequest({
          host: '127.0.0.1', port: server.port, method: request.method, headers: request.headers,
          path: (request.url ?? '/').replace(/^\/files/, ''),
        }, (answer) => {
          response.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(response);
        });
        request.pipe(upstream);
      });
      await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
      proxyPort = (proxy.address() as AddressInfo).port;
    });
    afterAll(() => new Promise<void>((resolve) => proxy.close(() => resolve())));

    it('signs presigned URLs for the public address, path prefix included', async () => {
      const publicUrl = `http://localhost:${proxyPort}/files`;
      const storage = new S3ObjectStorage({ ...options, publicUrl });
      const key = objectKey(randomUUID());
      const upload = await storage.presignUpload(key, { contentType: 'text/csv' });
      expect(upload.url.startsWith(`${publicUrl}/${bucket}/${key}?`)).toBe(true);
      const put = await fetch(upload.url.replace('localhost', '127.0.0.1'), { method: 'PUT', body: 'a,b\n1,2\n', headers: upload.headers });
      // The signature covers the public host: reaching the proxy under another name is refused…
      expect(put.status).toBe(403);
      // …and the exact public URL works end to end.
      const accepted = await fetch(upload.url, { method: 'PUT', body: 'a,b\n1,2\n', headers: upload.headers });
      expect(accepted.status).toBe(200);
      expect(await storage.verifyUpload(key)).toEqual({ key, size: 8, contentType: 'text/csv' });
      const download = await storage.presignDownload(key, { fileName: 'table.csv' });
      expect(download.url.startsWith(`${publicUrl}/${bucket}/${key}?`)).toBe(true);
      const got = await fetch(download.url);
      expect(got.status).toBe(200);
      expect(got.headers.get('content-disposition')).toBe('attachment; filename="table.csv"');
      expect(await got.text()).toBe('a,b\n1,2\n');
    });
  });
});
