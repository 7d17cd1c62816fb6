import type { PluginDb } from '@paca/plugin-sdk';
import type { Knex } from 'knex';

/** Where the kernel keeps the connection behind a handle; not part of the SDK's type. */
const CONNECTION = Symbol('paca.pluginDb.connection');

/**
 * A plugin's database handle (D22): every table name resolves in its own schema. `knex` may be
 * the pool or a transaction; `transaction()` nests as a savepoint. Plugins never see the
 * connection itself; kernel services unwrap it with {@link knexOf}.
 */
export function bindPluginDb(connection: Knex | (() => Knex), schema: string): PluginDb {
  // A function resolves the connection on every call: the long-lived handle a plugin keeps from
  // `deps` then follows whichever request, hook or event transaction is running (see plugin-call-context).
  const knex = typeof connection === 'function' && !('client' in connection) ? (connection as () => Knex) : () => connection as Knex;
  const quoted = `"${schema.replace(/"/g, '""')}"`;
  const db = ((table: string) => knex()(table).withSchema(schema)) as PluginDb;
  Object.defineProperties(db, {
    schema: { value: schema, enumerable: true },
    [CONNECTION]: { get: knex },
    table: { value: (name: string) => `${quoted}."${name.replace(/"/g, '""')}"` },
    raw: { value: (sql: string, bindings?: readonly Knex.RawBinding[]) => (bindings ? knex().raw(sql, bindings) : knex().raw(sql)) },
    transaction: { value: <T>(fn: (tx: PluginDb) => Promise<T>) => knex().transaction((tx) => fn(bindPluginDb(tx, schema))) },
  });
  return db;
}

/** The connection or transaction behind a plugin handle, for kernel services. */
export function knexOf(db: PluginDb): Knex {
  const knex = (db as unknown as Record<symbol, Knex | undefined>)[CONNECTION];
  if (!knex) throw new TypeError('not a database handle the kernel gave out');
  return knex;
}
