import type { Knex } from 'knex';

/**
 * Plugins write to the project activity feed (task field changes, comments). `plugin_id` records
 * which plugin wrote an entry (null = the kernel) so a plugin may edit or soft-delete only its
 * own entries; `updated_at` marks edited comments.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('activities', (t) => {
    t.text('plugin_id');
    t.timestamp('updated_at', { useTz: true });
  });
}
