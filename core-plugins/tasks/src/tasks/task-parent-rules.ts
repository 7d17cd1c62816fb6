import type { PluginDb } from '@paca/plugin-sdk';
import { TaskParentInvalid } from '../errors.js';
import { isUuid } from '../task-lookup.js';

export type SystemKind = 'epic' | 'subtask' | null;

/** Deeper than any real hierarchy; only a guard should a cycle ever reach the table. */
const MAX_DEPTH = 1000;

/**
 * Reference 1.5's hierarchy: an Epic has no parent; a Subtask has one, and nothing nests under a
 * Subtask; the parent is a live task of the same project, and the chain of parents never comes
 * back to the task itself. `taskId` is null while creating. Throws 422 `TASK_PARENT_INVALID`.
 */
export async function checkParent(db: PluginDb, input: {
  projectId: string; taskId: string | null; kind: SystemKind; parentId: string | null; kindChanged: boolean;
}): Promise<void> {
  const { projectId, taskId, kind, parentId } = input;
  const fail = (reason: string) => TaskParentInvalid({ reason });
  if (kind === 'epic' && parentId !== null) throw fail('an epic cannot have a parent');
  if (kind === 'subtask' && parentId === null) throw fail('a subtask needs a parent');
  if (kind === 'subtask' && taskId !== null && input.kindChanged) {
    const child = await db('tasks').where({ project_id: projectId, parent_task_id: taskId }).whereNull('deleted_at').first('id');
    if (child) throw fail('a subtask cannot have subtasks, and this task has some');
  }
  if (parentId === null) return;
  if (parentId === taskId) throw fail('a task cannot be its own parent');
  const parent = isUuid(parentId)
    ? (await db('tasks as t').join('task_types as y', 'y.id', 't.task_type_id')
      .where({ 't.id': parentId, 't.project_id': projectId }).whereNull('t.deleted_at').first('y.system_kind')) as { system_kind: SystemKind } | undefined
    : undefined;
  if (!parent) throw fail('the parent is not a task of this project');
  if (parent.system_kind === 'subtask') throw fail('a subtask cannot have subtasks');
  if (taskId !== null) {
    // Two moves checked at once (A under B, B under A) would each see no cycle: moves within a project take turns.
    await db.raw('SELECT pg_advisory_xact_lock(hashtext(?))', [`${db.schema}.hierarchy:${projectId}`]);
    if (await isAncestor(db, taskId, parentId)) throw fail('the parent is a descendant of this task');
  }
}

/** Whether `ancestorId` is on the chain of parents above `taskId` (the task itself included). */
async function isAncestor(db: PluginDb, ancestorId: string, taskId: string): Promise<boolean> {
  const tasks = db.table('tasks');
  const result = await db.raw(
    `WITH RECURSIVE chain (id, parent_task_id, depth) AS (
       SELECT id, parent_task_id, 1 FROM ${tasks} WHERE id = ?
       UNION ALL
       SELECT t.id, t.parent_task_id, c.depth + 1 FROM ${tasks} t JOIN chain c ON t.id = c.parent_task_id WHERE c.depth < ?
     )
     SELECT 1 AS found FROM chain WHERE id = ? LIMIT 1`,
    [taskId, MAX_DEPTH, ancestorId],
  );
  return (result as { rows: unknown[] }).rows.length > 0;
}
