import { randomUUID } from 'node:crypto';
import type { TestKernel } from '@paca/kernel/testing';

/*
 * Tasks written straight into the plugin's table, for the settings suites (types, statuses,
 * custom fields): they need tasks that use a status or type, not the task routes.
 */

export interface SettingsTaskRow {
  id: string;
  task_number: number;
  status_id: string;
  task_type_id: string;
  version: number;
  custom_fields: Record<string, unknown>;
  updated_at: Date;
  deleted_at: Date | null;
}

export async function insertTaskRow(t: TestKernel, projectId: string,
  fields: { statusId: string; typeId: string; customFields?: Record<string, unknown>; deleted?: boolean }): Promise<SettingsTaskRow> {
  const db = t.kernel.database.knex;
  const { last } = (await db('plugin_tasks.tasks').where({ project_id: projectId }).max({ last: 'task_number' }).first()) as { last: number | null };
  const now = t.clock.now();
  const [row] = (await db('plugin_tasks.tasks').insert({
    id: randomUUID(), project_id: projectId, task_number: (last ?? 0) + 1, title: 'Fixture task',
    status_id: fields.statusId, task_type_id: fields.typeId, custom_fields: JSON.stringify(fields.customFields ?? {}),
    created_at: now, updated_at: now, deleted_at: fields.deleted ? now : null,
  }).returning('*')) as SettingsTaskRow[];
  return row!;
}

export async function readTaskRow(t: TestKernel, id: string): Promise<SettingsTaskRow> {
  return (await t.kernel.database.knex('plugin_tasks.tasks').where({ id }).first()) as SettingsTaskRow;
}

/** The `task.updated` activities recorded for a task, oldest first. */
export async function taskActivities(t: TestKernel, taskId: string): Promise<Array<{ activity_type: string; actor_id: string | null; content: { changes: unknown[] } }>> {
  return t.kernel.database.knex('activities').where({ entity_type: 'task', entity_id: taskId }).orderBy('created_at');
}

/** Events of `type` in the project, oldest first. */
export async function eventsOf(t: TestKernel, projectId: string, type: string): Promise<Array<{ payload: Record<string, any>; actor_id: string | null }>> {
  return t.kernel.database.knex('events').where({ project_id: projectId, type }).orderBy('id');
}
