import { AsyncLocalStorage } from 'node:async_hooks';
import type { Knex } from 'knex';

/**
 * The connection or transaction a plugin's route handler, hook or event handler runs on. Kernel
 * services a plugin calls without passing its `db` (secrets) read through it: on PGlite's single
 * connection, reaching for the pool from inside a transaction would wait for itself.
 */
const current = new AsyncLocalStorage<Knex>();

export function runWithConnection<T>(db: Knex, fn: () => T): T {
  return current.run(db, fn);
}

export function currentConnection(fallback: Knex): Knex {
  return current.getStore() ?? fallback;
}
