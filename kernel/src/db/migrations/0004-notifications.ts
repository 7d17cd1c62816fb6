import type { Knex } from 'knex';

/** Kernel notifications (D26): one per recipient, type and event id, however often replayed. */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('notifications', (t) => {
    t.uuid('id').primary();
    t.uuid('recipient_user_id').notNullable().references('users.id').onDelete('CASCADE');
    t.text('type').notNullable();
    t.bigInteger('event_id');
    t.uuid('project_id').references('projects.id').onDelete('CASCADE');
    t.text('actor_type');
    t.uuid('actor_id');
    t.jsonb('data').notNullable().defaultTo('{}');
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.timestamp('read_at', { useTz: true });
  });
  await knex.raw('CREATE UNIQUE INDEX notifications_once_per_event ON notifications (recipient_user_id, type, event_id) WHERE event_id IS NOT NULL');
  await knex.raw('CREATE INDEX notifications_inbox ON notifications (recipient_user_id, created_at DESC, id DESC)');
  await knex.raw('CREATE INDEX notifications_unread ON notifications (recipient_user_id) WHERE read_at IS NULL');
}
