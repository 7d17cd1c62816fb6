import type { PluginDb, PrincipalRef } from '@paca/plugin-sdk';
import { randomUUID } from 'node:crypto';
import type { DocRow } from './doc-lookup.js';
import { acceptName } from './doc-names.js';
import { deleteDoc } from './doc-write.js';
import { DocFolderCycle, DocFolderNameTaken, DocFolderNotEmpty } from './errors.js';
import { DocFolderCreated, DocFolderDeleted, DocFolderMoved, DocFolderUpdated } from './events.js';
import { requireFolder, type FolderRow } from './folder-lookup.js';
import { FolderTree } from './folder-tree.js';
import type { DocsContext } from './plugin-context.js';
import { nextPosition, writeUnique } from './siblings.js';

/*
 * The one write path of folders, for the REST routes and path-style writes. Callers hold
 * lockFolders for the project: checks against the tree (names, cycles, subtrees) stay true until
 * the transaction ends.
 */

export interface FolderChanges {
  name?: string;
  parent_id?: string | null;
  position?: number;
}

const eventFields = (row: FolderRow) => ({ folder_id: row.id, name: row.name, parent_id: row.parent_id, version: row.version });

/** 409 `DOC_FOLDER_NAME_TAKEN` when another live folder of the parent has the name (case-insensitively). */
async function assertNameFree(db: PluginDb, projectId: string, parentId: string | null, name: string, exceptId?: string): Promise<void> {
  const clash = db('doc_folders').where({ project_id: projectId, parent_id: parentId }).whereNull('deleted_at').whereRaw('lower(name) = lower(?)', [name]);
  if (exceptId) clash.whereNot({ id: exceptId });
  if (await clash.first('id')) throw DocFolderNameTaken({});
}

export async function createFolder(ctx: DocsContext, db: PluginDb, input: {
  projectId: string; parentId: string | null; name: string; position?: number; actor: PrincipalRef | null;
}): Promise<FolderRow> {
  const { projectId, parentId, actor } = input;
  if (parentId) await requireFolder(db, projectId, parentId);
  const name = acceptName(input.name, 'name');
  await assertNameFree(db, projectId, parentId, name);
  const now = ctx.clock.now();
  const row: FolderRow = {
    id: randomUUID(), project_id: projectId, parent_id: parentId, name,
    position: input.position ?? await nextPosition(db, 'doc_folders', { project_id: projectId, parent_id: parentId }),
    version: 1, created_by_type: actor?.type ?? null, created_by_id: actor?.id ?? null, created_at: now, updated_at: now, deleted_at: null,
  };
  await writeUnique(() => db('doc_folders').insert(row), (options) => DocFolderNameTaken({}, options));
  await ctx.events.emit(db, DocFolderCreated, { projectId, actor, payload: eventFields(row) });
  return row;
}

/** Renames, moves (422 `DOC_FOLDER_CYCLE` into itself or below) or reorders a folder; a change of nothing writes nothing. */
export async function updateFolder(ctx: DocsContext, db: PluginDb, input: {
  folder: FolderRow; changes: FolderChanges; actor: PrincipalRef | null;
}): Promise<FolderRow> {
  const { folder, changes, actor } = input;
  const projectId = folder.project_id;
  const name = changes.name === undefined ? folder.name : acceptName(changes.name, 'name');
  const parentId = changes.parent_id === undefined ? folder.parent_id : changes.parent_id;
  const moved = parentId !== folder.parent_id;
  if (moved && parentId) {
    await requireFolder(db, projectId, parentId);
    if ((await FolderTree.load(db, projectId)).isWithin(parentId, folder.id)) throw DocFolderCycle({});
  }
  const position = changes.position ?? (moved ? await nextPosition(db, 'doc_folders', { project_id: projectId, parent_id: parentId }) : folder.position);
  if (name === folder.name && !moved && position === folder.position) return folder;

  if (name !== folder.name || moved) await assertNameFree(db, projectId, parentId, name, folder.id);
  const saved: FolderRow = { ...folder, name, parent_id: parentId, position, version: folder.version + 1, updated_at: ctx.clock.now() };
  await writeUnique(() => db('doc_folders').where({ id: folder.id }).update({ name, parent_id: parentId, position, version: saved.version, updated_at: saved.updated_at }),
    (options) => DocFolderNameTaken({}, options));
  if (moved) await ctx.events.emit(db, DocFolderMoved, { projectId, actor, payload: { ...eventFields(saved), old_parent_id: folder.parent_id } });
  if (name !== folder.name || position !== folder.position) await ctx.events.emit(db, DocFolderUpdated, { projectId, actor, payload: eventFields(saved) });
  return saved;
}

/**
 * Soft-deletes a folder. One that holds folders or documents needs `recursive`, else 409
 * `DOC_FOLDER_NOT_EMPTY` with what it holds (the whole subtree); with it, every folder and
 * document below goes too, each reported as deleted.
 */
export async function deleteFolder(ctx: DocsContext, db: PluginDb, input: { folder: FolderRow; recursive: boolean; actor: PrincipalRef | null }): Promise<void> {
  const { folder, actor } = input;
  const projectId = folder.project_id;
  const below = (await FolderTree.load(db, projectId)).descendants(folder.id);
  const folders = [folder, ...below];
  const docs = (await db('documents').where({ project_id: projectId }).whereIn('folder_id', folders.map((f) => f.id)).whereNull('deleted_at')
    .orderBy('id').forUpdate()) as DocRow[];
  if (!input.recursive && (below.length > 0 || docs.length > 0)) throw DocFolderNotEmpty({ folder_count: below.length, document_count: docs.length });

  for (const doc of docs) await deleteDoc(ctx, db, doc, actor);
  const now = ctx.clock.now();
  // Deepest first, so a listener never sees a folder deleted while its subfolders still exist.
  for (const row of folders.reverse()) {
    await db('doc_folders').where({ id: row.id }).update({ deleted_at: now, updated_at: now, version: row.version + 1 });
    await ctx.events.emit(db, DocFolderDeleted, { projectId, actor, payload: eventFields(row) });
  }
}
