import type { Knex } from 'knex';

/** Agent principals (D14): global (project_id null) or owned by one project, and their API keys. */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('agents', (t) => {
    t.uuid('id').primary();
    t.uuid('project_id').references('projects.id').onDelete('CASCADE');
    t.text('handle').notNullable();
    t.text('name').notNullable();
    t.text('description').notNullable().defaultTo('');
    t.text('avatar_url');
    t.integer('version').notNullable().defaultTo(1);
    // A user or an agent: no foreign key, like role_attachments.created_by.
    t.uuid('created_by');
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.timestamp('updated_at', { useTz: true }).notNullable();
    t.timestamp('deleted_at', { useTz: true });
  });
  // Handles are unique across users and agents (D14); this index covers agents, the handle lock the rest.
  await knex.raw('CREATE UNIQUE INDEX agents_handle_live ON agents (handle) WHERE deleted_at IS NULL');
  await knex.raw('CREATE INDEX agents_project_list ON agents (project_id, created_at, id) WHERE deleted_at IS NULL');

  await knex.schema.createTable('agent_api_keys', (t) => {
    t.uuid('id').primary();
    t.uuid('agent_id').notNullable().references('agents.id').onDelete('CASCADE');
    t.text('name').notNullable();
    t.text('key_prefix').notNullable();
    t.text('key_hash').notNullable().unique();
    t.uuid('created_by');
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.timestamp('last_used_at', { useTz: true });
    t.timestamp('expires_at', { useTz: true });
    t.timestamp('revoked_at', { useTz: true });
    t.index(['agent_id', 'created_at']);
  });

  await knex.raw('ALTER TABLE project_members ADD CONSTRAINT project_members_agent_fk FOREIGN KEY (agent_id) REFERENCES agents (id) ON DELETE CASCADE');
  await knex.raw('CREATE UNIQUE INDEX project_members_agent_live ON project_members (project_id, agent_id) WHERE deleted_at IS NULL AND agent_id IS NOT NULL');
}
