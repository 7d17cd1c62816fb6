import { randomUUID } from 'node:crypto';
import type { PluginDb, PrincipalRef } from '@paca/plugin-sdk';
import type { ViewInput } from './contract.js';
import { invalid, ViewTypeInvalid } from './errors.js';
import { ViewCreated, ViewDeleted } from './events.js';
import type { TasksContext } from './plugin-context.js';
import { viewsOfScope } from './view-context.js';
import type { ViewRow } from './view-lookup.js';
import { sharedView } from './view-resource.js';

/*
 * Creating and deleting saved views: one path for the REST routes and for other plugins through
 * the tasks service (sprints seeds a project's backlog and timeline tabs and each sprint's Board
 * and Table, and removes a deleted sprint's tabs).
 */

type NewView = ViewInput & { plugin_id?: string | null; plugin_component?: string | null };

/** Plugin views name their plugin and component, together; other types name neither. */
export function checkPluginFields(view: Pick<ViewRow, 'view_type' | 'plugin_id' | 'plugin_component'>): void {
  const named = [view.plugin_id, view.plugin_component].filter((v) => v !== null).length;
  if (view.view_type === 'plugin' && named < 2) throw ViewTypeInvalid({ reason: 'plugin views need plugin_id and plugin_component' });
  if (view.view_type !== 'plugin' && named > 0) throw ViewTypeInvalid({ reason: 'only plugin views have plugin_id and plugin_component' });
}

/** The tab's name as stored: trimmed and not blank (like task type and status names). */
export function acceptViewName(raw: string): string {
  const name = raw.trim();
  if (name === '') throw invalid('name', 'must not be blank');
  return name;
}

/** Inserts a view after the last tab of its scope and emits `view.created`; the sprint (if any) is validated by its owner. */
export async function insertView(ctx: TasksContext, db: PluginDb, projectId: string, input: NewView, actor: PrincipalRef | null): Promise<ViewRow> {
  await ctx.references.validate(projectId, 'sprint_id', input.sprint_id);
  const now = ctx.clock.now();
  const row: ViewRow = {
    id: randomUUID(), project_id: projectId, sprint_id: input.sprint_id, name: acceptViewName(input.name), view_type: input.view_type,
    view_context: input.view_context, position: 0, config: input.config,
    plugin_id: input.plugin_id ?? null, plugin_component: input.plugin_component ?? null, version: 1,
    created_by_type: actor?.type ?? null, created_by_id: actor?.id ?? null, created_at: now, updated_at: now,
  };
  checkPluginFields(row);
  // Appended after the last tab; two concurrent creates may share a position, and tabs then sort by creation.
  const siblings = (await viewsOfScope(db, projectId, row)) as ViewRow[];
  row.position = siblings.reduce((max, v) => Math.max(max, v.position + 1), 0);
  await db('views').insert({ ...row, config: JSON.stringify(row.config) });
  await ctx.events.emit(db, ViewCreated, { projectId, actor, payload: { view: sharedView(row) } });
  return row;
}

/** Removes views with their board positions and personal configs, one `view.deleted` each. */
export async function removeViews(ctx: TasksContext, db: PluginDb, projectId: string, viewIds: readonly string[], actor: PrincipalRef | null): Promise<void> {
  if (viewIds.length === 0) return;
  await db('task_positions').whereIn('view_id', viewIds).delete();
  await db('user_view_configs').whereIn('view_id', viewIds).delete();
  await db('views').whereIn('id', viewIds).delete();
  for (const viewId of viewIds) await ctx.events.emit(db, ViewDeleted, { projectId, actor, payload: { view_id: viewId } });
}
