import type { PluginDb } from '@paca/plugin-sdk';
import { isUuid } from './doc-lookup.js';
import { DocFolderNotFound } from './errors.js';

export type FolderRow = {
  id: string;
  project_id: string;
  parent_id: string | null;
  name: string;
  position: number;
  version: number;
  created_by_type: 'user' | 'agent' | null;
  created_by_id: string | null;
  created_at: Date;
  updated_at: Date;
  deleted_at: Date | null;
};

/**
 * Makes the project's tree writes (folder create, rename, move, delete; path-style writes) take
 * turns until the transaction ends, so a cycle check, a path lookup or a recursive delete never
 * interleaves with another change of the tree — also in a project without folders yet, hence the
 * advisory lock. Every folder row is locked too, in id order: a document write that places a
 * document in a folder holds a share lock on it (see requireFolder) taken before the document's
 * own lock, so both orders put folders before documents and never deadlock.
 */
export async function lockFolders(db: PluginDb, projectId: string): Promise<void> {
  await db.raw('SELECT pg_advisory_xact_lock(hashtext(?))', [`${db.schema}.tree:${projectId}`]);
  await db('doc_folders').where({ project_id: projectId }).orderBy('id').forUpdate().select('id');
}

/**
 * A live folder of the project, or 404 `DOC_FOLDER_NOT_FOUND`. `lock: 'share'` keeps it from
 * being deleted or moved until the transaction ends (a document is being placed in it);
 * `'update'` locks it for a change of its own.
 */
export async function requireFolder(db: PluginDb, projectId: string, folderId: string, options: { lock?: 'share' | 'update' } = {}): Promise<FolderRow> {
  if (!isUuid(folderId)) throw DocFolderNotFound({});
  const query = db('doc_folders').where({ id: folderId, project_id: projectId }).whereNull('deleted_at').first();
  if (options.lock === 'share') query.forShare();
  if (options.lock === 'update') query.forUpdate();
  const row = (await query) as FolderRow | undefined;
  if (!row) throw DocFolderNotFound({});
  return row;
}
