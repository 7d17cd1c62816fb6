import type { Knex } from 'knex';

/**
 * Installed plugins and their per-project switches (D21). A plugin's own tables live in its
 * schema `plugin_<id>` with its own migration history, created when it first loads (D17).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('plugins', (t) => {
    t.text('id').primary();
    t.text('version').notNullable();
    t.jsonb('manifest').notNullable();
    /** `core` (core-plugins/) or `installed` (DATA_DIR/plugins). */
    t.text('origin').notNullable();
    t.boolean('enabled').notNullable().defaultTo(true);
    t.timestamp('installed_at', { useTz: true }).notNullable();
    t.timestamp('updated_at', { useTz: true }).notNullable();
    t.check("origin IN ('core', 'installed')");
  });
  await knex.schema.createTable('project_plugins', (t) => {
    t.uuid('project_id').notNullable().references('projects.id').onDelete('CASCADE');
    t.text('plugin_id').notNullable();
    /** Optional plugins start enabled: no row means enabled. */
    t.boolean('enabled').notNullable().defaultTo(true);
    /** When the plugin's onProjectCreated/onProjectEnabled hook ran here; it runs once per project (D20). */
    t.timestamp('provisioned_at', { useTz: true });
    t.timestamp('updated_at', { useTz: true }).notNullable();
    t.primary(['project_id', 'plugin_id']);
  });
  await knex.raw('CREATE INDEX project_plugins_disabled ON project_plugins (project_id) WHERE NOT enabled');
  await knex.raw('CREATE INDEX project_plugins_plugin ON project_plugins (plugin_id)');
  /** Values of the secrets a manifest declares (`secrets`), sealed with ENCRYPTION_KEY (D9). */
  await knex.schema.createTable('plugin_secrets', (t) => {
    t.text('plugin_id').notNullable();
    t.text('key').notNullable();
    t.text('ciphertext').notNullable();
    t.uuid('updated_by');
    t.timestamp('updated_at', { useTz: true }).notNullable();
    t.primary(['plugin_id', 'key']);
  });
}
