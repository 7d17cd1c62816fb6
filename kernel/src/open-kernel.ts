import path from 'node:path';
import type { FastifyServerOptions } from 'fastify';
import type { Clock } from './clock.js';
import type { KernelConfig } from './config/config.js';
import { resolveSecrets } from './config/secrets.js';
import { openDatabase } from './db/database.js';
import { createKernel, type Kernel } from './kernel.js';

/** The production path: secrets, the database of the configured mode, then the kernel. */
export async function openKernel(config: KernelConfig, options: { clock?: Clock; logger?: FastifyServerOptions['logger'] } = {}): Promise<Kernel> {
  const secrets = await resolveSecrets(config);
  const database = await openDatabase(config.databaseUrl
    ? { url: config.databaseUrl, poolMax: config.databasePoolMax }
    : { pgliteDir: path.join(config.dataDir, 'pglite') });
  try {
    return await createKernel({ config, secrets, database, ...options });
  } catch (error) {
    await database.close();
    throw error;
  }
}
