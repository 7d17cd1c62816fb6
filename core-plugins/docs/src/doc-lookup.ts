import { isUuid, type PluginDb } from '@paca/plugin-sdk';
import { DocNotFound } from './errors.js';

/** Re-exported for this plugin's modules: one uuid check for the kernel's plugins (the SDK's). */
export { isUuid };

// Type aliases, not interfaces: rows must fit `Record<string, unknown>` (cursorPage).
export type DocRow = {
  id: string;
  project_id: string;
  folder_id: string | null;
  title: string;
  content: string;
  position: number;
  version: number;
  snapshot_number: number;
  created_by_type: 'user' | 'agent' | null;
  created_by_id: string | null;
  updated_by_type: 'user' | 'agent' | null;
  updated_by_id: string | null;
  created_at: Date;
  updated_at: Date;
  deleted_at: Date | null;
};

/** Every column but the body, for lists. */
export const DOC_SUMMARY_COLUMNS = ['id', 'project_id', 'folder_id', 'title', 'position', 'version', 'snapshot_number', 'created_by_type', 'created_by_id',
  'updated_by_type', 'updated_by_id', 'created_at', 'updated_at', 'deleted_at'] as const;

/**
 * A live document of the project, or 404 `DOC_NOT_FOUND` — also for another project's, so ids
 * never leak across projects. `forUpdate` locks the row for the rest of the transaction.
 */
export async function requireDoc(db: PluginDb, projectId: string, docId: string, options: { forUpdate?: boolean } = {}): Promise<DocRow> {
  if (!isUuid(docId)) throw DocNotFound({});
  const query = db('documents').where({ id: docId, project_id: projectId }).whereNull('deleted_at').first();
  if (options.forUpdate) query.forUpdate();
  const row = (await query) as DocRow | undefined;
  if (!row) throw DocNotFound({});
  return row;
}
