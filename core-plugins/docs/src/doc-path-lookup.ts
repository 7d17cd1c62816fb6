import type { PluginDb, PrincipalRef } from '@paca/plugin-sdk';
import type { DocRow } from './doc-lookup.js';
import type { FolderRow } from './folder-lookup.js';
import { createFolder } from './folder-write.js';
import type { DocsContext } from './plugin-context.js';

/*
 * Filesystem-style addressing (reference 6.2): a path is folder names and a title joined by `/`,
 * matched case-insensitively the way the unique indexes compare names (`lower()` in SQL), so a
 * path finds exactly the document or folder whose name a write would clash with.
 */

const named = (query: ReturnType<PluginDb>, column: 'name' | 'title', value: string) => query.whereRaw(`lower(${column}) = lower(?)`, [value]);

/** The live folder named `name` in `parentId` (null = the root), or null. */
async function childFolder(db: PluginDb, projectId: string, parentId: string | null, name: string): Promise<FolderRow | null> {
  const query = named(db('doc_folders').where({ project_id: projectId, parent_id: parentId }).whereNull('deleted_at'), 'name', name);
  return ((await query.first()) as FolderRow | undefined) ?? null;
}

/** The live folder at the path (segments from the root), or null; the root itself for no segments. */
export async function findFolder(db: PluginDb, projectId: string, segments: readonly string[]): Promise<FolderRow | null> {
  let folder: FolderRow | null = null;
  for (const segment of segments) {
    folder = await childFolder(db, projectId, folder?.id ?? null, segment);
    if (!folder) return null;
  }
  return folder;
}

/** The live document at the path (folders, then the title), or null. `forUpdate` locks it. */
export async function findDoc(db: PluginDb, projectId: string, segments: readonly string[], options: { forUpdate?: boolean } = {}): Promise<DocRow | null> {
  const title = segments.at(-1);
  if (title === undefined) return null;
  const folders = segments.slice(0, -1);
  const folder = await findFolder(db, projectId, folders);
  if (folders.length > 0 && !folder) return null;
  const query = named(db('documents').where({ project_id: projectId, folder_id: folder?.id ?? null }).whereNull('deleted_at'), 'title', title).first();
  if (options.forUpdate) query.forUpdate();
  return ((await query) as DocRow | undefined) ?? null;
}

/** The folder at the path, creating the missing ones; null for the root. The caller holds lockFolders. */
export async function ensureFolders(ctx: DocsContext, db: PluginDb, input: { projectId: string; segments: readonly string[]; actor: PrincipalRef | null }): Promise<string | null> {
  const { projectId, actor } = input;
  let parentId: string | null = null;
  for (const name of input.segments) {
    const existing = await childFolder(db, projectId, parentId, name);
    parentId = existing ? existing.id : (await createFolder(ctx, db, { projectId, parentId, name, actor })).id;
  }
  return parentId;
}
