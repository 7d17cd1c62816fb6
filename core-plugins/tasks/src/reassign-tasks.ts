import type { PluginDb, PrincipalRef } from '@paca/plugin-sdk';
import type { TasksContext } from './plugin-context.js';

/** The task columns that point at a deletable project setting. */
export type ReassignedColumn = 'status_id' | 'task_type_id';

export interface Reassignment {
  projectId: string;
  column: ReassignedColumn;
  from: string;
  actor: PrincipalRef | null;
}

/**
 * Locks the live tasks of the project that still use `from` and returns their ids: the count a
 * delete refuses on (D28 `task_count`), and exactly the set {@link moveTasks} then moves.
 */
export async function lockTasksUsing(db: PluginDb, { projectId, column, from }: Omit<Reassignment, 'actor'>): Promise<string[]> {
  const rows = (await db('tasks').where({ project_id: projectId, [column]: from }).whereNull('deleted_at')
    .orderBy('id').forUpdate().select('id')) as Array<{ id: string }>;
  return rows.map((row) => row.id);
}

// Bounded statements: a status with thousands of tasks stays far below the bind-parameter limit.
const CHUNK = 500;

/**
 * D28: moves locked tasks from one status (or type) to another before it is deleted. Each task
 * changes like any other edit — version bumped (D4), `updated_at` set, one `task.updated`
 * activity with the field change — so the history, revert and the sprint burndown, which replays
 * status changes from the activity log, see the move.
 */
export async function moveTasks(db: PluginDb, ctx: Pick<TasksContext, 'activity' | 'clock'>, taskIds: readonly string[],
  { projectId, column, from, actor }: Reassignment, to: string): Promise<void> {
  const now = ctx.clock.now();
  for (let start = 0; start < taskIds.length; start += CHUNK) {
    const chunk = taskIds.slice(start, start + CHUNK);
    await db('tasks').whereIn('id', chunk).update({ [column]: to, version: db.raw('version + 1'), updated_at: now });
  }
  for (const taskId of taskIds) {
    await ctx.activity.record(db, {
      projectId, entityType: 'task', entityId: taskId, actor, type: 'task.updated',
      content: { changes: [{ field: column, old: from, new: to }] },
    });
  }
}
