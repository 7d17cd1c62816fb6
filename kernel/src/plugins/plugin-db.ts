import type { PluginDb } from '@paca/plugin-sdk';
import type { Knex } from 'knex';

/**
 * A plugin's database handle (D22): every table name resolves in its own schema. `knex` may be
 * the pool or a transaction; `transaction()` nests as a savepoint.
 */
export function bindPluginDb(knex: Knex, schema: string): PluginDb {
  const quoted = `"${schema.replace(/"/g, '""')}"`;
  const db = ((table: string) => knex(table).withSchema(schema)) as PluginDb & { schema: string; knex: Knex };
  Object.defineProperties(db, {
    schema: { value: schema, enumerable: true },
    knex: { value: knex },
    table: { value: (name: string) => `${quoted}."${name.replace(/"/g, '""')}"` },
    raw: { value: (sql: string, bindings?: readonly Knex.RawBinding[]) => (bindings ? knex.raw(sql, bindings) : knex.raw(sql)) },
    transaction: { value: <T>(fn: (tx: PluginDb) => Promise<T>) => knex.transaction((tx) => fn(bindPluginDb(tx, schema))) },
  });
  return db;
}

/** The connection or transaction behind a plugin handle, for kernel services. */
export function knexOf(db: PluginDb): Knex {
  return db.knex;
}
