import { cursorPage, type PluginDb, type PrincipalRef } from '@paca/plugin-sdk';
import type { Task } from '../contract.js';
import type { TasksContext } from '../plugin-context.js';
import { taskColumns, type TaskRow } from '../task-lookup.js';
import { taskViews } from './task-view.js';

/**
 * `GET /users/me/tasks`: live tasks assigned to the caller's membership in each of `projectIds`
 * (the projects where they may read tasks), most recently updated first. Tasks in a `done`
 * status are left out unless `includeDone`.
 */
export async function listMyTasks(ctx: TasksContext, db: PluginDb, input: {
  principal: PrincipalRef; projectIds: readonly string[]; includeDone: boolean; cursor?: string; pageSize: number;
}): Promise<{ items: Task[]; next_cursor: string | null }> {
  const memberIds = (await ctx.members.ofPrincipalIn(db, input.projectIds, input.principal)).map((m) => m.id);
  if (memberIds.length === 0) return { items: [], next_cursor: null };
  const query = db('tasks as t').join('task_assignees as a', 'a.task_id', 't.id')
    .whereIn('a.member_id', memberIds).whereIn('t.project_id', input.projectIds).whereNull('t.deleted_at')
    .select(taskColumns(db, 't'));
  if (!input.includeDone) {
    query.join('task_statuses as s', 's.id', 't.status_id').whereNot('s.category', 'done');
  }
  const page = await cursorPage<TaskRow>(query, {
    cursor: input.cursor, pageSize: input.pageSize, order: 'desc',
    keys: [{ column: 't.updated_at', field: 'updated_at', type: 'timestamptz' }, { column: 't.id', field: 'id', type: 'uuid' }],
  });
  return { items: await taskViews(db, page.items), next_cursor: page.next_cursor };
}
