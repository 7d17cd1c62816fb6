import type { PluginDb, PrincipalRef } from '@paca/plugin-sdk';
import { randomUUID } from 'node:crypto';
import { insertSnapshot, recordSnapshot } from './doc-history.js';
import { requireDoc, type DocRow } from './doc-lookup.js';
import { acceptName } from './doc-names.js';
import { authorColumns } from './doc-view.js';
import { DocTitleTaken, DocVersionConflict } from './errors.js';
import { DocCreated, DocDeleted, DocMoved, DocRestored, DocUpdated } from './events.js';
import { requireFolder } from './folder-lookup.js';
import type { DocsContext } from './plugin-context.js';
import { nextPosition, writeUnique } from './siblings.js';

/*
 * The one write path of documents: the REST routes, path-style writes and restores all go
 * through these functions, so history (D30), activity, events and the title rule hold for every
 * caller. Each runs in the caller's transaction.
 */

const DEFAULT_TITLE = 'Untitled';

/** What a save may change; absent = unchanged. */
export interface DocChanges {
  title?: string;
  content?: string;
  folder_id?: string | null;
  position?: number;
}

/** The fields every document event carries: no body (clients fetch it). */
const eventFields = (row: DocRow) =>
  ({ doc_id: row.id, title: row.title, folder_id: row.folder_id, version: row.version, snapshot_number: row.snapshot_number });

/** 409 `DOC_TITLE_TAKEN` when another live document of the folder has the title (case-insensitively, D30). */
async function assertTitleFree(db: PluginDb, projectId: string, folderId: string | null, title: string, exceptId?: string): Promise<void> {
  const clash = db('documents').where({ project_id: projectId, folder_id: folderId }).whereNull('deleted_at').whereRaw('lower(title) = lower(?)', [title]);
  if (exceptId) clash.whereNot({ id: exceptId });
  if (await clash.first('id')) throw DocTitleTaken({});
}

/** "Untitled", else "Untitled 2", "Untitled 3"…: a document created without a title never clashes. */
async function freeDefaultTitle(db: PluginDb, projectId: string, folderId: string | null): Promise<string> {
  const taken = new Set(((await db('documents').where({ project_id: projectId, folder_id: folderId }).whereNull('deleted_at')
    .whereRaw('lower(title) LIKE ?', [`${DEFAULT_TITLE.toLowerCase()}%`]).pluck('title')) as string[]).map((t) => t.toLowerCase()));
  for (let n = 1; ; n++) {
    const title = n === 1 ? DEFAULT_TITLE : `${DEFAULT_TITLE} ${n}`;
    if (!taken.has(title.toLowerCase())) return title;
  }
}

export async function createDoc(ctx: DocsContext, db: PluginDb, input: {
  projectId: string; folderId: string | null; title?: string; content: string; position?: number; actor: PrincipalRef | null;
}): Promise<DocRow> {
  const { projectId, folderId, actor } = input;
  if (folderId) await requireFolder(db, projectId, folderId, { lock: 'share' });
  const title = input.title === undefined ? await freeDefaultTitle(db, projectId, folderId) : acceptName(input.title, 'title');
  await assertTitleFree(db, projectId, folderId, title);
  const now = ctx.clock.now();
  const row: DocRow = {
    id: randomUUID(), project_id: projectId, folder_id: folderId, title, content: input.content,
    position: input.position ?? await nextPosition(db, 'documents', { project_id: projectId, folder_id: folderId }),
    version: 1, snapshot_number: 1, created_by_type: actor?.type ?? null, created_by_id: actor?.id ?? null,
    updated_by_type: actor?.type ?? null, updated_by_id: actor?.id ?? null, created_at: now, updated_at: now, deleted_at: null,
  };
  await writeUnique(() => db('documents').insert(row), (options) => DocTitleTaken({}, options));
  await insertSnapshot(db, { doc: row, title, content: row.content, actor, restoredFrom: null, now });
  await ctx.activity.record(db, {
    projectId, entityType: 'doc', entityId: row.id, actor, type: 'doc.created', content: { title, folder_id: folderId, snapshot_number: 1 },
  });
  await ctx.events.emit(db, DocCreated, { projectId, actor, payload: eventFields(row) });
  return row;
}

/**
 * Saves changes to a document: locks it, checks D4's expected version (stale → 409
 * `DOC_VERSION_CONFLICT` with `current_version`), keeps titles unique per folder, records the
 * history step when the title or content changed, and reports the change (activity and event).
 * A save that changes nothing writes nothing. `restoredFrom` makes it a restore (D30): always a
 * new version and a snapshot of its own, reported as `doc.restored`.
 */
export async function updateDoc(ctx: DocsContext, db: PluginDb, input: {
  projectId: string; docId: string; changes: DocChanges; actor: PrincipalRef | null; expectedVersion: number | null; restoredFrom?: number;
}): Promise<DocRow> {
  const { projectId, changes, actor } = input;
  // The target folder before the document: the lock order that never deadlocks (see lockFolders).
  if (changes.folder_id) await requireFolder(db, projectId, changes.folder_id, { lock: 'share' });
  const doc = await requireDoc(db, projectId, input.docId, { forUpdate: true });
  if (input.expectedVersion !== null && input.expectedVersion !== doc.version) throw DocVersionConflict({ current_version: doc.version });

  const title = changes.title === undefined ? doc.title : acceptName(changes.title, 'title');
  const content = changes.content ?? doc.content;
  const folderId = changes.folder_id === undefined ? doc.folder_id : changes.folder_id;
  const titleChanged = title !== doc.title;
  const contentChanged = content !== doc.content;
  const moved = folderId !== doc.folder_id;
  const position = changes.position ?? (moved ? await nextPosition(db, 'documents', { project_id: projectId, folder_id: folderId }) : doc.position);
  const restore = input.restoredFrom !== undefined;
  if (!titleChanged && !contentChanged && !moved && position === doc.position && !restore) return doc;

  if (titleChanged || moved) await assertTitleFree(db, projectId, folderId, title, doc.id);
  const snapshotNumber = titleChanged || contentChanged || restore
    ? await recordSnapshot(ctx, db, { doc, title, content, actor, restoredFrom: input.restoredFrom ?? null })
    : doc.snapshot_number;
  const now = ctx.clock.now();
  const saved: DocRow = {
    ...doc, title, content, folder_id: folderId, position, version: doc.version + 1, snapshot_number: snapshotNumber,
    updated_by_type: actor?.type ?? null, updated_by_id: actor?.id ?? null, updated_at: now,
  };
  await writeUnique(() => db('documents').where({ id: doc.id }).update({
    title, content, folder_id: folderId, position, version: saved.version, snapshot_number: snapshotNumber, ...authorColumns('updated_by', actor), updated_at: now,
  }), (options) => DocTitleTaken({}, options));

  // The activity keeps what a reader of the history needs: old and new titles and folders, the
  // snapshot a body change went into (never the bodies: they are in the snapshots).
  const record = (type: string, content: Record<string, unknown>) =>
    ctx.activity.record(db, { projectId, entityType: 'doc', entityId: doc.id, actor, type, content });
  const titleChange = titleChanged ? [{ field: 'title', old: doc.title, new: title }] : [];
  const contentChange = contentChanged ? [{ field: 'content', snapshot_number: snapshotNumber }] : [];
  if (restore) {
    await record('doc.restored', { restored_from: input.restoredFrom, snapshot_number: snapshotNumber, changes: [...titleChange, ...contentChange] });
    await ctx.events.emit(db, DocRestored, { projectId, actor, payload: { ...eventFields(saved), restored_from: input.restoredFrom! } });
    return saved;
  }
  if (moved) {
    await record('doc.moved', { changes: [{ field: 'folder_id', old: doc.folder_id, new: folderId }] });
    await ctx.events.emit(db, DocMoved, { projectId, actor, payload: { ...eventFields(saved), old_folder_id: doc.folder_id } });
  }
  if (titleChanged || contentChanged) await record('doc.updated', { changes: [...titleChange, ...contentChange] });
  // A move reports the new place itself (doc.moved); position here is a reorder within the folder.
  const fields = [...(titleChanged ? ['title'] : []), ...(contentChanged ? ['content'] : []), ...(!moved && position !== doc.position ? ['position'] : [])];
  if (fields.length > 0) await ctx.events.emit(db, DocUpdated, { projectId, actor, payload: { ...eventFields(saved), fields } });
  return saved;
}

/** Soft-deletes a locked document; its history, comments and files stay with the row. */
export async function deleteDoc(ctx: DocsContext, db: PluginDb, doc: DocRow, actor: PrincipalRef | null): Promise<void> {
  const now = ctx.clock.now();
  await db('documents').where({ id: doc.id }).update({ deleted_at: now, updated_at: now, version: doc.version + 1, ...authorColumns('updated_by', actor) });
  await ctx.activity.record(db, { projectId: doc.project_id, entityType: 'doc', entityId: doc.id, actor, type: 'doc.deleted', content: { title: doc.title, folder_id: doc.folder_id } });
  await ctx.events.emit(db, DocDeleted, { projectId: doc.project_id, actor, payload: eventFields(doc) });
}
