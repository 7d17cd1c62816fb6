import type { ApiClient, UiServices } from '@paca/plugin-sdk/web';
import { computed, reactive, ref } from 'vue';
import { docsPath, errorCode, type DocSummary, type DocView, type FolderView, type TreeItem } from './types.js';

export type TreeRow =
  | { kind: 'folder'; folder: FolderView; depth: number; expanded: boolean; count: number }
  | { kind: 'doc'; doc: DocSummary; depth: number }
  | { kind: 'new-folder'; parentId: string | null; depth: number };

const byPosition = <T extends { position: number }>(label: (t: T) => string) => (a: T, b: T) =>
  a.position - b.position || label(a).localeCompare(label(b), undefined, { sensitivity: 'base', numeric: true });

/**
 * The project's folders and documents (no bodies) and the writes the tree makes: create, rename,
 * move (optimistic, rolled back with a toast when refused) and delete.
 */
export function useDocsTree(api: ApiClient, ui: UiServices, projectId: () => string) {
  const folders = ref<FolderView[]>([]);
  const docs = ref<DocSummary[]>([]);
  const loaded = ref(false);
  const expanded = reactive(new Set<string>());
  /** Where an inline "new folder" input shows. */
  const creatingFolder = ref<{ parentId: string | null } | null>(null);
  const storageKey = () => `paca.docs.expanded.${projectId()}`;

  try {
    for (const id of JSON.parse(localStorage.getItem(storageKey()) ?? '[]') as string[]) expanded.add(id);
  } catch { /* no storage: start collapsed */ }
  const persistExpanded = () => { try { localStorage.setItem(storageKey(), JSON.stringify([...expanded])); } catch { /* ignore */ } };

  let loading: Promise<void> | null = null;
  async function load(): Promise<void> {
    loading ??= (async () => {
      try {
        const tree = await api.get<{ items: TreeItem[] }>(docsPath(projectId(), '/tree'));
        folders.value = tree.items.filter((i): i is { type: 'folder' } & FolderView => i.type === 'folder');
        docs.value = tree.items.filter((i): i is { type: 'doc' } & DocSummary => i.type === 'doc');
        loaded.value = true;
      } finally {
        loading = null;
      }
    })();
    return loading;
  }

  const childFolders = (parentId: string | null) => folders.value.filter((f) => f.parent_id === parentId).sort(byPosition((f) => f.name));
  const childDocs = (folderId: string | null) => docs.value.filter((d) => d.folder_id === folderId).sort(byPosition((d) => d.title));
  const countIn = (folderId: string): number => childFolders(folderId).reduce((n, f) => n + 1 + countIn(f.id), 0) + childDocs(folderId).length;

  const rows = computed<TreeRow[]>(() => {
    const out: TreeRow[] = [];
    const walk = (parentId: string | null, depth: number) => {
      if (creatingFolder.value && creatingFolder.value.parentId === parentId) out.push({ kind: 'new-folder', parentId, depth });
      for (const folder of childFolders(parentId)) {
        const open = expanded.has(folder.id);
        out.push({ kind: 'folder', folder, depth, expanded: open, count: countIn(folder.id) });
        if (open) walk(folder.id, depth + 1);
      }
      for (const doc of childDocs(parentId)) out.push({ kind: 'doc', doc, depth });
    };
    walk(null, 0);
    return out;
  });

  function toggle(folderId: string, open = !expanded.has(folderId)) {
    if (open) expanded.add(folderId);
    else expanded.delete(folderId);
    persistExpanded();
  }

  /** Opens every folder above a document or folder so it shows in the tree. */
  function reveal(folderId: string | null) {
    let id = folderId;
    while (id) {
      expanded.add(id);
      id = folders.value.find((f) => f.id === id)?.parent_id ?? null;
    }
    persistExpanded();
  }

  /** Whether `folderId` is `ancestorId` or below it (a folder cannot move into itself). */
  function isWithin(folderId: string | null, ancestorId: string): boolean {
    let id = folderId;
    while (id) {
      if (id === ancestorId) return true;
      id = folders.value.find((f) => f.id === id)?.parent_id ?? null;
    }
    return false;
  }

  async function createFolder(name: string, parentId: string | null): Promise<FolderView> {
    const folder = await api.post<FolderView>(docsPath(projectId(), '/folders'), { name, parent_id: parentId });
    folders.value = [...folders.value.filter((f) => f.id !== folder.id), folder];
    if (parentId) reveal(parentId);
    return folder;
  }

  async function createDoc(folderId: string | null): Promise<DocView> {
    const doc = await api.post<DocView>(docsPath(projectId()), { title: 'Untitled', content: '', folder_id: folderId });
    upsertDoc(doc);
    reveal(folderId);
    return doc;
  }

  function upsertDoc(doc: DocSummary) {
    const { content: _content, ...summary } = doc as DocView;
    docs.value = [...docs.value.filter((d) => d.id !== doc.id), summary];
  }

  async function renameFolder(folder: FolderView, name: string): Promise<void> {
    const saved = await api.patch<FolderView>(docsPath(projectId(), `/folders/${folder.id}`), { name, version: folder.version });
    folders.value = folders.value.map((f) => (f.id === saved.id ? saved : f));
    // Paths below it changed.
    void load();
  }

  async function renameDoc(doc: DocSummary, title: string): Promise<DocView> {
    const saved = await api.patch<DocView>(docsPath(projectId(), `/${doc.id}`), { title, version: doc.version });
    upsertDoc(saved);
    return saved;
  }

  /** Moves a document into a folder (null: the root), at once; rolls back with a toast when refused. */
  async function moveDoc(doc: DocSummary, folderId: string | null): Promise<DocView | null> {
    if (doc.folder_id === folderId) return null;
    const before = docs.value;
    docs.value = docs.value.map((d) => (d.id === doc.id ? { ...d, folder_id: folderId } : d));
    reveal(folderId);
    try {
      const saved = await api.patch<DocView>(docsPath(projectId(), `/${doc.id}`), { folder_id: folderId, version: doc.version });
      upsertDoc(saved);
      return saved;
    } catch (error) {
      docs.value = before;
      ui.error(error, errorCode(error) === 'DOC_TITLE_TAKEN' ? 'That folder already has a doc with this title' : 'Could not move the doc');
      return null;
    }
  }

  async function moveFolder(folder: FolderView, parentId: string | null): Promise<void> {
    if (folder.parent_id === parentId || folder.id === parentId) return;
    if (parentId && isWithin(parentId, folder.id)) {
      ui.toast({ kind: 'error', title: 'A folder cannot move into one of its own subfolders' });
      return;
    }
    const before = folders.value;
    folders.value = folders.value.map((f) => (f.id === folder.id ? { ...f, parent_id: parentId } : f));
    reveal(parentId);
    try {
      await api.patch<FolderView>(docsPath(projectId(), `/folders/${folder.id}`), { parent_id: parentId, version: folder.version });
      await load();
    } catch (error) {
      folders.value = before;
      ui.error(error, errorCode(error) === 'DOC_FOLDER_NAME_TAKEN' ? 'That folder already has a folder with this name' : 'Could not move the folder');
    }
  }

  async function deleteDoc(doc: DocSummary): Promise<boolean> {
    const ok = await ui.confirm({ title: `Delete “${doc.title}”?`, description: 'The doc, its history and its comments are deleted.', confirmLabel: 'Delete doc', destructive: true });
    if (!ok) return false;
    const before = docs.value;
    docs.value = docs.value.filter((d) => d.id !== doc.id);
    try {
      await api.delete(docsPath(projectId(), `/${doc.id}`));
      return true;
    } catch (error) {
      docs.value = before;
      ui.error(error, 'Could not delete the doc');
      return false;
    }
  }

  /** Deletes a folder after a confirm that says what goes with it; returns the ids of the documents deleted. */
  async function deleteFolder(folder: FolderView): Promise<string[] | null> {
    const inside = countIn(folder.id);
    const ok = await ui.confirm({
      title: `Delete the folder “${folder.name}”?`,
      description: inside ? `Everything inside goes with it: ${inside} ${inside === 1 ? 'item' : 'items'}.` : 'The folder is empty.',
      confirmLabel: 'Delete folder',
      destructive: true,
    });
    if (!ok) return null;
    const removedFolders = new Set([folder.id, ...folders.value.filter((f) => isWithin(f.id, folder.id)).map((f) => f.id)]);
    const removedDocs = docs.value.filter((d) => d.folder_id && removedFolders.has(d.folder_id)).map((d) => d.id);
    const before = { folders: folders.value, docs: docs.value };
    folders.value = folders.value.filter((f) => !removedFolders.has(f.id));
    docs.value = docs.value.filter((d) => !removedDocs.includes(d.id));
    try {
      await api.delete(docsPath(projectId(), `/folders/${folder.id}`), { query: { recursive: inside > 0 } });
      return removedDocs;
    } catch (error) {
      folders.value = before.folders;
      docs.value = before.docs;
      ui.error(error, 'Could not delete the folder');
      return null;
    }
  }

  return {
    folders, docs, loaded, expanded, creatingFolder, rows, load, toggle, reveal, isWithin,
    createFolder, createDoc, upsertDoc, renameFolder, renameDoc, moveDoc, moveFolder, deleteDoc, deleteFolder,
  };
}

export type DocsTree = ReturnType<typeof useDocsTree>;
