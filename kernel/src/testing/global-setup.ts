import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { dumpMigratedPglite, TEMPLATE_ENV } from './test-database.js';

/**
 * vitest global setup: dump one migrated PGlite template for the whole run; test workers inherit
 * its path through the environment. Not needed (and skipped) when tests use PostgreSQL.
 */
export default async function setup(): Promise<() => Promise<void>> {
  if (process.env.DATABASE_URL) return async () => undefined;
  const dir = await mkdtemp(path.join(tmpdir(), 'paca-template-'));
  const file = path.join(dir, 'kernel.tar');
  await writeFile(file, Buffer.from(await (await dumpMigratedPglite()).arrayBuffer()));
  process.env[TEMPLATE_ENV] = file;
  return () => rm(dir, { recursive: true, force: true });
}
