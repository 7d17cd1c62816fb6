import { randomBytes } from 'node:crypto';
import knexFactory from 'knex';
import { openDatabase, type Database } from '../db/database.js';
import { migrateKernel } from '../db/migrate.js';

let pgliteTemplate: Promise<Blob> | null = null;

/**
 * A migrated PGlite database dumped once per worker; each test kernel loads a copy (≈1 s instead
 * of creating and migrating a new one).
 */
async function template(): Promise<Blob> {
  pgliteTemplate ??= (async () => {
    const database = await openDatabase({});
    await migrateKernel(database.knex);
    const dump = await database.pglite!.dumpDataDir('none');
    await database.close();
    return dump;
  })();
  return pgliteTemplate;
}

export interface TestDatabase {
  database: Database;
  /** Drops what was created for the test (the PostgreSQL database). */
  dispose(): Promise<void>;
}

/** A fresh database per test kernel: PGlite from the template, or a new PostgreSQL database when `DATABASE_URL` is set. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const url = process.env.DATABASE_URL;
  if (!url) {
    const database = await openDatabase({ pgliteTemplate: await template(), acquireTimeoutMs: 5_000 });
    return { database, dispose: async () => undefined };
  }
  const name = `paca_t_${randomBytes(6).toString('hex')}`;
  const admin = knexFactory({ client: 'pg', connection: url, pool: { min: 0, max: 1 } });
  await admin.raw(`CREATE DATABASE ${name}`);
  const testUrl = new URL(url);
  testUrl.pathname = `/${name}`;
  const database = await openDatabase({ url: testUrl.toString(), poolMax: 10, acquireTimeoutMs: 10_000 });
  await migrateKernel(database.knex);
  return {
    database,
    async dispose() {
      await admin.raw(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.destroy();
    },
  };
}
