import { isUuid, type ApiClient } from '@paca/plugin-sdk/web';
import type { PrincipalRef, Task } from '../shared/task-types.js';

/*
 * The REST shapes the task detail reads besides the task itself (core-plugins/tasks/src:
 * activities.ts, link-view.ts, attachment-view.ts; sprints' sprint-row.ts), and the paths.
 */

/** A kernel activity entry of the task (`GET …/tasks/:taskId/activities`, newest first on the wire). */
export interface ActivityEntry {
  id: string;
  project_id: string;
  entity_type: string;
  entity_id: string | null;
  actor: { type: 'user' | 'agent' | string; id: string; username: string | null; full_name: string | null } | null;
  origin: string;
  activity_type: string;
  content: Record<string, unknown>;
  created_at: string;
  /** Set when a comment was edited. */
  updated_at: string | null;
}

export interface FieldChange { field: string; old: unknown; new: unknown }

export type LinkType = 'blocks' | 'relates_to' | 'duplicates';
export type DisplayLinkType = LinkType | 'is_blocked_by' | 'is_duplicated_by';

export interface TaskLink {
  id: string;
  source_task_id: string;
  target_task_id: string;
  link_type: LinkType;
  display_link_type: DisplayLinkType;
  direction: 'outward' | 'inward';
  linked_task: { id: string; task_number: number; key: string; title: string; status_id: string };
  created_at: string;
}

export interface Attachment {
  id: string;
  task_id: string;
  file_name: string;
  content_type: string;
  file_size: number;
  upload_status: 'pending' | 'uploaded' | 'failed';
  uploaded_by: PrincipalRef | null;
  created_at: string;
  uploaded_at: string | null;
}

export interface Sprint {
  id: string;
  name: string;
  status: 'planned' | 'active' | 'completed';
  start_date: string | null;
  end_date: string | null;
}

export const LINK_LABELS: Record<DisplayLinkType, string> = {
  blocks: 'Blocks',
  is_blocked_by: 'Blocked by',
  relates_to: 'Related',
  duplicates: 'Duplicates',
  is_duplicated_by: 'Duplicated by',
};

export const projectPath = (projectId: string) => `/projects/${encodeURIComponent(projectId)}`;
export const taskPath = (projectId: string, taskId: string) => `${projectPath(projectId)}/tasks/${encodeURIComponent(taskId)}`;

/** The task named by a route param: its id, `PREFIX-N`, or a bare number. */
export function fetchTaskByRef(api: ApiClient, projectId: string, ref: string): Promise<Task> {
  // (as unknown: the guard would narrow a non-UUID string to never below)
  if (isUuid(ref as unknown)) return api.get<Task>(taskPath(projectId, ref));
  const number = /^(?:[A-Za-z][A-Za-z0-9]*-)?(\d+)$/.exec(ref.trim())?.[1];
  if (number) return api.get<Task>(`${projectPath(projectId)}/tasks/by-number/${number}`);
  return api.get<Task>(taskPath(projectId, ref));
}

/** The API's error code of a refusal (works across module copies, unlike `instanceof`). */
export function errorCode(error: unknown): string | null {
  return typeof error === 'object' && error !== null && typeof (error as { code?: unknown }).code === 'string' ? (error as { code: string }).code : null;
}

export function errorStatus(error: unknown): number | null {
  return typeof error === 'object' && error !== null && typeof (error as { status?: unknown }).status === 'number' ? (error as { status: number }).status : null;
}
