import type { PluginDb, PrincipalRef } from '@paca/plugin-sdk';
import { TaskVersionConflict } from '../errors.js';
import { TaskDeleted } from '../events.js';
import type { TasksContext } from '../plugin-context.js';
import { requireTask, type TaskRow } from '../task-lookup.js';
import { updateTask } from './task-write.js';

/**
 * Soft-deletes a task (reference 1.5: `deleted_at`; its number is never reused). Its board
 * positions go; assignees, links and attachments stay with the row for history. Children follow
 * the hierarchy rules: subtasks are part of their parent and are deleted with it, other children
 * (tasks under an epic) stay and lose their parent through a recorded change.
 */
export async function deleteTask(ctx: TasksContext, db: PluginDb, input: {
  projectId: string; taskId: string; actor: PrincipalRef | null; expectedVersion: number | null;
}): Promise<void> {
  const { projectId, taskId, actor } = input;
  const row = await requireTask(db, projectId, taskId, { forUpdate: true });
  if (input.expectedVersion !== null && input.expectedVersion !== row.version) throw TaskVersionConflict({ current_version: row.version });
  const children = (await db('tasks as t').join('task_types as y', 'y.id', 't.task_type_id')
    .where({ 't.project_id': projectId, 't.parent_task_id': taskId }).whereNull('t.deleted_at')
    .orderBy('t.task_number').select('t.id', 'y.system_kind')) as Array<{ id: string; system_kind: string | null }>;
  for (const child of children) {
    if (child.system_kind === 'subtask') await softDelete(ctx, db, await requireTask(db, projectId, child.id, { forUpdate: true }), actor);
    else await updateTask(ctx, db, { projectId, taskId: child.id, patch: { parent_task_id: null }, actor });
  }
  await softDelete(ctx, db, row, actor);
}

async function softDelete(ctx: TasksContext, db: PluginDb, row: TaskRow, actor: PrincipalRef | null): Promise<void> {
  const now = ctx.clock.now();
  await db('tasks').where({ id: row.id }).update({ deleted_at: now, updated_at: now, version: row.version + 1 });
  await db('task_positions').where({ task_id: row.id }).delete();
  await ctx.activity.record(db, {
    projectId: row.project_id, entityType: 'task', entityId: row.id, actor, type: 'task.deleted',
    content: { title: row.title, task_number: row.task_number },
  });
  await ctx.events.emit(db, TaskDeleted, { projectId: row.project_id, actor, payload: { task_id: row.id, task_number: row.task_number } });
}
