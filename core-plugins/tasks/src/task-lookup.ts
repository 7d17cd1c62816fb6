import { isUuid, type PluginDb } from '@paca/plugin-sdk';
import { TaskNotFound } from './errors.js';

/** Re-exported for this plugin's modules: one uuid check for the kernel's plugins (the SDK's). */
export { isUuid };

// A type alias, not an interface: rows must fit `Record<string, unknown>` (cursorPage).
export type TaskRow = {
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
  /** `YYYY-MM-DD`. */
  start_date: string | null;
  due_date: string | null;
  tags: string[];
  assignment_mode: 'manual' | 'auto';
  version: number;
  created_by_type: 'user' | 'agent' | null;
  created_by_id: string | null;
  created_at: Date;
  updated_at: Date;
  deleted_at: Date | null;
};

const COLUMNS = ['id', 'project_id', 'task_number', 'task_type_id', 'status_id', 'sprint_id', 'parent_task_id', 'title', 'description',
  'importance', 'story_points', 'reporter_id', 'custom_fields', 'tags', 'assignment_mode', 'version', 'created_by_type', 'created_by_id',
  'created_at', 'updated_at', 'deleted_at'] as const;

/**
 * The columns of a {@link TaskRow}, optionally of a table alias. Dates are read as text: drivers
 * turn a SQL `date` into a timestamp at some time zone's midnight, and PGlite and pg pick different ones.
 */
export function taskColumns(db: PluginDb, alias?: string): Array<string | ReturnType<PluginDb['raw']>> {
  const column = (name: string) => (alias ? `${alias}.${name}` : name);
  return [
    ...COLUMNS.map(column),
    db.raw('??::text as start_date', [column('start_date')]),
    db.raw('??::text as due_date', [column('due_date')]),
  ];
}

/**
 * A live task of the project, or 404 `TASK_NOT_FOUND` — also for a task of another project, so
 * ids never leak across projects. `forUpdate` locks the row for the rest of the transaction.
 */
export async function requireTask(db: PluginDb, projectId: string, taskId: string, options: { forUpdate?: boolean } = {}): Promise<TaskRow> {
  // Path ids are any text (MCP also passes `PREFIX-N` before the kernel resolves it): not a UUID, not a task.
  if (!isUuid(taskId)) throw TaskNotFound({});
  const query = db('tasks').where({ id: taskId, project_id: projectId }).whereNull('deleted_at').first(taskColumns(db));
  if (options.forUpdate) query.forUpdate();
  const row = (await query) as TaskRow | undefined;
  if (!row) throw TaskNotFound({});
  return row;
}
