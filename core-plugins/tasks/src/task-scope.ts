import type { ActivityEntry, ListScope } from '@paca/plugin-sdk';
import type { Knex } from 'knex';
import { isUuid } from './task-lookup.js';

/*
 * D15's list scope for tasks (`req.listScope('tasks:read', 'task')`): which tasks of the project
 * the caller may see. Policies may name entities by any text (`project/<id>/task/PRJ-9`); only
 * UUIDs can match a task and reach SQL, where anything else is a database error.
 */

/** Whether the scope lets the caller see the task `id` (any letter case, as PostgreSQL compares uuids). */
export function inScope(scope: ListScope, id: string): boolean {
  const named = (ids: readonly string[]) => ids.some((other) => other.toLowerCase() === id.toLowerCase());
  return scope.all ? !named(scope.except) : named(scope.ids);
}

/** Restricts `column` (a task id) to the scope, in SQL; no scope = every task (internal callers). */
export function applyScope(query: Knex.QueryBuilder, scope: ListScope | undefined, column: string): void {
  if (!scope) return;
  if (scope.all) {
    const except = scope.except.filter(isUuid);
    if (except.length > 0) query.whereNotIn(column, except);
  } else {
    query.whereIn(column, scope.ids.filter(isUuid));
  }
}

/** A task's feed entries the caller may see: a link entry names the task at the other end, which the scope may hide (as the links list does). */
export const visibleEntries = (entries: readonly ActivityEntry[], scope: ListScope): ActivityEntry[] =>
  entries.filter((entry) => typeof entry.content.target_task_id !== 'string' || inScope(scope, entry.content.target_task_id));
