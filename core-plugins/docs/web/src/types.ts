import type { PrincipalRefLike } from './members.js';

/** The docs plugin's API shapes (core-plugins/docs/src/doc-view.ts, snapshots.ts, doc-search.ts). */
export interface DocSummary {
  id: string;
  project_id: string;
  folder_id: string | null;
  title: string;
  path: string;
  position: number;
  version: number;
  snapshot_number: number;
  created_by: PrincipalRefLike | null;
  updated_by: PrincipalRefLike | null;
  created_at: string;
  updated_at: string;
}

export interface DocView extends DocSummary {
  content: string;
}

export interface FolderView {
  id: string;
  project_id: string;
  parent_id: string | null;
  name: string;
  path: string;
  position: number;
  version: number;
  created_at: string;
  updated_at: string;
}

export type TreeItem = ({ type: 'folder' } & FolderView) | ({ type: 'doc' } & DocSummary);

export interface SnapshotSummary {
  document_id: string;
  snapshot_number: number;
  title: string;
  restored_from: number | null;
  created_by: PrincipalRefLike | null;
  created_at: string;
  updated_at: string;
}

export interface SnapshotView extends SnapshotSummary {
  content: string;
}

export interface DiffHunk {
  old_start: number;
  old_lines: number;
  new_start: number;
  new_lines: number;
  lines: string[];
}

export interface SnapshotDiff {
  from: number;
  to: number;
  title?: { old: string; new: string };
  hunks: DiffHunk[];
}

export interface SearchHit {
  id: string;
  title: string;
  path: string;
  folder_id: string | null;
  matched_in: 'title' | 'content';
  snippet: string;
}

export interface ActivityEntry {
  id: string;
  actor: { type: 'user' | 'agent'; id: string; username: string | null; full_name: string | null } | null;
  activity_type: string;
  content: Record<string, unknown>;
  created_at: string;
  updated_at: string | null;
}

export const docsPath = (projectId: string, rest = '') => `/projects/${projectId}/docs${rest}`;

export type SaveStatus = 'saved' | 'dirty' | 'saving' | 'error' | 'conflict';

/**
 * The API's error code of a refusal. Read structurally rather than with `instanceof ApiError`: a
 * client built from another copy of the SDK (tests) throws an equal-shaped error of another class.
 */
export const errorCode = (error: unknown): string | null =>
  (typeof error === 'object' && error !== null && typeof (error as { code?: unknown }).code === 'string' ? (error as { code: string }).code : null);
export const errorStatus = (error: unknown): number | null =>
  (typeof error === 'object' && error !== null && typeof (error as { status?: unknown }).status === 'number' ? (error as { status: number }).status : null);

/**
 * A document answers with an ETag and no Cache-Control; ask for a revalidation so a cache never
 * hands back the version we are replacing (happy-dom keeps ETag'd responses fresh forever).
 */
export const REVALIDATE = { headers: { 'cache-control': 'no-cache' } };
