import type { PluginDb } from '@paca/plugin-sdk';
import { invalid, ViewContextInvalid } from './errors.js';
import { isUuid } from './task-lookup.js';
import type { ViewContext } from './view-lookup.js';

/** The tab strip a view belongs to: a context, and for the sprint context one sprint (reference 1.6). */
export interface ViewScope {
  view_context: ViewContext;
  sprint_id: string | null;
}

/**
 * The scope a request names: `?context=&sprint_id=` (default backlog), or on create the body's
 * `view_context`/`sprint_id`, which must then agree with the query. Sprint views need a sprint;
 * backlog and timeline views have none.
 */
export function requestedScope(query: { context?: ViewContext; sprint_id?: string },
  body: { view_context?: ViewContext; sprint_id?: string | null } = {}): ViewScope {
  if (query.context !== undefined && body.view_context !== undefined && query.context !== body.view_context) {
    throw ViewContextInvalid({ reason: 'the query context and the body view_context differ' });
  }
  if (query.sprint_id !== undefined && body.sprint_id !== undefined && query.sprint_id !== body.sprint_id) {
    throw ViewContextInvalid({ reason: 'the query sprint_id and the body sprint_id differ' });
  }
  const viewContext = body.view_context ?? query.context ?? 'backlog';
  const sprintId = body.sprint_id ?? query.sprint_id ?? null;
  if (viewContext === 'sprint') {
    if (sprintId === null) throw ViewContextInvalid({ reason: 'sprint views need a sprint_id' });
    if (!isUuid(sprintId)) throw invalid('sprint_id', 'must be a UUID');
  } else if (sprintId !== null) {
    throw ViewContextInvalid({ reason: `${viewContext} views do not belong to a sprint: leave sprint_id out` });
  }
  return { view_context: viewContext, sprint_id: sprintId };
}

/** The views of one scope, in tab order. */
export function viewsOfScope(db: PluginDb, projectId: string, scope: ViewScope) {
  return db('views')
    .where({ project_id: projectId, view_context: scope.view_context, sprint_id: scope.sprint_id })
    .orderBy([{ column: 'position' }, { column: 'created_at' }, { column: 'id' }]);
}
