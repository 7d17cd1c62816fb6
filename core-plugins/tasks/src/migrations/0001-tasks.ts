import type { PluginMigration } from '@paca/plugin-sdk';
import type { Knex } from 'knex';

/**
 * The tasks schema (reference 1.4–1.6), in `plugin_tasks`. Every row carries `project_id`; there
 * are no foreign keys to kernel tables (a plugin owns only its schema). Board positions are
 * fractional-index strings compared byte-wise (`COLLATE "C"`, D18). Timestamps come from the
 * kernel clock, never a database default (D11).
 */
export const createTasksSchema: PluginMigration = {
  async up(knex) {
    const timestamps = (t: Knex.CreateTableBuilder) => {
      t.timestamp('created_at', { useTz: true }).notNullable();
      t.timestamp('updated_at', { useTz: true }).notNullable();
    };

    await knex.schema.createTable('task_types', (t) => {
      t.uuid('id').primary();
      t.uuid('project_id').notNullable();
      t.text('name').notNullable();
      t.text('icon');
      t.text('color');
      t.text('description');
      t.boolean('is_default').notNullable().defaultTo(false);
      t.boolean('is_system').notNullable().defaultTo(false);
      /** `epic` | `subtask` for the two system types, null otherwise. */
      t.text('system_kind');
      t.integer('position').notNullable();
      t.integer('version').notNullable().defaultTo(1);
      timestamps(t);
    });
    await knex.raw('CREATE UNIQUE INDEX task_types_name ON task_types (project_id, lower(name))');
    await knex.raw('CREATE UNIQUE INDEX task_types_default ON task_types (project_id) WHERE is_default');

    await knex.schema.createTable('task_statuses', (t) => {
      t.uuid('id').primary();
      t.uuid('project_id').notNullable();
      t.text('name').notNullable();
      t.text('color');
      t.text('category').notNullable();
      t.integer('position').notNullable();
      t.boolean('is_default').notNullable().defaultTo(false);
      t.integer('version').notNullable().defaultTo(1);
      timestamps(t);
      t.check("category IN ('backlog', 'refinement', 'ready', 'todo', 'inprogress', 'done')");
    });
    await knex.raw('CREATE UNIQUE INDEX task_statuses_name ON task_statuses (project_id, lower(name))');
    await knex.raw('CREATE UNIQUE INDEX task_statuses_default ON task_statuses (project_id) WHERE is_default');

    await knex.schema.createTable('custom_fields', (t) => {
      t.uuid('id').primary();
      t.uuid('project_id').notNullable();
      t.text('field_key').notNullable();
      t.text('display_name').notNullable();
      t.text('field_type').notNullable();
      t.jsonb('options').notNullable().defaultTo('[]');
      t.boolean('is_required').notNullable().defaultTo(false);
      t.integer('position').notNullable();
      t.integer('version').notNullable().defaultTo(1);
      timestamps(t);
      t.unique(['project_id', 'field_key']);
      t.check("field_type IN ('text', 'number', 'date', 'select', 'multi_select', 'boolean', 'url')");
    });

    // One row per project; `UPDATE … SET last_value = last_value + 1 RETURNING` hands out numbers that are never reused.
    await knex.schema.createTable('task_counters', (t) => {
      t.uuid('project_id').primary();
      t.integer('last_value').notNullable().defaultTo(0);
    });

    await knex.schema.createTable('tasks', (t) => {
      t.uuid('id').primary();
      t.uuid('project_id').notNullable();
      t.integer('task_number').notNullable();
      t.uuid('task_type_id').notNullable();
      t.uuid('status_id').notNullable();
      t.uuid('sprint_id');
      t.uuid('parent_task_id');
      t.text('title').notNullable();
      /** Markdown (D1); null = empty. */
      t.text('description');
      t.integer('importance').notNullable().defaultTo(0);
      t.double('story_points');
      t.uuid('reporter_id');
      t.jsonb('custom_fields').notNullable().defaultTo('{}');
      t.date('start_date');
      t.date('due_date');
      t.jsonb('tags').notNullable().defaultTo('[]');
      t.text('assignment_mode').notNullable().defaultTo('manual');
      t.integer('version').notNullable().defaultTo(1);
      t.text('created_by_type');
      t.uuid('created_by_id');
      timestamps(t);
      t.timestamp('deleted_at', { useTz: true });
      t.unique(['project_id', 'task_number']);
      t.check("assignment_mode IN ('manual', 'auto')");
    });
    // Lists filter live tasks of one project and page by number; the partial indexes keep deleted rows out.
    await knex.raw('CREATE INDEX tasks_live ON tasks (project_id, task_number) WHERE deleted_at IS NULL');
    await knex.raw('CREATE INDEX tasks_status ON tasks (project_id, status_id, task_number) WHERE deleted_at IS NULL');
    await knex.raw('CREATE INDEX tasks_sprint ON tasks (project_id, sprint_id, task_number) WHERE deleted_at IS NULL');
    await knex.raw('CREATE INDEX tasks_type ON tasks (project_id, task_type_id, task_number) WHERE deleted_at IS NULL');
    await knex.raw('CREATE INDEX tasks_parent ON tasks (parent_task_id) WHERE deleted_at IS NULL');
    // Text search: case-insensitive substring (D30's approach) over title and description, pg_trgm on both backends.
    await knex.raw('CREATE INDEX tasks_title_trgm ON tasks USING gin (title gin_trgm_ops)');
    await knex.raw('CREATE INDEX tasks_description_trgm ON tasks USING gin (description gin_trgm_ops)');

    await knex.schema.createTable('task_assignees', (t) => {
      t.uuid('task_id').notNullable();
      t.uuid('member_id').notNullable();
      t.uuid('project_id').notNullable();
      t.timestamp('assigned_at', { useTz: true }).notNullable();
      t.primary(['task_id', 'member_id']);
      t.index(['member_id', 'task_id']);
    });

    await knex.schema.createTable('task_links', (t) => {
      t.uuid('id').primary();
      t.uuid('project_id').notNullable();
      t.uuid('source_task_id').notNullable();
      t.uuid('target_task_id').notNullable();
      t.text('link_type').notNullable();
      t.text('created_by_type');
      t.uuid('created_by_id');
      t.timestamp('created_at', { useTz: true }).notNullable();
      t.unique(['source_task_id', 'target_task_id', 'link_type']);
      t.index(['target_task_id']);
      t.check("link_type IN ('blocks', 'relates_to', 'duplicates')");
      t.check('source_task_id <> target_task_id');
    });

    await knex.schema.createTable('attachments', (t) => {
      t.uuid('id').primary();
      t.uuid('project_id').notNullable();
      t.uuid('task_id').notNullable();
      t.text('storage_key').notNullable().unique();
      t.text('file_name').notNullable();
      t.text('content_type').notNullable();
      t.bigInteger('file_size').notNullable();
      t.text('upload_status').notNullable();
      t.text('uploaded_by_type');
      t.uuid('uploaded_by_id');
      t.timestamp('created_at', { useTz: true }).notNullable();
      t.timestamp('completed_at', { useTz: true });
      t.index(['task_id', 'created_at']);
      t.check("upload_status IN ('pending', 'uploaded', 'failed')");
    });

    await knex.schema.createTable('views', (t) => {
      t.uuid('id').primary();
      t.uuid('project_id').notNullable();
      /** Only for the `sprint` context. */
      t.uuid('sprint_id');
      t.text('name').notNullable();
      t.text('view_type').notNullable();
      t.text('view_context').notNullable();
      t.integer('position').notNullable();
      t.jsonb('config').notNullable().defaultTo('{}');
      t.text('plugin_id');
      t.text('plugin_component');
      t.integer('version').notNullable().defaultTo(1);
      t.text('created_by_type');
      t.uuid('created_by_id');
      timestamps(t);
      t.index(['project_id', 'view_context', 'sprint_id', 'position']);
      t.check("view_type IN ('table', 'board', 'roadmap', 'plugin')");
      t.check("view_context IN ('sprint', 'backlog', 'timeline')");
    });

    await knex.schema.createTable('user_view_configs', (t) => {
      t.uuid('view_id').notNullable();
      t.text('principal_type').notNullable();
      t.uuid('principal_id').notNullable();
      t.jsonb('config').notNullable();
      t.timestamp('updated_at', { useTz: true }).notNullable();
      t.primary(['view_id', 'principal_type', 'principal_id']);
    });

    await knex.schema.createTable('task_positions', (t) => {
      t.uuid('view_id').notNullable();
      t.uuid('task_id').notNullable();
      t.uuid('project_id').notNullable();
      t.text('group_key').notNullable();
      t.timestamp('updated_at', { useTz: true }).notNullable();
      t.primary(['view_id', 'task_id']);
    });
    await knex.raw('ALTER TABLE task_positions ADD COLUMN position text COLLATE "C" NOT NULL');
    // Two cards never share a slot in a column (D18); moves lock the view row so this never fires in practice.
    await knex.raw('CREATE UNIQUE INDEX task_positions_slot ON task_positions (view_id, group_key, position)');
    await knex.raw('CREATE INDEX task_positions_task ON task_positions (task_id)');
  },
  async down(knex) {
    for (const table of ['task_positions', 'user_view_configs', 'views', 'attachments', 'task_links', 'task_assignees', 'tasks', 'task_counters', 'custom_fields', 'task_statuses', 'task_types']) {
      await knex.schema.dropTableIfExists(table);
    }
  },
};
