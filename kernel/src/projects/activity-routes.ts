import { Type } from '@sinclair/typebox';
import type { Router } from '../http/router.js';
import { CursorQuery, ProjectParams, StrictObject, Uuid } from '../http/schemas.js';
import type { ActivityLog } from './activity-log.js';

const ActivityQuery = StrictObject({
  ...CursorQuery,
  entity_type: Type.Optional(Type.String({ maxLength: 64 })),
  entity_id: Type.Optional(Uuid),
});

/** The project activity feed, newest first (reference 1.7). */
export function registerActivityRoutes(router: Router, activity: ActivityLog): void {
  router.route({
    method: 'GET', url: '/projects/:projectId/activities', summary: 'Project activity feed, newest first', tags: ['projects'],
    access: { kind: 'gated', action: 'project.activities:read', resource: (p) => `project/${p.projectId}` },
    params: ProjectParams, querystring: ActivityQuery,
    handler: ({ db, params, query }) => activity.list(db, {
      projectId: params.projectId, entityType: query.entity_type, entityId: query.entity_id, cursor: query.cursor, limit: query.page_size ?? 50,
    }),
  });
}
