import type { PluginDb } from '@paca/plugin-sdk';
import type { TaskStatus } from './contract.js';
import { TaskStatusNotFound } from './errors.js';
import { timestamp } from './project-settings-rows.js';

export interface TaskStatusRow extends TaskStatus {
  created_at: Date | string;
  updated_at: Date | string;
}

/** A status as every surface returns it (reference 1.4; the contract's TaskStatus plus timestamps). */
export const taskStatusView = (row: TaskStatusRow) => ({
  id: row.id,
  project_id: row.project_id,
  name: row.name,
  color: row.color,
  category: row.category,
  position: row.position,
  is_default: row.is_default,
  version: row.version,
  created_at: timestamp(row.created_at),
  updated_at: timestamp(row.updated_at),
});

/** The project's statuses in board order: position, then name. */
export async function boardOrder(db: PluginDb, projectId: string): Promise<TaskStatusRow[]> {
  return (await db('task_statuses').where({ project_id: projectId })
    .orderBy([{ column: 'position' }, { column: 'name' }, { column: 'id' }])) as TaskStatusRow[];
}

/** A status of the project, or 404 `TASK_STATUS_NOT_FOUND` — also for another project's status, so ids never leak. */
export function findStatus(statuses: readonly TaskStatusRow[], statusId: string): TaskStatusRow {
  const row = statuses.find((s) => s.id === statusId);
  if (!row) throw TaskStatusNotFound({});
  return row;
}
