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
  /** D15 entity rules: whether the caller may read this task (a task-level deny hides it here too). */
  canRead: (task: Pick<TaskRow, 'id' | 'project_id'>) => boolean;
}): Promise<{ items: Task[]; next_cursor: string | null }> {
  const memberIds = (await ctx.members.ofPrincipalIn(db, input.projectIds, input.principal)).map((m) => m.id);
  if (memberIds.length === 0) return { items: [], next_cursor: null };
  const query = db('tasks as t').join('task_assignees as a', 'a.task_id', 't.id')
    .whereIn('a.member_id', memberIds).whereIn('t.project_id', input.projectIds).whereNull('t.deleted_at')
    .select(taskColumns(db, 't'));
  if (!input.includeDone) {
    query.join('task_statuses as s', 's.id', 't.status_id').whereNot('s.category', 'done');
  }
  // The list spans projects, so no single list scope applies: tasks the caller may not read are
  // skipped row by row, and further rows are read until the page is full or the list ends.
  const rows: TaskRow[] = [];
  let cursor = input.cursor;
  do {
    const page = await cursorPage<TaskRow>(query.clone(), {
      cursor, pageSize: input.pageSize - rows.length, order: 'desc',
      keys: [{ column: 't.updated_at', field: 'updated_at', type: 'timestamptz' }, { column: 't.id', field: 'id', type: 'uuid' }],
    });
    rows.push(...page.items.filter(input.canRead));
    cursor = page.next_cursor ?? undefined;
  } while (cursor !== undefined && rows.length < input.pageSize);
  return { items: await taskViews(db, rows), next_cursor: cursor ?? null };
}
