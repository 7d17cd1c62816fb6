import type { PrincipalRef } from '@paca/plugin-sdk';

export interface AttachmentRow {
  id: string;
  project_id: string;
  task_id: string;
  storage_key: string;
  file_name: string;
  content_type: string;
  /** `bigint`: node-postgres returns it as a string. */
  file_size: number | string;
  upload_status: 'pending' | 'uploaded' | 'failed';
  uploaded_by_type: 'user' | 'agent' | null;
  uploaded_by_id: string | null;
  created_at: Date;
  completed_at: Date | null;
}

/** A file attached to a task (reference 1.5 files/task_attachments); the storage key stays server-side. */
export interface AttachmentView {
  id: string;
  project_id: string;
  task_id: string;
  file_name: string;
  content_type: string;
  file_size: number;
  upload_status: AttachmentRow['upload_status'];
  uploaded_by: PrincipalRef | null;
  created_at: string;
  /** When `complete-upload` verified the object; null while pending. */
  uploaded_at: string | null;
}

export function attachmentView(row: AttachmentRow): AttachmentView {
  return {
    id: row.id,
    project_id: row.project_id,
    task_id: row.task_id,
    file_name: row.file_name,
    content_type: row.content_type,
    file_size: Number(row.file_size),
    upload_status: row.upload_status,
    uploaded_by: row.uploaded_by_type && row.uploaded_by_id ? { type: row.uploaded_by_type, id: row.uploaded_by_id } : null,
    created_at: new Date(row.created_at).toISOString(),
    uploaded_at: row.completed_at ? new Date(row.completed_at).toISOString() : null,
  };
}
