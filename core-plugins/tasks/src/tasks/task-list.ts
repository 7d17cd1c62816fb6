import { cursorPage, type ListScope, type PluginDb } from '@paca/plugin-sdk';
import type { Knex } from 'knex';
import type { Task, TaskFilter } from '../contract.js';
import { ViewNotFound } from '../errors.js';
import { isUuid, taskColumns, type TaskRow } from '../task-lookup.js';
import { applyScope } from '../task-scope.js';
import { projectPrefix, taskViews } from './task-view.js';

/** The service's filter plus what only the REST list offers. */
export interface TaskListFilter extends TaskFilter {
  sprintIds?: string[];
  excludeSystemTypes?: boolean;
  /** Adds each task's place in that view: `view_position`, `view_group_key` (null when it has none). */
  viewId?: string;
  /** D15: which tasks the caller may see; absent = all (internal callers). */
  scope?: ListScope;
}

export type ListedTask = Task & { view_position?: string | null; view_group_key?: string | null };

/** Ids a filter may hold: the service's callers pass them unchecked; one that is not a UUID matches no row and must not reach SQL. */
const uuids = (ids: readonly string[]) => ids.filter(isUuid);

const escapeLike = (text: string) => text.replace(/[\\%_]/g, '\\$&');

/**
 * `search`: a case-insensitive substring of the title (with `searchContent`, of the description
 * too), or a task number as `123`, `#123` or the key `PREFIX-123`. ILIKE so the trigram indexes apply.
 */
function applySearch(query: Knex.QueryBuilder, search: string, searchContent: boolean, prefix: string): void {
  const term = search.trim();
  const key = new RegExp(`^(?:#|${prefix.replace(/[^A-Za-z0-9]/g, '')}-)?(\\d{1,9})$`, 'i').exec(term);
  const pattern = `%${escapeLike(term)}%`;
  query.where((q) => {
    q.whereRaw('?? ILIKE ?', ['t.title', pattern]);
    if (searchContent) q.orWhereRaw('?? ILIKE ?', ['t.description', pattern]);
    if (key) q.orWhere('t.task_number', Number(key[1]));
  });
}

/** Live tasks of a project, filtered in SQL and keyset-paged by `task_number` (D3). */
export async function listTasks(db: PluginDb, projectId: string, filter: TaskListFilter): Promise<{ items: ListedTask[]; next_cursor: string | null }> {
  const query = db('tasks as t').where('t.project_id', projectId).whereNull('t.deleted_at').select(taskColumns(db, 't'));
  if (filter.sprintId === null) query.whereNull('t.sprint_id');
  else if (filter.sprintId !== undefined) query.whereIn('t.sprint_id', uuids([filter.sprintId]));
  if (filter.sprintIds) query.whereIn('t.sprint_id', uuids(filter.sprintIds));
  if (filter.statusIds) query.whereIn('t.status_id', uuids(filter.statusIds));
  if (filter.taskTypeIds) query.whereIn('t.task_type_id', uuids(filter.taskTypeIds));
  if (filter.parentTaskId !== undefined) query.whereIn('t.parent_task_id', uuids([filter.parentTaskId]));
  if (filter.assigneeIds) {
    const memberIds = uuids(filter.assigneeIds);
    query.whereExists(db('task_assignees as a').select(db.raw('1')).whereRaw('a.task_id = t.id').whereIn('a.member_id', memberIds));
  }
  if (filter.excludeSystemTypes) {
    query.whereNotExists(db('task_types as y').select(db.raw('1')).whereRaw('y.id = t.task_type_id').where('y.is_system', true));
  }
  if (filter.search) applySearch(query, filter.search, filter.searchContent ?? false, await projectPrefix(db, projectId));
  applyScope(query, filter.scope, 't.id');
  if (filter.viewId !== undefined) {
    const view = isUuid(filter.viewId) ? await db('views').where({ id: filter.viewId, project_id: projectId }).first('id') : undefined;
    if (!view) throw ViewNotFound({});
    query.leftJoin('task_positions as p', (on) => on.on('p.task_id', 't.id').andOn('p.view_id', db.raw('?', [filter.viewId!])))
      .select('p.position as view_position', 'p.group_key as view_group_key');
  }

  const page = await cursorPage<TaskRow & { view_position?: string | null; view_group_key?: string | null }>(query, {
    cursor: filter.cursor, pageSize: filter.pageSize, keys: [{ column: 't.task_number', field: 'task_number', type: 'int' }], order: 'asc',
  });
  const tasks = await taskViews(db, page.items);
  const items = filter.viewId === undefined
    ? tasks
    : tasks.map((task, i) => ({ ...task, view_position: page.items[i]!.view_position ?? null, view_group_key: page.items[i]!.view_group_key ?? null }));
  return { items, next_cursor: page.next_cursor };
}
