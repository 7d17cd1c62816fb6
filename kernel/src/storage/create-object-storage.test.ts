import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { isPacaError } from '@paca/plugin-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../clock.js';
import { ConfigError, loadConfig } from '../config/config.js';
import { startTestKernel } from '../testing/index.js';
import { createObjectStorage } from './create-object-storage.js';
import { objectKey } from './object-storage.js';
import { startTestS3Server, type TestS3Server } from '../testing/s3-test-server.js';

const secrets = { encryptionKey: 'ab'.repeat(32) };
const clock = new ManualClock('2026-05-01T00:00:00Z');

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
    return [];
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
}

describe('storage configuration', () => {
  it('defaults to fs with a 100 MiB limit and TLS following the endpoint scheme', () => {
    const config = loadConfig({});
    expect(config.storage).toMatchObject({ provider: 'fs', maxObjectBytes: 104_857_600, useSsl: true, bucket: 'paca' });
    expect(loadConfig({ STORAGE_ENDPOINT: 'http://minio:9000' }).storage.useSsl).toBe(false);
    expect(loadConfig({ STORAGE_ENDPOINT: 'https://s3.example.com' }).storage.useSsl).toBe(true);
    expect(loadConfig({ STORAGE_MAX_OBJECT_BYTES: '1048576' }).storage.maxObjectBytes).toBe(1_048_576);
  });

  it('reports storage mistakes at boot', () => {
    expect(problemsOf({ STORAGE_ENDPOINT: 'http://minio:9000', STORAGE_USE_SSL: 'true' })).toEqual([
      'STORAGE_USE_SSL=true contradicts the http:// STORAGE_ENDPOINT',
    ]);
    expect(problemsOf({ STORAGE_ENDPOINT: 'http://minio:9000/bucket' })).toEqual([
      'STORAGE_ENDPOINT must be an origin without a path, such as http://minio:9000',
    ]);
    expect(problemsOf({ STORAGE_BUCKET: 'My_Bucket' })[0]).toMatch(/^STORAGE_BUCKET must be a valid S3 bucket name/);
    expect(problemsOf({ STORAGE_MAX_OBJECT_BYTES: '0' })[0]).toMatch(/^STORAGE_MAX_OBJECT_BYTES must be an integer/);
    expect(problemsOf({ STORAGE_MAX_OBJECT_BYTES: '100MB' })[0]).toMatch(/^STORAGE_MAX_OBJECT_BYTES must be an integer/);
  });
});

describe('createObjectStorage', () => {
  let dataDir: string;
  let server: TestS3Server;
  const credentials = { accessKeyId: 'paca-factory', secretAccessKey: randomBytes(20).toString('hex') };
  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'paca-factory-'));
    server = await startTestS3Server(credentials);
  });
  afterAll(async () => {
    await server?.close();
    await rm(dataDir, { recursive: true, force: true });
  });
  const s3Env = (extra: Record<string, string> = {}) => ({
    STORAGE_PROVIDER: 's3', STORAGE_ENDPOINT: server.endpoint, STORAGE_ACCESS_KEY_ID: credentials.accessKeyId,
    STORAGE_SECRET_ACCESS_KEY: credentials.secretAccessKey, ...extra,
  });

  it('builds the fs adapter under DATA_DIR/objects, with URLs on PUBLIC_URL or STORAGE_PUBLIC_URL', async () => {
    const storage = await createObjectStorage(loadConfig({ DATA_DIR: dataDir, PUBLIC_URL: 'https://paca.example.com' }), { secrets, clock });
    expect(storage.provider).toBe('fs');
    expect(storage.maxObjectBytes).toBe(104_857_600);
    await storage.put('projects/p/object', Buffer.from('x'));
    expect(await readdir(path.join(dataDir, 'objects', 'projects', 'p'))).toContain('object');
    expect((await storage.presignDownload('projects/p/object')).url).toMatch(/^https:\/\/paca\.example\.com\/api\/v1\/storage\/objects\/projects\/p\/object\?/);
    const behindCdn = await createObjectStorage(loadConfig({ DATA_DIR: dataDir, STORAGE_PUBLIC_URL: 'https://files.example.com/paca/' }), { secrets, clock });
    expect((await behindCdn.presignUpload('projects/p/object')).url).toMatch(/^https:\/\/files\.example\.com\/paca\/api\/v1\/storage\/objects\/projects\/p\/object\?/);
  });

  it('builds the S3 adapter, creating the bucket, and refuses to boot with a wrong secret', async () => {
    const storage = await createObjectStorage(loadConfig(s3Env({ STORAGE_BUCKET: 'paca-factory', STORAGE_MAX_OBJECT_BYTES: '2048' })), { secrets, clock });
    expect(storage.provider).toBe('s3');
    expect(storage.maxObjectBytes).toBe(2048);
    const key = objectKey('6f1c1d53-6a55-4f43-9e0b-3a4c52a0d7a1');
    expect(await storage.put(key, Buffer.from('hello'))).toEqual({ key, size: 5 });
    const refused = await createObjectStorage(loadConfig(s3Env({ STORAGE_SECRET_ACCESS_KEY: 'wrong-secret' })), { secrets, clock }).catch((e: unknown) => e);
    expect(isPacaError(refused, 'STORAGE_UNAVAILABLE')).toBe(true);
  });

  it('wires the kernel: services.storage, and storage routes only for fs', async () => {
    const t = await startTestKernel({ env: s3Env({ STORAGE_BUCKET: 'paca-kernel' }) });
    try {
      expect(t.kernel.services.storage.provider).toBe('s3');
      expect(t.kernel.httpRoutes.filter((route) => route.url.includes('/storage/'))).toEqual([]);
      const key = objectKey('6f1c1d53-6a55-4f43-9e0b-3a4c52a0d7a1');
      await t.kernel.services.storage.put(key, Buffer.from('via the kernel'));
      expect((await t.kernel.services.storage.stat(key)).size).toBe(14);
    } finally {
      await t.close();
    }
    const fs = await startTestKernel();
    try {
      expect(fs.kernel.services.storage.provider).toBe('fs');
      expect(fs.kernel.httpRoutes.filter((route) => route.url.includes('/storage/')).map((r) => `${r.method} ${r.url}`).sort())
        .toEqual(['GET /api/v1/storage/objects/*', 'PUT /api/v1/storage/objects/*']);
    } finally {
      await fs.close();
    }
  });
});
