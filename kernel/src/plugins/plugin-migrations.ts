import { pluginSchemaName, type PluginDefinition, type PluginManifest, type PluginMigration } from '@paca/plugin-sdk';
import type { Knex } from 'knex';
import { PluginInvalidManifest, PluginMigrationFailed } from './plugin-errors.js';

interface NamedMigration {
  name: string;
  migration: PluginMigration;
}

/**
 * Creates the plugin's schema and applies its pending migrations (DESIGN 3, D17). The history is
 * `plugin_<id>.plugin_migrations`, so each plugin's migrations are recorded on their own and never
 * re-run; each runs in a transaction with the search path on the plugin's schema, so unqualified
 * `createTable('x')` lands there.
 */
export async function migratePlugin(knex: Knex, manifest: PluginManifest, definition: PluginDefinition | null): Promise<string[]> {
  if (manifest.migrations.length === 0) return [];
  const implementations = definition?.migrations ?? {};
  const missing = manifest.migrations.filter((name) => !implementations[name]);
  const unlisted = Object.keys(implementations).filter((name) => !manifest.migrations.includes(name));
  if (missing.length > 0 || unlisted.length > 0) {
    throw PluginInvalidManifest({ plugin_id: manifest.id, issues: [
      ...missing.map((name) => ({ path: 'migrations', message: `${name} is listed but the code does not define it` })),
      ...unlisted.map((name) => ({ path: 'migrations', message: `the code defines ${name}, which plugin.json does not list` })),
    ] });
  }
  const schema = pluginSchemaName(manifest.id);
  const migrations: NamedMigration[] = manifest.migrations.map((name) => ({ name, migration: implementations[name]! }));
  let current: string | undefined;
  const inSchema = (step: (knex: Knex) => Promise<void>, name: string) => async (trx: Knex) => {
    current = name;
    await trx.raw(`SET LOCAL search_path TO "${schema}", public`);
    await step(trx);
  };
  const source: Knex.MigrationSource<NamedMigration> = {
    getMigrations: async () => migrations,
    getMigrationName: (m) => m.name,
    getMigration: async (m) => ({
      up: inSchema((k) => m.migration.up(k), m.name),
      down: inSchema((k) => m.migration.down?.(k) ?? Promise.resolve(), m.name),
    }),
  };
  try {
    await knex.raw(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
    const [, applied] = (await knex.migrate.latest({ migrationSource: source, schemaName: schema, tableName: 'plugin_migrations' })) as [number, string[]];
    return applied;
  } catch (error) {
    throw PluginMigrationFailed({ plugin_id: manifest.id, ...(current ? { migration: current } : {}) }, { cause: error });
  }
}

/** Uninstall with purge: the plugin's schema and everything in it (its migration history too). */
export async function dropPluginSchema(knex: Knex, pluginId: string): Promise<void> {
  await knex.raw(`DROP SCHEMA IF EXISTS "${pluginSchemaName(pluginId)}" CASCADE`);
}
