import type { Knex } from 'knex';

/** Users, sessions, API keys, roles and their attachments, projects, members, activity log. */
export async function up(knex: Knex): Promise<void> {
  await knex.raw('CREATE EXTENSION IF NOT EXISTS pg_trgm');

  await knex.schema.createTable('users', (t) => {
    t.uuid('id').primary();
    t.text('username').notNullable();
    t.text('password_hash').notNullable();
    t.text('full_name').notNullable().defaultTo('');
    t.text('email');
    t.boolean('must_change_password').notNullable().defaultTo(false);
    t.boolean('is_service').notNullable().defaultTo(false);
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.timestamp('updated_at', { useTz: true }).notNullable();
    t.timestamp('deleted_at', { useTz: true });
  });
  await knex.raw('CREATE UNIQUE INDEX users_username_live ON users (username) WHERE deleted_at IS NULL');
  await knex.raw('CREATE INDEX users_search_trgm ON users USING gin ((username || \' \' || full_name || \' \' || coalesce(email, \'\')) gin_trgm_ops)');

  await knex.schema.createTable('refresh_token_families', (t) => {
    t.uuid('id').primary();
    t.uuid('user_id').notNullable().references('users.id').onDelete('CASCADE');
    t.boolean('remember_me').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.timestamp('expires_at', { useTz: true }).notNullable();
    t.timestamp('revoked_at', { useTz: true });
    t.text('revoked_reason');
    t.index(['user_id']);
  });
  await knex.schema.createTable('refresh_tokens', (t) => {
    t.uuid('id').primary();
    t.uuid('family_id').notNullable().references('refresh_token_families.id').onDelete('CASCADE');
    t.text('token_hash').notNullable().unique();
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.timestamp('used_at', { useTz: true });
  });

  await knex.schema.createTable('api_keys', (t) => {
    t.uuid('id').primary();
    t.uuid('user_id').notNullable().references('users.id').onDelete('CASCADE');
    t.text('name').notNullable();
    t.text('key_prefix').notNullable();
    t.text('key_hash').notNullable().unique();
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.timestamp('last_used_at', { useTz: true });
    t.timestamp('expires_at', { useTz: true });
    t.timestamp('revoked_at', { useTz: true });
    t.index(['user_id', 'created_at']);
  });

  await knex.schema.createTable('projects', (t) => {
    t.uuid('id').primary();
    t.text('name').notNullable();
    t.text('description').notNullable().defaultTo('');
    t.text('task_id_prefix').notNullable();
    t.jsonb('settings').notNullable().defaultTo('{}');
    t.boolean('is_public').notNullable().defaultTo(false);
    t.integer('version').notNullable().defaultTo(1);
    t.uuid('created_by').references('users.id').onDelete('SET NULL');
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.timestamp('updated_at', { useTz: true }).notNullable();
    t.timestamp('deleted_at', { useTz: true });
  });
  await knex.raw('CREATE UNIQUE INDEX projects_name_live ON projects (lower(name)) WHERE deleted_at IS NULL');
  await knex.raw('CREATE UNIQUE INDEX projects_prefix_live ON projects (task_id_prefix) WHERE deleted_at IS NULL');
  await knex.raw('CREATE INDEX projects_created ON projects (created_at, id) WHERE deleted_at IS NULL');

  await knex.schema.createTable('roles', (t) => {
    t.uuid('id').primary();
    t.text('name').notNullable();
    t.text('description').notNullable().defaultTo('');
    t.jsonb('policy').notNullable();
    t.uuid('project_id').references('projects.id').onDelete('CASCADE');
    t.boolean('is_system').notNullable().defaultTo(false);
    t.boolean('is_default').notNullable().defaultTo(false);
    // Which built-in this row instantiates (SUPER_ADMIN, Admin…); lets seeding find it after a rename.
    t.text('builtin_key');
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.timestamp('updated_at', { useTz: true }).notNullable();
  });
  await knex.raw('CREATE UNIQUE INDEX roles_platform_name ON roles (lower(name)) WHERE project_id IS NULL');
  await knex.raw('CREATE UNIQUE INDEX roles_project_name ON roles (project_id, lower(name)) WHERE project_id IS NOT NULL');
  await knex.raw('CREATE UNIQUE INDEX roles_one_default ON roles (is_default) WHERE is_default AND project_id IS NULL');
  await knex.raw('CREATE UNIQUE INDEX roles_platform_builtin ON roles (builtin_key) WHERE builtin_key IS NOT NULL AND project_id IS NULL');
  await knex.raw('CREATE UNIQUE INDEX roles_project_builtin ON roles (project_id, builtin_key) WHERE builtin_key IS NOT NULL AND project_id IS NOT NULL');

  await knex.schema.createTable('role_attachments', (t) => {
    t.uuid('id').primary();
    t.uuid('role_id').notNullable().references('roles.id').onDelete('CASCADE');
    t.text('principal_type').notNullable();
    t.uuid('principal_id').notNullable();
    t.uuid('project_id').references('projects.id').onDelete('CASCADE');
    t.uuid('created_by');
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.check("principal_type IN ('user', 'agent')");
  });
  await knex.raw('CREATE UNIQUE INDEX role_attachments_platform ON role_attachments (role_id, principal_type, principal_id) WHERE project_id IS NULL');
  await knex.raw('CREATE UNIQUE INDEX role_attachments_project ON role_attachments (role_id, principal_type, principal_id, project_id) WHERE project_id IS NOT NULL');
  await knex.raw('CREATE INDEX role_attachments_principal ON role_attachments (principal_type, principal_id)');

  await knex.schema.createTable('project_members', (t) => {
    t.uuid('id').primary();
    t.uuid('project_id').notNullable().references('projects.id').onDelete('CASCADE');
    t.text('member_type').notNullable();
    t.uuid('user_id').references('users.id').onDelete('CASCADE');
    t.uuid('agent_id');
    t.text('description').notNullable().defaultTo('');
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.timestamp('updated_at', { useTz: true }).notNullable();
    t.timestamp('deleted_at', { useTz: true });
    t.check("member_type IN ('human', 'agent')");
  });
  await knex.raw('CREATE UNIQUE INDEX project_members_user_live ON project_members (project_id, user_id) WHERE deleted_at IS NULL AND user_id IS NOT NULL');
  await knex.raw('CREATE INDEX project_members_list ON project_members (project_id, created_at, id) WHERE deleted_at IS NULL');

  await knex.schema.createTable('activities', (t) => {
    t.uuid('id').primary();
    t.uuid('project_id').notNullable().references('projects.id').onDelete('CASCADE');
    t.text('entity_type').notNullable();
    t.uuid('entity_id');
    t.text('actor_type');
    t.uuid('actor_id');
    t.text('origin').notNullable();
    t.text('activity_type').notNullable();
    t.jsonb('content').notNullable().defaultTo('{}');
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.timestamp('deleted_at', { useTz: true });
  });
  await knex.raw('CREATE INDEX activities_feed ON activities (project_id, created_at DESC, id DESC)');
  await knex.raw('CREATE INDEX activities_entity ON activities (project_id, entity_type, entity_id, created_at DESC)');
}
