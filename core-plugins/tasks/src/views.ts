import { isDeepStrictEqual } from 'node:util';
import { assertExpectedVersion, etag, type PluginRoutes, type PrincipalRef, type RouteRequest } from '@paca/plugin-sdk';
import { Unauthenticated, ViewIsLastView, ViewNotFound, ViewReorderInvalid, ViewVersionConflict } from './errors.js';
import { ViewReordered, ViewUpdated } from './events.js';
import type { TasksContext } from './plugin-context.js';
import { registerTaskPositionRoutes } from './task-positions.js';
import { acceptViewName, checkPluginFields, insertView, removeViews } from './view-write.js';
import { requestedScope, viewsOfScope, type ViewScope } from './view-context.js';
import { requireView, type ViewContext, type ViewRow, type ViewType } from './view-lookup.js';
import { callerView, callerViews, personalConfigs, sharedView } from './view-resource.js';

/*
 * Saved views (reference 1.6 and 2.3 "Views"): tabs of the sprint, backlog and timeline pages,
 * with a shared config every member sees and a personal override per principal. Board positions
 * inside a view are in task-positions.ts.
 */

type Config = Record<string, unknown>;
type ScopeQuery = { context?: ViewContext; sprint_id?: string };
type ViewParams = { projectId: string; viewId: string };

interface ViewBody {
  name?: string;
  view_type?: ViewType;
  config?: Config;
  plugin_id?: string | null;
  plugin_component?: string | null;
}

/** Personal overrides belong to a principal: anonymous readers of a public project have none to save. */
function requirePrincipal(principal: PrincipalRef | null): PrincipalRef {
  if (!principal) throw Unauthenticated({}, { message: 'sign in to keep a personal view config' });
  return principal;
}

export function registerViewRoutes(routes: PluginRoutes, ctx: TasksContext): void {
  const { clock, events } = ctx;
  const scopeOf = (row: ViewRow): ViewScope => ({ view_context: row.view_context, sprint_id: row.sprint_id });

  routes.handle('views.list', async ({ db, params, query, principal }: RouteRequest<{ projectId: string }, ScopeQuery>) => {
    const rows = (await viewsOfScope(db, params.projectId, requestedScope(query))) as ViewRow[];
    return { items: await callerViews(db, principal, rows), next_cursor: null };
  });

  routes.handle('views.create', async (req: RouteRequest<{ projectId: string }, ScopeQuery, ViewBody & {
    name: string; view_type: ViewType; view_context?: ViewContext; sprint_id?: string | null;
  }>) => {
    const { db, params, query, body, principal } = req;
    const scope = requestedScope(query, body);
    const row = await insertView(ctx, db, params.projectId, {
      name: body.name, view_type: body.view_type, ...scope, config: body.config ?? {},
      plugin_id: body.plugin_id ?? null, plugin_component: body.plugin_component ?? null,
    }, principal);
    req.setHeader('ETag', etag(row.version));
    return callerView(row, null);
  });

  routes.handle('views.reorder', async ({ db, params, query, body, principal }: RouteRequest<{ projectId: string }, ScopeQuery, { view_ids: string[] }>) => {
    const scope = requestedScope(query);
    const rows = (await viewsOfScope(db, params.projectId, scope).forUpdate()) as ViewRow[];
    const byId = new Map(rows.map((r) => [r.id, r]));
    if (body.view_ids.length !== rows.length || !body.view_ids.every((id) => byId.has(id))) throw ViewReorderInvalid({});
    const now = clock.now();
    const ordered = body.view_ids.map((id, position) => ({ ...byId.get(id)!, position, updated_at: now }));
    for (const view of ordered) await db('views').where({ id: view.id }).update({ position: view.position, updated_at: now });
    await events.emit(db, ViewReordered, { projectId: params.projectId, actor: principal, payload: { ...scope, view_ids: body.view_ids } });
    return { items: await callerViews(db, principal, ordered), next_cursor: null };
  });

  routes.handle('views.get', async (req: RouteRequest<ViewParams>) => {
    const { db, params, principal } = req;
    const row = await requireView(db, params.projectId, params.viewId);
    const [view] = await callerViews(db, principal, [row]);
    req.setHeader('ETag', etag(row.version));
    return view;
  });

  routes.handle('views.update', async (req: RouteRequest<ViewParams, unknown, ViewBody & { version?: number }>) => {
    const { db, params, body, principal } = req;
    const row = await requireView(db, params.projectId, params.viewId, { forUpdate: true });
    assertExpectedVersion(req, row.version, ViewVersionConflict);
    // Three-state (reference 2.1): absent = unchanged, null = clear (plugin fields only), a value = set.
    const next: ViewRow = {
      ...row,
      name: body.name === undefined ? row.name : acceptViewName(body.name),
      view_type: body.view_type ?? row.view_type,
      config: body.config ?? row.config,
      plugin_id: body.plugin_id === undefined ? row.plugin_id : body.plugin_id,
      plugin_component: body.plugin_component === undefined ? row.plugin_component : body.plugin_component,
    };
    checkPluginFields(next);
    const changed = (['name', 'view_type', 'plugin_id', 'plugin_component'] as const).some((f) => next[f] !== row[f])
      || !isDeepStrictEqual(next.config, row.config);
    const personal = await personalConfigs(db, principal, [row.id]);
    if (!changed) {
      req.setHeader('ETag', etag(row.version));
      return callerView(row, personal.get(row.id) ?? null);
    }
    const updated: ViewRow = { ...next, version: row.version + 1, updated_at: clock.now() };
    await db('views').where({ id: row.id }).update({
      name: updated.name, view_type: updated.view_type, config: JSON.stringify(updated.config), plugin_id: updated.plugin_id,
      plugin_component: updated.plugin_component, version: updated.version, updated_at: updated.updated_at,
    });
    await events.emit(db, ViewUpdated, { projectId: params.projectId, actor: principal, payload: { view: sharedView(updated) } });
    req.setHeader('ETag', etag(updated.version));
    return callerView(updated, personal.get(row.id) ?? null);
  });

  routes.handle('views.delete', async ({ db, params, principal }: RouteRequest<ViewParams>) => {
    const found = await requireView(db, params.projectId, params.viewId);
    // Every tab of the scope locked, in tab order (so concurrent deletes queue instead of deadlocking):
    // two deletes cannot remove the last two views together.
    const siblings = (await viewsOfScope(db, params.projectId, scopeOf(found)).forUpdate()) as ViewRow[];
    const row = siblings.find((v) => v.id === found.id);
    if (!row) throw ViewNotFound({});
    if (siblings.length <= 1) throw ViewIsLastView({});
    await removeViews(ctx, db, params.projectId, [row.id], principal);
  });

  routes.handle('views.personal-config.put', async (req: RouteRequest<ViewParams, unknown, { config: Config }>) => {
    const { db, params, body } = req;
    const principal = requirePrincipal(req.principal);
    const row = await requireView(db, params.projectId, params.viewId);
    await db('user_view_configs')
      .insert({ view_id: row.id, principal_type: principal.type, principal_id: principal.id, config: JSON.stringify(body.config), updated_at: clock.now() })
      .onConflict(['view_id', 'principal_type', 'principal_id'])
      .merge(['config', 'updated_at']);
    req.setHeader('ETag', etag(row.version));
    return callerView(row, body.config);
  });

  routes.handle('views.personal-config.delete', async ({ db, params, principal }: RouteRequest<ViewParams>) => {
    const owner = requirePrincipal(principal);
    const row = await requireView(db, params.projectId, params.viewId);
    await db('user_view_configs').where({ view_id: row.id, principal_type: owner.type, principal_id: owner.id }).delete();
  });

  registerTaskPositionRoutes(routes, ctx);
}
