import { assertExpectedVersion, cursorPage, etag, expectedVersion, type PluginRoutes, type RouteRequest } from '@paca/plugin-sdk';
import { DOC_SUMMARY_COLUMNS, requireDoc, type DocRow } from './doc-lookup.js';
import { docSummary, docView } from './doc-view.js';
import { createDoc, deleteDoc, updateDoc, type DocChanges } from './doc-write.js';
import { DocVersionConflict } from './errors.js';
import { FolderTree } from './folder-tree.js';
import type { DocsContext } from './plugin-context.js';

type ProjectParams = { projectId: string };
type DocParams = ProjectParams & { docId: string };

/** Reference 2.3 "Docs": the document resource. Bodies are Markdown (D1); writes are versioned (D4). */
export function registerDocumentRoutes(routes: PluginRoutes, ctx: DocsContext): void {
  routes.handle('docs.list', async ({ db, params, query }: RouteRequest<ProjectParams, { folder_id?: string; cursor?: string; page_size: number }>) => {
    const base = db('documents').where({ project_id: params.projectId }).whereNull('deleted_at').select(...DOC_SUMMARY_COLUMNS);
    if (query.folder_id !== undefined) base.where({ folder_id: query.folder_id === 'null' ? null : query.folder_id });
    const page = await cursorPage<Omit<DocRow, 'content'>>(base, {
      cursor: query.cursor, pageSize: query.page_size, order: 'asc',
      keys: [{ column: 'position', field: 'position', type: 'int' }, { column: 'title', field: 'title', type: 'text' }, { column: 'id', field: 'id', type: 'uuid' }],
    });
    const tree = await FolderTree.load(db, params.projectId);
    return { items: page.items.map((row) => docSummary(row, tree)), next_cursor: page.next_cursor };
  });

  routes.handle('docs.create', async ({ db, params, body, principal, setHeader }: RouteRequest<ProjectParams, unknown, {
    title?: string; content?: string; folder_id?: string | null; position?: number;
  }>) => {
    const row = await createDoc(ctx, db, {
      projectId: params.projectId, folderId: body.folder_id ?? null, content: body.content ?? '', actor: principal,
      ...(body.title === undefined ? {} : { title: body.title }),
      ...(body.position === undefined ? {} : { position: body.position }),
    });
    setHeader('ETag', etag(row.version));
    return docView(row, await FolderTree.load(db, params.projectId));
  });

  routes.handle('docs.get', async ({ db, params, setHeader }: RouteRequest<DocParams>) => {
    const row = await requireDoc(db, params.projectId, params.docId);
    setHeader('ETag', etag(row.version));
    return docView(row, await FolderTree.load(db, params.projectId));
  });

  routes.handle('docs.update', async (req: RouteRequest<DocParams, unknown, DocChanges & { version?: number }>) => {
    const { version: _version, ...changes } = req.body;
    const row = await updateDoc(ctx, req.db, {
      projectId: req.params.projectId, docId: req.params.docId, changes, actor: req.principal, expectedVersion: expectedVersion(req),
    });
    req.setHeader('ETag', etag(row.version));
    return docView(row, await FolderTree.load(req.db, req.params.projectId));
  });

  routes.handle('docs.delete', async (req: RouteRequest<DocParams>) => {
    const doc = await requireDoc(req.db, req.params.projectId, req.params.docId, { forUpdate: true });
    assertExpectedVersion(req, doc.version, DocVersionConflict);
    await deleteDoc(ctx, req.db, doc, req.principal);
  });
}
