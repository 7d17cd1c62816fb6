import { randomUUID } from 'node:crypto';
import { cursorPage, isPacaError, rawResponse, type PluginDb, type PluginRoutes, type RouteRequest } from '@paca/plugin-sdk';
import { attachmentDisposition } from './attachment-disposition.js';
import { readInline } from './attachment-reading.js';
import { attachmentView, type AttachmentRow } from './attachment-view.js';
import {
  AttachmentAlreadyUploaded, AttachmentNotFound, AttachmentNotUploaded, AttachmentTooLarge, invalid,
} from './errors.js';
import { TaskAttachmentAdded, TaskAttachmentRemoved } from './events.js';
import type { TasksContext } from './plugin-context.js';
import { isUuid, requireTask } from './task-lookup.js';

/*
 * Task attachments through the kernel's object storage (D12, reference 2.3 "Attachments"): the
 * client asks for a presigned PUT, uploads the bytes straight to storage, then completes the
 * upload, which verifies the object before the attachment is listed. Downloads are presigned
 * URLs (15 min) or streamed through the API.
 */

type TaskParams = { projectId: string; taskId: string };
type AttachmentParams = TaskParams & { attachmentId: string };

const DEFAULT_CONTENT_TYPE = 'application/octet-stream';

/**
 * An uploaded attachment of the task, or 404 `ATTACHMENT_NOT_FOUND` — also for another task's
 * or project's, and for an upload not completed yet.
 */
async function requireUploadedAttachment(db: PluginDb, params: AttachmentParams, options: { forUpdate?: boolean } = {}): Promise<AttachmentRow> {
  if (!isUuid(params.attachmentId)) throw AttachmentNotFound({});
  const query = db('attachments')
    .where({ id: params.attachmentId, task_id: params.taskId, project_id: params.projectId, upload_status: 'uploaded' })
    .first();
  if (options.forUpdate) query.forUpdate();
  const row = (await query) as AttachmentRow | undefined;
  if (!row) throw AttachmentNotFound({});
  return row;
}

/** The name shown and offered on download: no control characters or path separators (the storage refuses them). */
function checkFileName(fileName: string): void {
  if (fileName.trim() === '' || /[\x00-\x1f\x7f/\\]/.test(fileName)) {
    throw invalid('file_name', 'must be a file name without control characters or slashes');
  }
}

export function registerAttachmentRoutes(routes: PluginRoutes, ctx: TasksContext): void {
  const { storage, clock, activity, events } = ctx;

  routes.handle('attachments.list', async ({ db, params, query }: RouteRequest<TaskParams, { cursor?: string; page_size: number }>) => {
    await requireTask(db, params.projectId, params.taskId);
    const page = await cursorPage<AttachmentRow & Record<string, unknown>>(
      db('attachments').where({ project_id: params.projectId, task_id: params.taskId, upload_status: 'uploaded' }),
      {
        cursor: query.cursor, pageSize: query.page_size, order: 'desc',
        keys: [{ column: 'created_at', field: 'created_at', type: 'timestamptz' }, { column: 'id', field: 'id', type: 'uuid' }],
      });
    return { items: page.items.map(attachmentView), next_cursor: page.next_cursor };
  });

  routes.handle('attachments.initiate', async ({ db, params, body, principal }: RouteRequest<TaskParams, unknown, {
    file_name: string; content_type?: string; file_size: number;
  }>) => {
    await requireTask(db, params.projectId, params.taskId);
    checkFileName(body.file_name);
    if (body.file_size > storage.maxObjectBytes) throw AttachmentTooLarge({ limit_bytes: storage.maxObjectBytes });
    const contentType = body.content_type?.trim() || DEFAULT_CONTENT_TYPE;
    const key = storage.newKey(params.projectId);
    // The declared size caps the upload: streamed uploads stop there (fs), S3 objects are checked at complete-upload.
    const upload = await storage.presignUpload(key, { contentType, maxBytes: body.file_size }).catch((error: unknown) => {
      if (isPacaError(error, 'VALIDATION_FAILED')) throw invalid('content_type', 'must be a media type such as image/png');
      throw error;
    });
    const row: AttachmentRow = {
      id: randomUUID(), project_id: params.projectId, task_id: params.taskId, storage_key: key, file_name: body.file_name,
      content_type: contentType, file_size: body.file_size, upload_status: 'pending',
      uploaded_by_type: principal?.type ?? null, uploaded_by_id: principal?.id ?? null, created_at: clock.now(), completed_at: null,
    };
    await db('attachments').insert(row);
    return { attachment: attachmentView(row), upload };
  });

  routes.handle('attachments.complete', async ({ db, params, body, principal }: RouteRequest<TaskParams, unknown, { attachment_id: string }>) => {
    await requireTask(db, params.projectId, params.taskId);
    if (!isUuid(body.attachment_id)) throw AttachmentNotFound({});
    // Locked, so two completions of one upload cannot both record it.
    const row = (await db('attachments')
      .where({ id: body.attachment_id, task_id: params.taskId, project_id: params.projectId })
      .forUpdate().first()) as AttachmentRow | undefined;
    if (!row) throw AttachmentNotFound({});
    if (row.upload_status === 'uploaded') throw AttachmentAlreadyUploaded({});
    const declared = Number(row.file_size);
    const object = await storage.verifyUpload(row.storage_key, declared).catch((error: unknown) => {
      if (isPacaError(error, 'STORAGE_OBJECT_NOT_FOUND')) throw AttachmentNotUploaded({}, { message: 'nothing was uploaded to the upload URL yet', cause: error });
      // The storage deleted the oversize object: the attachment stays pending, so the client may upload again.
      if (isPacaError(error, 'PAYLOAD_TOO_LARGE')) throw AttachmentTooLarge({ limit_bytes: declared }, { message: `the upload is larger than the declared file_size (${declared} bytes)`, cause: error });
      throw error;
    });
    const completed: AttachmentRow = { ...row, file_size: object.size, content_type: object.contentType, upload_status: 'uploaded', completed_at: clock.now() };
    await db('attachments').where({ id: row.id }).update({
      file_size: completed.file_size, content_type: completed.content_type, upload_status: completed.upload_status, completed_at: completed.completed_at,
    });
    const summary = { attachment_id: row.id, file_name: row.file_name, file_size: object.size };
    await activity.record(db, { projectId: params.projectId, entityType: 'task', entityId: params.taskId, actor: principal, type: 'task.attachment.added', content: summary });
    await events.emit(db, TaskAttachmentAdded, { projectId: params.projectId, actor: principal, payload: { task_id: params.taskId, ...summary } });
    return attachmentView(completed);
  });

  routes.handle('attachments.download-url', async ({ db, params }: RouteRequest<AttachmentParams>) => {
    await requireTask(db, params.projectId, params.taskId);
    const row = await requireUploadedAttachment(db, params);
    return storage.presignDownload(row.storage_key, { fileName: row.file_name });
  });

  routes.handle('attachments.content', async ({ db, params }: RouteRequest<AttachmentParams>) => {
    await requireTask(db, params.projectId, params.taskId);
    const row = await requireUploadedAttachment(db, params);
    const object = await storage.get(row.storage_key);
    return rawResponse({
      body: object.stream,
      headers: {
        'content-type': row.content_type,
        'content-length': String(object.size),
        'content-disposition': attachmentDisposition(row.file_name),
        // Served from the API's origin: a browser must never render or sniff an uploaded file there.
        'x-content-type-options': 'nosniff',
        'content-security-policy': "default-src 'none'; sandbox",
        'cache-control': 'private, no-store',
      },
    });
  });

  routes.handle('attachments.read', async ({ db, params }: RouteRequest<AttachmentParams>) => {
    await requireTask(db, params.projectId, params.taskId);
    const row = await requireUploadedAttachment(db, params);
    const inline = await readInline({ ...row, file_size: Number(row.file_size) }, () => storage.get(row.storage_key));
    return { attachment_id: row.id, file_name: row.file_name, ...inline };
  });

  routes.handle('attachments.delete', async ({ db, params, principal }: RouteRequest<AttachmentParams>) => {
    await requireTask(db, params.projectId, params.taskId);
    const row = await requireUploadedAttachment(db, params, { forUpdate: true });
    await db('attachments').where({ id: row.id }).delete();
    const summary = { attachment_id: row.id, file_name: row.file_name, file_size: Number(row.file_size) };
    await activity.record(db, { projectId: params.projectId, entityType: 'task', entityId: params.taskId, actor: principal, type: 'task.attachment.removed', content: summary });
    await events.emit(db, TaskAttachmentRemoved, { projectId: params.projectId, actor: principal, payload: { task_id: params.taskId, ...summary } });
    // Last, after every step that can fail: a failure here rolls the row back with the object still there.
    await storage.delete(row.storage_key);
  });
}
