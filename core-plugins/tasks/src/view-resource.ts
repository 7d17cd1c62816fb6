import type { PluginDb, PrincipalRef } from '@paca/plugin-sdk';
import type { SavedView } from './contract.js';
import type { ViewRow } from './view-lookup.js';

type Config = Record<string, unknown>;

/** A saved view as everyone sees it (the contract's `SavedView`); events carry this shape. */
export type SharedView = SavedView;

/** A view as one caller sees it: their personal override (reference `user_view_configs`) and the config that results. */
export type CallerView = SharedView & {
  personal_config: Config | null;
  /** `config` with the caller's personal keys laid over it (a personal key replaces the shared one whole). */
  effective_config: Config;
};

export function sharedView(row: ViewRow): SharedView {
  return {
    id: row.id,
    project_id: row.project_id,
    sprint_id: row.sprint_id,
    name: row.name,
    view_type: row.view_type,
    view_context: row.view_context,
    position: row.position,
    config: row.config,
    plugin_id: row.plugin_id,
    plugin_component: row.plugin_component,
    version: row.version,
    created_by: row.created_by_type && row.created_by_id ? { type: row.created_by_type, id: row.created_by_id } : null,
    created_at: new Date(row.created_at).toISOString(),
    updated_at: new Date(row.updated_at).toISOString(),
  };
}

export function callerView(row: ViewRow, personal: Config | null): CallerView {
  return { ...sharedView(row), personal_config: personal, effective_config: { ...row.config, ...personal } };
}

/** The caller's personal configs of these views, by view id (none for anonymous readers). */
export async function personalConfigs(db: PluginDb, principal: PrincipalRef | null, viewIds: readonly string[]): Promise<Map<string, Config>> {
  if (!principal || viewIds.length === 0) return new Map();
  const rows = (await db('user_view_configs')
    .where({ principal_type: principal.type, principal_id: principal.id })
    .whereIn('view_id', viewIds)
    .select('view_id', 'config')) as Array<{ view_id: string; config: Config }>;
  return new Map(rows.map((r) => [r.view_id, r.config]));
}

/** Views as `principal` sees them, in the given order. */
export async function callerViews(db: PluginDb, principal: PrincipalRef | null, rows: readonly ViewRow[]): Promise<CallerView[]> {
  const personal = await personalConfigs(db, principal, rows.map((r) => r.id));
  return rows.map((row) => callerView(row, personal.get(row.id) ?? null));
}
