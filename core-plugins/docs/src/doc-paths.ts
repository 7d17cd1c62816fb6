import { etag, expectedVersion, type PluginRoutes, type RouteRequest } from '@paca/plugin-sdk';
import { DOC_SUMMARY_COLUMNS, requireDoc, type DocRow } from './doc-lookup.js';
import { pathSegments } from './doc-names.js';
import { ensureFolders, findDoc, findFolder } from './doc-path-lookup.js';
import { docSummary, docView, folderView } from './doc-view.js';
import { createDoc, deleteDoc, updateDoc } from './doc-write.js';
import { DocFolderNotFound, DocNotFound, invalid } from './errors.js';
import { lockFolders } from './folder-lookup.js';
import { FolderTree } from './folder-tree.js';
import { deleteFolder, updateFolder } from './folder-write.js';
import type { DocsContext } from './plugin-context.js';

type ProjectParams = { projectId: string };

/** The segments of a path that must name a document or folder (not the root). */
function itemSegments(path: string, field: string): string[] {
  const segments = pathSegments(path, field);
  if (segments.length === 0) throw invalid(field, 'must name a document or folder, e.g. Specs/API');
  return segments;
}

/**
 * Path-style routes for agents (reference 6.2 `list_docs`, `read_doc`, `write_doc`, `move_doc`,
 * `delete_doc`): paths are folder names and a title joined by `/`, case-insensitive. Where a
 * folder and a document share a name, a document path means the document. Writes lock the
 * project's folder tree first (see lockFolders).
 */
export function registerPathRoutes(routes: PluginRoutes, ctx: DocsContext): void {
  routes.handle('docs.tree', async ({ db, params, query }: RouteRequest<ProjectParams, { path?: string }>) => {
    const segments = pathSegments(query.path ?? '', 'path');
    const folder = await findFolder(db, params.projectId, segments);
    if (segments.length > 0 && !folder) throw DocFolderNotFound({});
    const tree = await FolderTree.load(db, params.projectId);
    const rootId = folder?.id ?? null;
    const docs = db('documents').where({ project_id: params.projectId }).whereNull('deleted_at').select(...DOC_SUMMARY_COLUMNS).orderBy(['position', 'title', 'id']);
    if (rootId) docs.whereIn('folder_id', [rootId, ...tree.descendants(rootId).map((f) => f.id)]);
    const docsByFolder = new Map<string | null, Array<Omit<DocRow, 'content'>>>();
    for (const row of (await docs) as Array<Omit<DocRow, 'content'>>) docsByFolder.set(row.folder_id, [...(docsByFolder.get(row.folder_id) ?? []), row]);
    // Like `ls -R`: each folder, then what it holds; a folder's own documents after its subfolders.
    const list = (parentId: string | null): unknown[] => [
      ...tree.children(parentId).flatMap((child) => [{ type: 'folder', ...folderView(child, tree) }, ...list(child.id)]),
      ...(docsByFolder.get(parentId) ?? []).map((row) => ({ type: 'doc', ...docSummary(row, tree) })),
    ];
    return { path: tree.pathOf(rootId), items: list(rootId), next_cursor: null };
  });

  routes.handle('docs.by-path.get', async ({ db, params, query, setHeader }: RouteRequest<ProjectParams, { path?: string; doc_id?: string }>) => {
    if ((query.path === undefined) === (query.doc_id === undefined)) throw invalid('query', 'pass either path or doc_id');
    const row = query.doc_id === undefined
      ? await findDoc(db, params.projectId, itemSegments(query.path!, 'path'))
      : await requireDoc(db, params.projectId, query.doc_id);
    if (!row) throw DocNotFound({});
    setHeader('ETag', etag(row.version));
    return docView(row, await FolderTree.load(db, params.projectId));
  });

  routes.handle('docs.by-path.put', async (req: RouteRequest<ProjectParams, unknown, { path: string; content: string; title?: string }>) => {
    const { db, params, body, principal: actor } = req;
    const { projectId } = params;
    const segments = itemSegments(body.path, 'path');
    await lockFolders(db, projectId);
    const existing = await findDoc(db, projectId, segments);
    const row = existing
      ? await updateDoc(ctx, db, {
        projectId, docId: existing.id, actor, expectedVersion: expectedVersion(req),
        changes: { content: body.content, ...(body.title === undefined ? {} : { title: body.title }) },
      })
      : await createDoc(ctx, db, {
        projectId, folderId: await ensureFolders(ctx, db, { projectId, segments: segments.slice(0, -1), actor }),
        title: body.title ?? segments.at(-1)!, content: body.content, actor,
      });
    req.setHeader('ETag', etag(row.version));
    if (!existing) req.setStatus(201);
    return { created: !existing, doc: docView(row, await FolderTree.load(db, projectId)) };
  });

  routes.handle('docs.move', async ({ db, params, body, principal: actor }: RouteRequest<ProjectParams, unknown, { source_path: string; dest_path: string }>) => {
    const { projectId } = params;
    const source = itemSegments(body.source_path, 'source_path');
    const dest = itemSegments(body.dest_path, 'dest_path');
    await lockFolders(db, projectId);
    const destParent = await findFolder(db, projectId, dest.slice(0, -1));
    if (dest.length > 1 && !destParent) throw DocFolderNotFound({});
    const destParentId = destParent?.id ?? null;
    const name = dest.at(-1)!;
    const doc = await findDoc(db, projectId, source);
    if (doc) {
      const row = await updateDoc(ctx, db, { projectId, docId: doc.id, changes: { title: name, folder_id: destParentId }, actor, expectedVersion: null });
      return { type: 'doc', ...docSummary(row, await FolderTree.load(db, projectId)) };
    }
    const folder = await findFolder(db, projectId, source);
    if (!folder) throw DocNotFound({});
    const row = await updateFolder(ctx, db, { folder, changes: { name, parent_id: destParentId }, actor });
    return { type: 'folder', ...folderView(row, await FolderTree.load(db, projectId)) };
  });

  routes.handle('docs.by-path.delete', async ({ db, params, query, principal: actor }: RouteRequest<ProjectParams, { path: string }>) => {
    const { projectId } = params;
    const segments = itemSegments(query.path, 'path');
    await lockFolders(db, projectId);
    const doc = await findDoc(db, projectId, segments, { forUpdate: true });
    if (doc) return void (await deleteDoc(ctx, db, doc, actor));
    const folder = await findFolder(db, projectId, segments);
    if (!folder) throw DocNotFound({});
    await deleteFolder(ctx, db, { folder, recursive: true, actor });
  });
}
