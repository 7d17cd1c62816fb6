import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';

// @20minutes/s3rver is CommonJS without type declarations; these are the parts tests use.
interface S3rver {
  run(): Promise<{ address: string; port: number }>;
  close(): Promise<void>;
}
type S3rverConstructor = new (options: Record<string, unknown>) => S3rver;
interface AwsAccount {
  createKeyPair(accessKeyId: string, secretAccessKey: string): void;
  revokeAccessKey(accessKeyId: string): void;
}

export interface TestS3Server {
  /** `http://127.0.0.1:<port>`, for `STORAGE_ENDPOINT`. */
  endpoint: string;
  port: number;
  close(): Promise<void>;
}

/**
 * A real S3-compatible server for tests (`@20minutes/s3rver`, a devDependency): loopback, a free
 * port, a temp directory, SigV4 signatures checked against the given key pair.
 */
export async function startTestS3Server(options: { accessKeyId: string; secretAccessKey: string; buckets?: string[] }): Promise<TestS3Server> {
  const require = createRequire(import.meta.url);
  const S3rverClass = require('@20minutes/s3rver') as S3rverConstructor;
  // s3rver has one built-in account; keys registered on it are checked like AWS keys.
  const { DUMMY_ACCOUNT } = require('@20minutes/s3rver/lib/models/account.js') as { DUMMY_ACCOUNT: AwsAccount };
  DUMMY_ACCOUNT.createKeyPair(options.accessKeyId, options.secretAccessKey);
  const directory = await mkdtemp(path.join(tmpdir(), 'paca-s3rver-'));
  const server = new S3rverClass({
    address: '127.0.0.1',
    port: 0,
    directory,
    silent: true,
    allowMismatchedSignatures: false,
    configureBuckets: (options.buckets ?? []).map((name) => ({ name })),
  });
  const { port } = await server.run();
  return {
    endpoint: `http://127.0.0.1:${port}`,
    port,
    async close() {
      await server.close();
      DUMMY_ACCOUNT.revokeAccessKey(options.accessKeyId);
      await rm(directory, { recursive: true, force: true });
    },
  };
}
