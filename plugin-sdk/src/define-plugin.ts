import type { Knex } from 'knex';
import type { ServiceRef } from './refs.js';

/** A native plugin's migration, bound by the name `plugin.json` lists. Runs with the search path on the plugin's schema. */
export interface PluginMigration {
  up(knex: Knex): Promise<void>;
  down?(knex: Knex): Promise<void>;
}

export type DepsMap = Record<string, ServiceRef<unknown>>;
export type ResolvedDeps<D extends DepsMap> = { [K in keyof D]: D[K] extends ServiceRef<infer T> ? T : never };

/** What `register` receives: declare what the plugin provides, then how it starts. */
export interface PluginRegistrationEnv {
  readonly pluginId: string;
  /** Provide a service to plugins that `require` this one. */
  registerService<T>(ref: ServiceRef<T>, implementation: T): void;
  /** Provide an extension point other plugins register into (D20). */
  registerExtensionPoint<T>(ref: ServiceRef<T>, implementation: T): void;
  /** Called once; `init` runs after every dependency's `init`, with `deps` resolved and typed. */
  init<D extends DepsMap>(options: { deps: D; init(deps: ResolvedDeps<D>): void | Promise<void> }): void;
}

export interface PluginDefinition {
  readonly $$type: '@paca/plugin';
  readonly migrations: Readonly<Record<string, PluginMigration>>;
  register(env: PluginRegistrationEnv): void;
}

/**
 * A native plugin: the default export of the module `plugin.json` names in `main`.
 *
 * @example
 * export default definePlugin({
 *   migrations: { '0001-greetings': { up: (knex) => knex.schema.createTable('greetings', (t) => { t.uuid('id').primary(); }) } },
 *   register(env) {
 *     env.init({ deps: { routes: coreServices.routes, db: coreServices.db }, async init({ routes }) {
 *       routes.handle('greetings.list', async ({ db, projectId }) => db('greetings').where({ project_id: projectId }));
 *     } });
 *   },
 * });
 */
export function definePlugin(spec: { migrations?: Record<string, PluginMigration>; register(env: PluginRegistrationEnv): void }): PluginDefinition {
  return Object.freeze({ $$type: '@paca/plugin' as const, migrations: Object.freeze({ ...spec.migrations }), register: spec.register });
}

/** True for a `definePlugin` result, even from another copy of the SDK. */
export function isPluginDefinition(value: unknown): value is PluginDefinition {
  return typeof value === 'object' && value !== null && (value as { $$type?: unknown }).$$type === '@paca/plugin'
    && typeof (value as { register?: unknown }).register === 'function';
}
