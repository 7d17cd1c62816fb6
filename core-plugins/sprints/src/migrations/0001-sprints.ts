import type { PluginMigration } from '@paca/plugin-sdk';

/**
 * The sprints schema (reference 1.6), in `plugin_sprints`. No foreign keys to other schemas: tasks
 * point at sprints through their `sprint_id`, which sprints validates for tasks (D20). The
 * committed and completed figures are frozen at start and completion (D29: velocity never
 * changes after `sprint.completed`). Timestamps come from the kernel clock (D11).
 */
export const createSprintsSchema: PluginMigration = {
  async up(knex) {
    // One row per project; `UPDATE … RETURNING` numbers quick-created sprints ("Sprint N") without reuse.
    await knex.schema.createTable('sprint_counters', (t) => {
      t.uuid('project_id').primary();
      t.integer('last_value').notNullable().defaultTo(0);
    });

    await knex.schema.createTable('sprints', (t) => {
      t.uuid('id').primary();
      t.uuid('project_id').notNullable();
      t.integer('sprint_number').notNullable();
      t.text('name').notNullable();
      t.text('goal');
      t.date('start_date');
      t.date('end_date');
      t.text('status').notNullable().defaultTo('planned');
      t.timestamp('started_at', { useTz: true });
      t.timestamp('completed_at', { useTz: true });
      t.double('committed_points');
      t.integer('committed_task_count');
      t.double('completed_points');
      t.integer('completed_task_count');
      /** Unfinished tasks moved out at completion, and where to (null = the backlog). */
      t.integer('moved_task_count');
      t.uuid('moved_to_sprint_id');
      t.integer('version').notNullable().defaultTo(1);
      t.text('created_by_type');
      t.uuid('created_by_id');
      t.timestamp('created_at', { useTz: true }).notNullable();
      t.timestamp('updated_at', { useTz: true }).notNullable();
      t.unique(['project_id', 'sprint_number']);
      t.index(['project_id', 'status']);
      t.check("status IN ('planned', 'active', 'completed')");
    });
  },
  async down(knex) {
    await knex.schema.dropTableIfExists('sprints');
    await knex.schema.dropTableIfExists('sprint_counters');
  },
};
