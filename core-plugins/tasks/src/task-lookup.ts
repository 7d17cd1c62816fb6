import type { PluginDb } from '@paca/plugin-sdk';
import { TaskNotFound } from './errors.js';

export interface TaskRow {
  id: string;
  project_id: string;
  task_number: number;
  task_type_id: string;
  status_id: string;
  sprint_id: string | null;
  parent_task_id: string | null;
  title: string;
  description: string | null;
  importance: number;
  story_points: number | null;
  reporter_id: string | null;
  custom_fields: Record<string, unknown>;
  start_date: string | Date | null;
  due_date: string | Date | null;
  tags: string[];
  assignment_mode: 'manual' | 'auto';
  version: number;
  created_by_type: 'user' | 'agent' | null;
  created_by_id: string | null;
  created_at: Date;
  updated_at: Date;
  deleted_at: Date | null;
}

/**
 * A live task of the project, or 404 `TASK_NOT_FOUND` — also for a task of another project, so
 * ids never leak across projects. `forUpdate` locks the row for the rest of the transaction.
 */
export async function requireTask(db: PluginDb, projectId: string, taskId: string, options: { forUpdate?: boolean } = {}): Promise<TaskRow> {
  const query = db('tasks').where({ id: taskId, project_id: projectId }).whereNull('deleted_at').first();
  if (options.forUpdate) query.forUpdate();
  const row = (await query) as TaskRow | undefined;
  if (!row) throw TaskNotFound({});
  return row;
}
