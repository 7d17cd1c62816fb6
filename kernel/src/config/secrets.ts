import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { KernelConfig } from './config.js';

export interface KernelSecrets {
  jwtSecret: string;
  encryptionKey: string;
}

interface StoredSecrets {
  jwt_secret?: string;
  encryption_key?: string;
}

/**
 * Secrets come from the environment; in embedded mode the missing ones are generated once and
 * kept in `DATA_DIR/secrets.json` (mode 0600) so restarts keep sessions and ciphertexts valid (D9).
 */
export async function resolveSecrets(config: KernelConfig): Promise<KernelSecrets> {
  if (config.jwtSecret && config.encryptionKey) {
    return { jwtSecret: config.jwtSecret, encryptionKey: config.encryptionKey };
  }
  const file = path.join(config.dataDir, 'secrets.json');
  let stored: StoredSecrets = {};
  try {
    stored = JSON.parse(await readFile(file, 'utf8')) as StoredSecrets;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const next: StoredSecrets = {
    jwt_secret: stored.jwt_secret ?? randomBytes(32).toString('hex'),
    encryption_key: stored.encryption_key ?? randomBytes(32).toString('hex'),
  };
  if (next.jwt_secret !== stored.jwt_secret || next.encryption_key !== stored.encryption_key) {
    await mkdir(config.dataDir, { recursive: true });
    await writeFile(file, JSON.stringify(next, null, 2), { mode: 0o600 });
  }
  return {
    jwtSecret: config.jwtSecret ?? next.jwt_secret!,
    encryptionKey: config.encryptionKey ?? next.encryption_key!,
  };
}
