import type { Knex } from 'knex';

/** The outbox (D24): the only durable event log, per-scope sequences and consumer cursors. */
export async function up(knex: Knex): Promise<void> {
  // One row per scope: a project id, or 'workspace' for events without a project.
  await knex.schema.createTable('event_counters', (t) => {
    t.text('scope').primary();
    t.bigInteger('seq').notNullable();
  });
  await knex.schema.createTable('events', (t) => {
    t.bigIncrements('id').primary();
    t.uuid('project_id');
    t.text('scope').notNullable();
    t.bigInteger('project_seq').notNullable();
    t.text('type').notNullable();
    t.jsonb('payload').notNullable();
    t.text('actor_type');
    t.uuid('actor_id');
    t.text('origin').notNullable();
    t.timestamp('occurred_at', { useTz: true }).notNullable();
    t.timestamp('published_at', { useTz: true });
    t.unique(['scope', 'project_seq']);
  });
  await knex.raw('CREATE INDEX events_unpublished ON events (id) WHERE published_at IS NULL');
  await knex.raw('CREATE INDEX events_occurred ON events (occurred_at)');
  await knex.schema.createTable('event_consumer_cursors', (t) => {
    t.text('consumer').notNullable();
    t.text('scope').notNullable();
    t.bigInteger('last_seq').notNullable();
    t.primary(['consumer', 'scope']);
  });
}
