import { cursorPage, etag, expectedVersion, type PluginDb, type PluginRoutes, type RouteRequest } from '@paca/plugin-sdk';
import { diffHunks } from './doc-diff.js';
import type { SnapshotRow } from './doc-history.js';
import { requireDoc } from './doc-lookup.js';
import { authorOf, docView, timestamp } from './doc-view.js';
import { updateDoc } from './doc-write.js';
import { DocSnapshotNotFound } from './errors.js';
import { FolderTree } from './folder-tree.js';
import type { DocsContext } from './plugin-context.js';

type DocParams = { projectId: string; docId: string };
type SnapshotParams = DocParams & { number: number };

const SUMMARY_COLUMNS = ['document_id', 'snapshot_number', 'title', 'restored_from', 'created_by_type', 'created_by_id', 'created_at', 'updated_at'] as const;

function snapshotSummary(row: Omit<SnapshotRow, 'id' | 'content' | 'project_id'>) {
  return {
    document_id: row.document_id,
    snapshot_number: row.snapshot_number,
    title: row.title,
    restored_from: row.restored_from,
    created_by: authorOf(row.created_by_type, row.created_by_id),
    created_at: timestamp(row.created_at),
    // Later saves merged into it (D30) move this on.
    updated_at: timestamp(row.updated_at),
  };
}

async function requireSnapshot(db: PluginDb, docId: string, snapshotNumber: number): Promise<SnapshotRow> {
  const row = (await db('doc_snapshots').where({ document_id: docId, snapshot_number: snapshotNumber }).first()) as SnapshotRow | undefined;
  if (!row) throw DocSnapshotNotFound({});
  return row;
}

/**
 * A document's history (D30): one snapshot per step (creation is 1), diffs between any two, and
 * restore, which writes an old title and body back as a new step attributed to the caller.
 */
export function registerSnapshotRoutes(routes: PluginRoutes, ctx: DocsContext): void {
  routes.handle('docs.snapshots.list', async ({ db, params, query }: RouteRequest<DocParams, { cursor?: string; page_size: number }>) => {
    const doc = await requireDoc(db, params.projectId, params.docId);
    const page = await cursorPage<Omit<SnapshotRow, 'id' | 'content' | 'project_id'>>(
      db('doc_snapshots').where({ document_id: doc.id }).select(...SUMMARY_COLUMNS),
      { cursor: query.cursor, pageSize: query.page_size, order: 'desc', keys: [{ column: 'snapshot_number', field: 'snapshot_number', type: 'int' }] });
    return { items: page.items.map(snapshotSummary), next_cursor: page.next_cursor };
  });

  routes.handle('docs.snapshots.get', async ({ db, params }: RouteRequest<SnapshotParams>) => {
    const doc = await requireDoc(db, params.projectId, params.docId);
    const row = await requireSnapshot(db, doc.id, params.number);
    return { ...snapshotSummary(row), content: row.content };
  });

  routes.handle('docs.snapshots.diff', async ({ db, params }: RouteRequest<DocParams & { a: number; b: number }>) => {
    const doc = await requireDoc(db, params.projectId, params.docId);
    const from = await requireSnapshot(db, doc.id, params.a);
    const to = await requireSnapshot(db, doc.id, params.b);
    return {
      from: from.snapshot_number,
      to: to.snapshot_number,
      ...(from.title === to.title ? {} : { title: { old: from.title, new: to.title } }),
      hunks: diffHunks(from.content, to.content),
    };
  });

  routes.handle('docs.snapshots.restore', async (req: RouteRequest<SnapshotParams, unknown, { version?: number }>) => {
    const { db, params } = req;
    // Locked first: the snapshot read below is the document's history as of this write.
    const doc = await requireDoc(db, params.projectId, params.docId, { forUpdate: true });
    const snapshot = await requireSnapshot(db, doc.id, params.number);
    const row = await updateDoc(ctx, db, {
      projectId: params.projectId, docId: doc.id, changes: { title: snapshot.title, content: snapshot.content },
      actor: req.principal, expectedVersion: expectedVersion(req), restoredFrom: snapshot.snapshot_number,
    });
    req.setHeader('ETag', etag(row.version));
    return docView(row, await FolderTree.load(db, params.projectId));
  });
}
