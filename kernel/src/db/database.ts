import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import knexFactory, { type Knex } from 'knex';
import ClientPgLite from 'knex-pglite';
import pg from 'pg';

// pg returns int8/numeric as strings; counts and sequences we read are small, so parse them.
pg.types.setTypeParser(20, (value) => Number(value));

export type DatabaseDialect = 'pglite' | 'postgres';

export interface Database {
  knex: Knex;
  dialect: DatabaseDialect;
  /** The embedded engine (PGlite only), e.g. to dump a test template. */
  pglite?: PGlite;
  close(): Promise<void>;
}

export interface OpenDatabaseOptions {
  /** PostgreSQL connection string; when absent an embedded PGlite database is used. */
  url?: string | null;
  poolMax?: number;
  /** Directory of the embedded database; absent = in memory. */
  pgliteDir?: string;
  /** A `dumpDataDir()` tarball to start the embedded database from (test template). */
  pgliteTemplate?: Blob;
  /** How long a query waits for the (single, on PGlite) connection before failing. */
  acquireTimeoutMs?: number;
}

export async function openDatabase(options: OpenDatabaseOptions): Promise<Database> {
  if (options.url) {
    const knex = knexFactory({
      client: 'pg',
      connection: options.url,
      pool: { min: 0, max: options.poolMax ?? 10 },
      acquireConnectionTimeout: options.acquireTimeoutMs ?? 30_000,
    });
    return { knex, dialect: 'postgres', close: () => knex.destroy() };
  }
  if (options.pgliteDir) await mkdir(path.dirname(options.pgliteDir), { recursive: true });
  const pglite = await PGlite.create(options.pgliteDir ?? 'memory://', {
    extensions: { pg_trgm },
    ...(options.pgliteTemplate ? { loadDataDir: options.pgliteTemplate } : {}),
  });
  const knex = knexFactory({
    client: ClientPgLite as unknown as typeof Knex.Client,
    dialect: 'postgres',
    // knex-pglite accepts a ready instance through a connection function.
    connection: (() => ({ pglite })) as unknown as Knex.StaticConnectionConfig,
    acquireConnectionTimeout: options.acquireTimeoutMs ?? 30_000,
  });
  return {
    knex,
    dialect: 'pglite',
    pglite,
    async close() {
      await knex.destroy();
      if (!pglite.closed) await pglite.close();
    },
  };
}

/** Rows a delete touched: a number on pg, a result object on knex-pglite. */
export function affectedRows(result: unknown): number {
  if (typeof result === 'number') return result;
  const counted = result as { rowCount?: number; affectedRows?: number } | null;
  return Number(counted?.rowCount ?? counted?.affectedRows ?? 0);
}
