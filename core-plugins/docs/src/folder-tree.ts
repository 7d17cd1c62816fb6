import type { PluginDb } from '@paca/plugin-sdk';
import type { FolderRow } from './folder-lookup.js';

/** Sibling order everywhere: position, then name. */
const bySiblingOrder = (a: { position: number; name: string }, b: { position: number; name: string }) =>
  a.position - b.position || a.name.localeCompare(b.name);

/**
 * The live folders of one project, loaded in one query: paths (`Specs/API`), children and
 * subtrees for lists, path-style listings, cycle checks and recursive deletes. A path is the
 * folder names and the title joined by `/` (reference 6.2); names never contain `/`.
 */
export class FolderTree {
  private readonly byId: Map<string, FolderRow>;
  private readonly byParent = new Map<string | null, FolderRow[]>();

  private constructor(rows: FolderRow[]) {
    this.byId = new Map(rows.map((row) => [row.id, row]));
    for (const row of rows) {
      const siblings = this.byParent.get(row.parent_id) ?? [];
      siblings.push(row);
      this.byParent.set(row.parent_id, siblings);
    }
    for (const siblings of this.byParent.values()) siblings.sort(bySiblingOrder);
  }

  static async load(db: PluginDb, projectId: string): Promise<FolderTree> {
    return new FolderTree((await db('doc_folders').where({ project_id: projectId }).whereNull('deleted_at')) as FolderRow[]);
  }

  get(id: string): FolderRow | undefined {
    return this.byId.get(id);
  }

  /** Every live folder, parents before their children, siblings in order. */
  all(): FolderRow[] {
    return this.descendants(null);
  }

  /** The folder's path, '' for the root. */
  pathOf(folderId: string | null): string {
    const names: string[] = [];
    for (let folder = folderId ? this.byId.get(folderId) : undefined; folder; folder = folder.parent_id ? this.byId.get(folder.parent_id) : undefined) {
      names.unshift(folder.name);
    }
    return names.join('/');
  }

  /** A document's path: its folder's path and its title. */
  docPath(folderId: string | null, title: string): string {
    const folder = this.pathOf(folderId);
    return folder ? `${folder}/${title}` : title;
  }

  /** The folders directly in `parentId` (null = the root), in sibling order. */
  children(parentId: string | null): readonly FolderRow[] {
    return this.byParent.get(parentId) ?? [];
  }

  /** The folders below `folderId` (null = the root), depth-first, the folder itself left out. */
  descendants(folderId: string | null): FolderRow[] {
    return this.children(folderId).flatMap((child) => [child, ...this.descendants(child.id)]);
  }

  /** Whether `folderId` is `ancestorId` or lies below it. */
  isWithin(folderId: string, ancestorId: string): boolean {
    for (let id: string | null = folderId; id; id = this.byId.get(id)?.parent_id ?? null) {
      if (id === ancestorId) return true;
    }
    return false;
  }
}
