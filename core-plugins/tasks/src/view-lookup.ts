import type { PluginDb } from '@paca/plugin-sdk';
import { ViewNotFound } from './errors.js';
import { isUuid } from './task-lookup.js';

import type { ViewContext, ViewType } from './contract.js';

export type { ViewContext, ViewType };

export interface ViewRow {
  id: string;
  project_id: string;
  sprint_id: string | null;
  name: string;
  view_type: ViewType;
  view_context: ViewContext;
  position: number;
  config: Record<string, unknown>;
  plugin_id: string | null;
  plugin_component: string | null;
  version: number;
  created_by_type: 'user' | 'agent' | null;
  created_by_id: string | null;
  created_at: Date;
  updated_at: Date;
}

/**
 * A view of the project, or 404 `VIEW_NOT_FOUND` — also for another project's. `forUpdate`
 * locks the row: edits and board moves in one view then run one after the other (D18).
 */
export async function requireView(db: PluginDb, projectId: string, viewId: string, options: { forUpdate?: boolean } = {}): Promise<ViewRow> {
  if (!isUuid(viewId)) throw ViewNotFound({});
  const query = db('views').where({ id: viewId, project_id: projectId }).first();
  if (options.forUpdate) query.forUpdate();
  const row = (await query) as ViewRow | undefined;
  if (!row) throw ViewNotFound({});
  return row;
}
