import path from 'node:path';
import type { Clock } from '../clock.js';
import type { KernelConfig } from '../config/config.js';
import type { KernelSecrets } from '../config/secrets.js';
import { FsObjectStorage } from './fs-storage.js';
import { S3ObjectStorage } from './s3-storage.js';
import { StorageUrlSigner } from './storage-url-signer.js';

export interface CreateObjectStorageDeps {
  secrets: Pick<KernelSecrets, 'encryptionKey'>;
  clock: Clock;
}

/**
 * The adapter `STORAGE_PROVIDER` names (D12). At boot the S3 one checks its bucket (creating it) and the
 * fs one clears temp files a crash left behind.
 */
export async function createObjectStorage(config: KernelConfig, deps: CreateObjectStorageDeps): Promise<FsObjectStorage | S3ObjectStorage> {
  const { storage } = config;
  if (storage.provider === 's3') {
    return S3ObjectStorage.open({
      // config validation guarantees these for the s3 provider
      endpoint: storage.endpoint!,
      accessKeyId: storage.accessKeyId!,
      secretAccessKey: storage.secretAccessKey!,
      publicUrl: storage.publicUrl,
      region: storage.region,
      bucket: storage.bucket,
      useSsl: storage.useSsl,
      maxObjectBytes: storage.maxObjectBytes,
      clock: deps.clock,
    });
  }
  const fs = new FsObjectStorage({
    root: path.join(config.dataDir, 'objects'),
    maxObjectBytes: storage.maxObjectBytes,
    signer: new StorageUrlSigner(deps.secrets.encryptionKey, deps.clock),
    publicUrl: storage.publicUrl ?? config.publicUrl,
    clock: deps.clock,
  });
  await fs.removeStaleTempFiles();
  return fs;
}
