import { assertExpectedVersion, etag, type PluginRoutes, type RouteRequest } from '@paca/plugin-sdk';
import { folderView } from './doc-view.js';
import { DocFolderVersionConflict } from './errors.js';
import { lockFolders, requireFolder } from './folder-lookup.js';
import { FolderTree } from './folder-tree.js';
import { createFolder, deleteFolder, updateFolder, type FolderChanges } from './folder-write.js';
import type { DocsContext } from './plugin-context.js';

type ProjectParams = { projectId: string };
type FolderParams = ProjectParams & { folderId: string };

/** Reference 2.3 "Docs" folders: a tree per project (`parent_id`, null = root), names unique per parent. */
export function registerFolderRoutes(routes: PluginRoutes, ctx: DocsContext): void {
  routes.handle('docs.folders.list', async ({ db, params }: RouteRequest<ProjectParams>) => {
    const tree = await FolderTree.load(db, params.projectId);
    return { items: tree.all().map((row) => folderView(row, tree)), next_cursor: null };
  });

  routes.handle('docs.folders.create', async ({ db, params, body, principal, setHeader }: RouteRequest<ProjectParams, unknown, {
    name: string; parent_id?: string | null; position?: number;
  }>) => {
    await lockFolders(db, params.projectId);
    const row = await createFolder(ctx, db, {
      projectId: params.projectId, parentId: body.parent_id ?? null, name: body.name, actor: principal,
      ...(body.position === undefined ? {} : { position: body.position }),
    });
    setHeader('ETag', etag(row.version));
    return folderView(row, await FolderTree.load(db, params.projectId));
  });

  routes.handle('docs.folders.update', async (req: RouteRequest<FolderParams, unknown, FolderChanges & { version?: number }>) => {
    const { db, params, principal } = req;
    await lockFolders(db, params.projectId);
    const folder = await requireFolder(db, params.projectId, params.folderId);
    assertExpectedVersion(req, folder.version, DocFolderVersionConflict);
    const { version: _version, ...changes } = req.body;
    const row = await updateFolder(ctx, db, { folder, changes, actor: principal });
    req.setHeader('ETag', etag(row.version));
    return folderView(row, await FolderTree.load(db, params.projectId));
  });

  routes.handle('docs.folders.delete', async (req: RouteRequest<FolderParams, { recursive?: boolean }>) => {
    const { db, params, principal } = req;
    await lockFolders(db, params.projectId);
    const folder = await requireFolder(db, params.projectId, params.folderId);
    assertExpectedVersion(req, folder.version, DocFolderVersionConflict);
    await deleteFolder(ctx, db, { folder, recursive: req.query.recursive === true, actor: principal });
  });
}
