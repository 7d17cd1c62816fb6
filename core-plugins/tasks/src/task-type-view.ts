import type { PluginDb } from '@paca/plugin-sdk';
import { TaskTypeNotFound } from './errors.js';
import { timestamp } from './project-settings-rows.js';
import { isUuid } from './task-lookup.js';

export interface TaskTypeRow {
  id: string;
  project_id: string;
  name: string;
  icon: string | null;
  color: string | null;
  description: string | null;
  is_default: boolean;
  is_system: boolean;
  system_kind: 'epic' | 'subtask' | null;
  position: number;
  version: number;
  created_at: Date | string;
  updated_at: Date | string;
}

/** A task type as every surface returns it (reference 1.4). */
export const taskTypeView = (row: TaskTypeRow) => ({
  id: row.id,
  project_id: row.project_id,
  name: row.name,
  icon: row.icon,
  color: row.color,
  description: row.description,
  is_default: row.is_default,
  is_system: row.is_system,
  system_kind: row.system_kind,
  position: row.position,
  version: row.version,
  created_at: timestamp(row.created_at),
  updated_at: timestamp(row.updated_at),
});

/** A type of the project, or 404 `TASK_TYPE_NOT_FOUND` — also for another project's type, so ids never leak. */
export async function requireTaskType(db: PluginDb, projectId: string, typeId: string): Promise<TaskTypeRow> {
  const row = isUuid(typeId) ? (await db('task_types').where({ id: typeId, project_id: projectId }).first()) as TaskTypeRow | undefined : undefined;
  if (!row) throw TaskTypeNotFound({});
  return row;
}
