import { randomUUID } from 'node:crypto';
import type { PluginDb, ProjectRef } from '@paca/plugin-sdk';
import type { StatusCategory } from './contract.js';

/** The board a new project starts with: one status per category, in workflow order. */
export const DEFAULT_STATUSES: ReadonlyArray<{ name: string; category: StatusCategory; color: string; is_default?: boolean }> = [
  { name: 'Backlog', category: 'backlog', color: '#94a3b8', is_default: true },
  { name: 'Refinement', category: 'refinement', color: '#a78bfa' },
  { name: 'Ready', category: 'ready', color: '#38bdf8' },
  { name: 'To Do', category: 'todo', color: '#64748b' },
  { name: 'In Progress', category: 'inprogress', color: '#f59e0b' },
  { name: 'Done', category: 'done', color: '#22c55e' },
];

/** "Task" (the default) plus the read-only system types Epic and Subtask (reference 1.4). */
export const DEFAULT_TYPES: ReadonlyArray<{ name: string; icon: string; color: string; is_default?: boolean; system_kind?: 'epic' | 'subtask' }> = [
  { name: 'Task', icon: 'square-check', color: '#3b82f6', is_default: true },
  { name: 'Epic', icon: 'zap', color: '#8b5cf6', system_kind: 'epic' },
  { name: 'Subtask', icon: 'list-tree', color: '#64748b', system_kind: 'subtask' },
];

/**
 * D20: statuses, types and the task counter exist before `POST /projects` answers (and, for a
 * project that predates the plugin, when the plugin first reaches it). Idempotent.
 */
export function seedProject(clock: { now(): Date }) {
  return async (db: PluginDb, project: ProjectRef): Promise<void> => {
    const now = clock.now();
    const existing = await db('task_statuses').where({ project_id: project.id }).first('id');
    if (!existing) {
      await db('task_statuses').insert(DEFAULT_STATUSES.map((s, position) => ({
        id: randomUUID(), project_id: project.id, name: s.name, color: s.color, category: s.category,
        position, is_default: s.is_default ?? false, created_at: now, updated_at: now,
      })));
    }
    const existingType = await db('task_types').where({ project_id: project.id }).first('id');
    if (!existingType) {
      await db('task_types').insert(DEFAULT_TYPES.map((t, position) => ({
        id: randomUUID(), project_id: project.id, name: t.name, icon: t.icon, color: t.color,
        is_default: t.is_default ?? false, is_system: t.system_kind !== undefined, system_kind: t.system_kind ?? null,
        position, created_at: now, updated_at: now,
      })));
    }
    await db.raw(`INSERT INTO ${db.table('task_counters')} (project_id, last_value) VALUES (?, 0) ON CONFLICT (project_id) DO NOTHING`, [project.id]);
  };
}
