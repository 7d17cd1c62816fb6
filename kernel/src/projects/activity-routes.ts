import { Type } from '@sinclair/typebox';
import { cursorPage } from '../http/pagination.js';
import type { Router } from '../http/router.js';
import { CursorQuery, ProjectParams, StrictObject, Uuid } from '../http/schemas.js';

interface ActivityRow {
  id: string;
  project_id: string;
  entity_type: string;
  entity_id: string | null;
  actor_type: string | null;
  actor_id: string | null;
  origin: string;
  activity_type: string;
  content: Record<string, unknown>;
  created_at: Date;
  username: string | null;
  full_name: string | null;
}

const ActivityQuery = StrictObject({
  ...CursorQuery,
  entity_type: Type.Optional(Type.String({ maxLength: 64 })),
  entity_id: Type.Optional(Uuid),
});

/** The project activity feed, newest first (reference 1.7). */
export function registerActivityRoutes(router: Router): void {
  router.route({
    method: 'GET', url: '/projects/:projectId/activities', summary: 'Project activity feed, newest first', tags: ['projects'],
    access: { kind: 'gated', action: 'project.activities:read', resource: (p) => `project/${p.projectId}` },
    params: ProjectParams, querystring: ActivityQuery,
    async handler({ db, params, query }) {
      const base = db('activities as a')
        .leftJoin('users as u', (j) => j.on('u.id', '=', 'a.actor_id').andOnVal('a.actor_type', '=', 'user'))
        .leftJoin('agents as ag', (j) => j.on('ag.id', '=', 'a.actor_id').andOnVal('a.actor_type', '=', 'agent'))
        .where('a.project_id', params.projectId).whereNull('a.deleted_at')
        // An agent actor shows its handle and name in the same fields (handles and usernames share a namespace, D14).
        .select('a.*', db.raw('coalesce(u.username, ag.handle) as username'), db.raw('coalesce(u.full_name, ag.name) as full_name'));
      if (query.entity_type) base.where('a.entity_type', query.entity_type);
      if (query.entity_id) base.where('a.entity_id', query.entity_id);
      const page = await cursorPage<ActivityRow>(base, { cursor: query.cursor, pageSize: query.page_size ?? 50, timeColumn: 'a.created_at', idColumn: 'a.id', order: 'desc' });
      return {
        items: page.items.map((row) => ({
          id: row.id,
          project_id: row.project_id,
          entity_type: row.entity_type,
          entity_id: row.entity_id,
          actor: row.actor_id ? { type: row.actor_type, id: row.actor_id, username: row.username, full_name: row.full_name } : null,
          origin: row.origin,
          activity_type: row.activity_type,
          content: row.content,
          created_at: new Date(row.created_at).toISOString(),
        })),
        next_cursor: page.next_cursor,
      };
    },
  });
}
