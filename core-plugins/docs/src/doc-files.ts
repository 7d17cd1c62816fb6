import { cursorPage, isPacaError, type PluginDb, type PluginRoutes, type PrincipalRef, type RouteRequest } from '@paca/plugin-sdk';
import { randomUUID } from 'node:crypto';
import { isUuid, requireDoc } from './doc-lookup.js';
import { authorOf, timestamp } from './doc-view.js';
import { DocFileAlreadyUploaded, DocFileNotFound, DocFileNotUploaded, DocFileTooLarge, invalid } from './errors.js';
import { DocFileAdded, DocFileRemoved } from './events.js';
import type { DocsContext } from './plugin-context.js';

/*
 * Files embedded in documents (reference 1.8 "doc files"), through the kernel's object storage
 * (D12) exactly as task attachments: a presigned PUT, then complete-upload verifies the object
 * before the file is listed; downloads are presigned URLs (15 min).
 */

type DocParams = { projectId: string; docId: string };
type FileParams = DocParams & { fileId: string };

type FileRow = {
  id: string;
  project_id: string;
  document_id: string;
  storage_key: string;
  file_name: string;
  content_type: string;
  /** `bigint`: node-postgres returns it as a string. */
  file_size: number | string;
  status: 'pending' | 'complete';
  created_by_type: 'user' | 'agent' | null;
  created_by_id: string | null;
  created_at: Date;
};

export interface DocFileView {
  id: string;
  project_id: string;
  document_id: string;
  file_name: string;
  content_type: string;
  file_size: number;
  status: FileRow['status'];
  created_by: PrincipalRef | null;
  created_at: string;
}

const DEFAULT_CONTENT_TYPE = 'application/octet-stream';

const fileView = (row: FileRow): DocFileView => ({
  id: row.id,
  project_id: row.project_id,
  document_id: row.document_id,
  file_name: row.file_name,
  content_type: row.content_type,
  file_size: Number(row.file_size),
  status: row.status,
  created_by: authorOf(row.created_by_type, row.created_by_id),
  created_at: timestamp(row.created_at),
});

/** A file of the document, or 404 `DOC_FILE_NOT_FOUND` (also another document's). `complete` leaves pending uploads out. */
async function requireFile(db: PluginDb, params: { projectId: string; docId: string; fileId: string }, options: { complete?: boolean; forUpdate?: boolean }): Promise<FileRow> {
  if (!isUuid(params.fileId)) throw DocFileNotFound({});
  const query = db('doc_files').where({ id: params.fileId, document_id: params.docId, project_id: params.projectId }).first();
  if (options.complete) query.where({ status: 'complete' });
  if (options.forUpdate) query.forUpdate();
  const row = (await query) as FileRow | undefined;
  if (!row) throw DocFileNotFound({});
  return row;
}

/** The name shown and offered on download: no control characters or path separators (the storage refuses them). */
function checkFileName(fileName: string): void {
  if (fileName.trim() === '' || /[\x00-\x1f\x7f/\\]/.test(fileName)) throw invalid('file_name', 'must be a file name without control characters or slashes');
}

export function registerFileRoutes(routes: PluginRoutes, ctx: DocsContext): void {
  const { storage, clock, events } = ctx;
  const summary = (row: FileRow, size: number) => ({ doc_id: row.document_id, file_id: row.id, file_name: row.file_name, file_size: size });

  routes.handle('docs.files.list', async ({ db, params, query }: RouteRequest<DocParams, { cursor?: string; page_size: number }>) => {
    const doc = await requireDoc(db, params.projectId, params.docId);
    const page = await cursorPage<FileRow>(db('doc_files').where({ document_id: doc.id, status: 'complete' }), {
      cursor: query.cursor, pageSize: query.page_size, order: 'desc',
      keys: [{ column: 'created_at', field: 'created_at', type: 'timestamptz' }, { column: 'id', field: 'id', type: 'uuid' }],
    });
    return { items: page.items.map(fileView), next_cursor: page.next_cursor };
  });

  routes.handle('docs.files.initiate', async ({ db, params, body, principal }: RouteRequest<DocParams, unknown, {
    file_name: string; content_type?: string; file_size: number;
  }>) => {
    const doc = await requireDoc(db, params.projectId, params.docId);
    checkFileName(body.file_name);
    if (body.file_size > storage.maxObjectBytes) throw DocFileTooLarge({ limit_bytes: storage.maxObjectBytes });
    const contentType = body.content_type?.trim() || DEFAULT_CONTENT_TYPE;
    const key = storage.newKey(params.projectId);
    // The declared size caps the upload: streamed uploads stop there (fs), S3 objects are checked at complete-upload.
    const upload = await storage.presignUpload(key, { contentType, maxBytes: body.file_size }).catch((error: unknown) => {
      if (isPacaError(error, 'VALIDATION_FAILED')) throw invalid('content_type', 'must be a media type such as image/png');
      throw error;
    });
    const row: FileRow = {
      id: randomUUID(), project_id: params.projectId, document_id: doc.id, storage_key: key, file_name: body.file_name,
      content_type: contentType, file_size: body.file_size, status: 'pending',
      created_by_type: principal?.type ?? null, created_by_id: principal?.id ?? null, created_at: clock.now(),
    };
    await db('doc_files').insert(row);
    return { file: fileView(row), upload };
  });

  routes.handle('docs.files.complete', async ({ db, params, body, principal }: RouteRequest<DocParams, unknown, { file_id: string }>) => {
    const doc = await requireDoc(db, params.projectId, params.docId);
    // Locked, so two completions of one upload cannot both record it.
    const row = await requireFile(db, { ...params, docId: doc.id, fileId: body.file_id }, { forUpdate: true });
    if (row.status === 'complete') throw DocFileAlreadyUploaded({});
    const declared = Number(row.file_size);
    const object = await storage.verifyUpload(row.storage_key, declared).catch((error: unknown) => {
      if (isPacaError(error, 'STORAGE_OBJECT_NOT_FOUND')) throw DocFileNotUploaded({}, { message: 'nothing was uploaded to the upload URL yet', cause: error });
      // The storage deleted the oversize object: the file stays pending, so the client may upload again.
      if (isPacaError(error, 'PAYLOAD_TOO_LARGE')) throw DocFileTooLarge({ limit_bytes: declared }, { message: `the upload is larger than the declared file_size (${declared} bytes)`, cause: error });
      throw error;
    });
    const completed: FileRow = { ...row, file_size: object.size, content_type: object.contentType, status: 'complete' };
    await db('doc_files').where({ id: row.id }).update({ file_size: object.size, content_type: object.contentType, status: 'complete' });
    await events.emit(db, DocFileAdded, { projectId: params.projectId, actor: principal, payload: summary(row, object.size) });
    return fileView(completed);
  });

  routes.handle('docs.files.download-url', async ({ db, params }: RouteRequest<FileParams>) => {
    const doc = await requireDoc(db, params.projectId, params.docId);
    const row = await requireFile(db, { ...params, docId: doc.id }, { complete: true });
    return storage.presignDownload(row.storage_key, { fileName: row.file_name });
  });

  routes.handle('docs.files.delete', async ({ db, params, principal }: RouteRequest<FileParams>) => {
    const doc = await requireDoc(db, params.projectId, params.docId);
    const row = await requireFile(db, { ...params, docId: doc.id }, { complete: true, forUpdate: true });
    await db('doc_files').where({ id: row.id }).delete();
    await events.emit(db, DocFileRemoved, { projectId: params.projectId, actor: principal, payload: summary(row, Number(row.file_size)) });
    // Last, after every step that can fail: a failure here rolls the row back with the object still there.
    await storage.delete(row.storage_key);
  });
}
