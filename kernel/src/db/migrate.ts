import type { Knex } from 'knex';
import * as identityIamProjects from './migrations/0001-identity-iam-projects.js';
import * as events from './migrations/0002-events.js';
import * as agents from './migrations/0003-agents.js';
import * as notifications from './migrations/0004-notifications.js';
import * as plugins from './migrations/0005-plugins.js';
import * as pluginActivity from './migrations/0006-plugin-activity.js';

interface KernelMigration {
  name: string;
  up(knex: Knex): Promise<void>;
}

/** Kernel migrations in order. Append only: an applied migration is never edited. */
const KERNEL_MIGRATIONS: KernelMigration[] = [
  { name: '0001-identity-iam-projects', up: identityIamProjects.up },
  { name: '0002-events', up: events.up },
  { name: '0003-agents', up: agents.up },
  { name: '0004-notifications', up: notifications.up },
  { name: '0005-plugins', up: plugins.up },
  { name: '0006-plugin-activity', up: pluginActivity.up },
];

/** Names of the kernel migrations, in order. */
export const KERNEL_MIGRATION_NAMES: readonly string[] = KERNEL_MIGRATIONS.map((m) => m.name);

const source: Knex.MigrationSource<KernelMigration> = {
  getMigrations: async () => KERNEL_MIGRATIONS,
  getMigrationName: (migration) => migration.name,
  getMigration: async (migration) => ({ up: migration.up, down: async () => undefined }),
};

/**
 * Applies pending kernel migrations. knex records each in `kernel_migrations` and holds its lock
 * table while running, so replicas booting together apply every migration exactly once.
 */
export async function migrateKernel(knex: Knex): Promise<string[]> {
  const [, applied] = (await knex.migrate.latest({
    migrationSource: source,
    tableName: 'kernel_migrations',
  })) as [number, string[]];
  return applied;
}
