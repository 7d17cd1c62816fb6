import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import knexFactory from 'knex';
import { openDatabase, type Database } from '../db/database.js';
import { migrateKernel } from '../db/migrate.js';

/** Where the test run's global setup left the dumped template (see `global-setup.ts`). */
export const TEMPLATE_ENV = 'PACA_PGLITE_TEMPLATE';

let pgliteTemplate: Promise<Blob> | null = null;

/** A fresh embedded database with the kernel migrations applied, dumped as a tarball. */
export async function dumpMigratedPglite(): Promise<Blob> {
  const database = await openDatabase({});
  await migrateKernel(database.knex);
  const dump = await database.pglite!.dumpDataDir('none');
  await database.close();
  return dump;
}

/**
 * A migrated PGlite database, dumped once per test run (or once per worker without the global
 * setup); each test kernel loads a copy, which is much faster than creating and migrating one.
 */
async function template(): Promise<Blob> {
  pgliteTemplate ??= (async () => {
    const file = process.env[TEMPLATE_ENV];
    if (file) {
      try {
        return new Blob([await readFile(file)]);
      } catch {
        // fall through: the file is gone, build our own
      }
    }
    return dumpMigratedPglite();
  })();
  return pgliteTemplate;
}

export interface TestDatabase {
  database: Database;
  /** The PostgreSQL URL of this database (null on PGlite). */
  url: string | null;
  /** Drops what was created for the test (the PostgreSQL database). */
  dispose(): Promise<void>;
}

/** A fresh database per test kernel: PGlite from the template, or a new PostgreSQL database when `DATABASE_URL` is set. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const url = process.env.DATABASE_URL;
  if (!url) {
    const database = await openDatabase({ pgliteTemplate: await template(), acquireTimeoutMs: 5_000 });
    return { database, url: null, dispose: async () => undefined };
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
    url: testUrl.toString(),
    async dispose() {
      await admin.raw(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.destroy();
    },
  };
}
