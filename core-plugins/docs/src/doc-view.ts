import type { PrincipalRef } from '@paca/plugin-sdk';
import type { DocRow } from './doc-lookup.js';
import type { FolderRow } from './folder-lookup.js';
import type { FolderTree } from './folder-tree.js';

/** A stored author pair as the API shows it. */
export const authorOf = (type: 'user' | 'agent' | null, id: string | null): PrincipalRef | null => (type && id ? { type, id } : null);
/** The stored author pair of a principal. */
export const authorColumns = (role: 'created_by' | 'updated_by', principal: PrincipalRef | null) =>
  ({ [`${role}_type`]: principal?.type ?? null, [`${role}_id`]: principal?.id ?? null });
/** RFC 3339, whatever the driver returned (Date or string). */
export const timestamp = (value: Date | string): string => new Date(value).toISOString();

/** A document in lists: everything but the body. */
export interface DocSummary {
  id: string;
  project_id: string;
  folder_id: string | null;
  title: string;
  /** Folder names and title joined by `/` (reference 6.2). */
  path: string;
  position: number;
  version: number;
  /** The latest snapshot (D30). */
  snapshot_number: number;
  created_by: PrincipalRef | null;
  updated_by: PrincipalRef | null;
  created_at: string;
  updated_at: string;
}

/** A document with its Markdown body (D1). */
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
  created_by: PrincipalRef | null;
  created_at: string;
  updated_at: string;
}

export function docSummary(row: Omit<DocRow, 'content'>, tree: FolderTree): DocSummary {
  return {
    id: row.id,
    project_id: row.project_id,
    folder_id: row.folder_id,
    title: row.title,
    path: tree.docPath(row.folder_id, row.title),
    position: row.position,
    version: row.version,
    snapshot_number: row.snapshot_number,
    created_by: authorOf(row.created_by_type, row.created_by_id),
    updated_by: authorOf(row.updated_by_type, row.updated_by_id),
    created_at: timestamp(row.created_at),
    updated_at: timestamp(row.updated_at),
  };
}

export const docView = (row: DocRow, tree: FolderTree): DocView => ({ ...docSummary(row, tree), content: row.content });

export function folderView(row: FolderRow, tree: FolderTree): FolderView {
  return {
    id: row.id,
    project_id: row.project_id,
    parent_id: row.parent_id,
    name: row.name,
    path: tree.pathOf(row.id),
    position: row.position,
    version: row.version,
    created_by: authorOf(row.created_by_type, row.created_by_id),
    created_at: timestamp(row.created_at),
    updated_at: timestamp(row.updated_at),
  };
}
