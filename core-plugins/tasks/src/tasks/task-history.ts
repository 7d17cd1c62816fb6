import type { ActivityEntry, ActivityQuery, PluginDb } from '@paca/plugin-sdk';
import type { HistoryField, HistoryQuery, TaskHistory } from '../contract.js';
import type { TasksContext } from '../plugin-context.js';

/*
 * The contract's `history` (D29): which tasks were ever in a sprint since it started, and how
 * their sprint, status and estimate changed — read back from the `task.updated` entries tasks
 * records in the kernel activity log, the same entries the revert route trusts.
 */

const HISTORY_FIELDS: ReadonlySet<string> = new Set<HistoryField>(['sprint_id', 'status_id', 'story_points']);
const PAGE = 500;

type Change = { field: string; old: unknown; new: unknown };
type HistoryRow = {
  id: string; task_number: number; created_at: Date; deleted_at: Date | null;
  sprint_id: string | null; status_id: string; story_points: number | null;
};

/** Every entry matching the query, following the cursor to the end. */
async function allEntries(ctx: TasksContext, db: PluginDb, query: Omit<ActivityQuery, 'cursor' | 'limit'>): Promise<ActivityEntry[]> {
  const entries: ActivityEntry[] = [];
  let cursor: string | undefined;
  do {
    const page = await ctx.activity.list(db, { ...query, limit: PAGE, ...(cursor ? { cursor } : {}) });
    entries.push(...page.items);
    cursor = page.next_cursor ?? undefined;
  } while (cursor);
  return entries;
}

export async function taskHistory(ctx: TasksContext, db: PluginDb, projectId: string, query: HistoryQuery): Promise<TaskHistory[]> {
  const updates: Omit<ActivityQuery, 'cursor' | 'limit'> = { projectId, entityType: 'task', types: ['task.updated'], since: query.since };
  // Tasks holding the value now (deleted ones too), and tasks moved into or out of it since `since`.
  const holding = (await db('tasks').where({ project_id: projectId, [query.field]: query.value }).pluck('id')) as string[];
  const moved = await Promise.all((['old', 'new'] as const).map((side) =>
    allEntries(ctx, db, { ...updates, contains: { changes: [{ field: query.field, [side]: query.value }] } })));
  const ids = [...new Set([...holding, ...moved.flat().map((e) => e.entity_id).filter((id): id is string => id !== null)])];
  if (ids.length === 0) return [];

  const rows = (await db('tasks').where({ project_id: projectId }).whereIn('id', ids)
    .select('id', 'task_number', 'created_at', 'deleted_at', 'sprint_id', 'status_id', 'story_points')
    .orderBy('task_number')) as HistoryRow[];
  const changes = new Map<string, TaskHistory['changes']>(rows.map((r) => [r.id, []]));
  for (const entry of await allEntries(ctx, db, { ...updates, entityIds: ids, order: 'asc' })) {
    const list = entry.entity_id ? changes.get(entry.entity_id) : undefined;
    if (!list) continue;
    for (const change of (entry.content.changes ?? []) as Change[]) {
      if (HISTORY_FIELDS.has(change.field)) list.push({ at: entry.created_at, field: change.field as HistoryField, old: change.old, new: change.new });
    }
  }
  return rows.map((row) => ({
    task_id: row.id,
    task_number: row.task_number,
    created_at: new Date(row.created_at).toISOString(),
    deleted_at: row.deleted_at ? new Date(row.deleted_at).toISOString() : null,
    current: { sprint_id: row.sprint_id, status_id: row.status_id, story_points: row.story_points === null ? null : Number(row.story_points) },
    changes: changes.get(row.id) ?? [],
  }));
}
