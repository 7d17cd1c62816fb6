import { onScopeDispose, reactive, type Ref, watch } from 'vue';
import { ApiError, usePaca, useRealtime, type RealtimeEvent } from '@paca/plugin-sdk/web';
import { generateKeyBetween } from 'fractional-indexing';
import type { Task, TaskPatch } from '../shared/task-types.js';

/** A task as a view lists it: with its manual position in that view, when it has one. */
export type ListedTask = Task & {
  view_position?: string | null;
  view_group_key?: string | null;
  /** A card shown before the API created it (no real id yet: not openable, movable or editable). */
  pending?: boolean;
};

export interface TaskList {
  tasks: ListedTask[];
  /** The first page arrived. */
  loaded: boolean;
  /** Every page arrived. */
  complete: boolean;
  error: unknown;
  reload(): Promise<void>;
  byId(id: string): ListedTask | undefined;
  /** Optimistic PATCH (with `version`); rolls back and toasts on refusal. Resolves to the saved task or null. */
  update(task: ListedTask, patch: TaskPatch, options?: { silent?: boolean }): Promise<ListedTask | null>;
  /** Shows the new task at once (pending, after every other card) and resolves to the created one, or null. */
  create(fields: TaskPatch & { title: string }): Promise<ListedTask | null>;
  remove(task: ListedTask): Promise<boolean>;
  /**
   * Places the card in the view's `groupKey` between `afterId` and `beforeId` (ids of cards shown
   * next to it): optimistic; the server keeps the order (task-positions).
   */
  place(task: ListedTask, groupKey: string, ordered: ListedTask[], gate?: Promise<unknown>): Promise<void>;
}

const PAGE_SIZE = 200;

export interface ListOptions {
  /**
   * Start from the tasks another live, complete list of the same project (and sprint) holds —
   * without its card order — while this view's own pages load. For views that do not use the
   * per-view manual order (the table): switching to one shows rows at once.
   */
  seedFromProject?: boolean;
}

/** The last complete list per project and sprint, kept live by its view while that view lives. */
const liveLists = new Map<string, TaskList>();

type Page = { items: ListedTask[]; next_cursor: string | null };
const firstPages = new Map<string, { at: number; page: Promise<Page> }>();
const firstPageKey = (projectId: string, viewId: string | null) => `${projectId}|${viewId ?? ''}`;
const firstPageQuery = (viewId: string | null): Record<string, string | number> => ({ page_size: PAGE_SIZE, ...(viewId ? { view_id: viewId } : {}) });

/**
 * Starts loading the first page of a project view's tasks before the view component mounts (the
 * tasks page knows the view as soon as its views arrive; the board would ask only after rendering
 * its frame). The list takes it if it asks within a few seconds, else fetches its own.
 */
export function prefetchFirstPage(api: { get<T>(path: string, query?: Record<string, unknown>): Promise<T> }, projectId: string, viewId: string | null): void {
  const key = firstPageKey(projectId, viewId);
  if (firstPages.has(key)) return;
  const page = api.get<Page>(`/projects/${encodeURIComponent(projectId)}/tasks`, firstPageQuery(viewId));
  page.catch(() => firstPages.delete(key));
  firstPages.set(key, { at: performance.now(), page });
}
function takeFirstPage(projectId: string, viewId: string | null): Promise<Page> | null {
  const key = firstPageKey(projectId, viewId);
  const held = firstPages.get(key);
  firstPages.delete(key);
  return held && performance.now() - held.at < 5000 ? held.page : null;
}

/** The card a new task shows as until the API answers: last in its column, dimmed. */
function pendingTask(projectId: string, fields: TaskPatch & { title: string }, sprintId: string | null): ListedTask {
  const now = new Date().toISOString();
  return {
    id: `pending-${Math.random().toString(36).slice(2)}`, project_id: projectId, task_number: Number.MAX_SAFE_INTEGER, key: '…',
    description: null, importance: 0, story_points: null, sprint_id: sprintId, status_id: '', task_type_id: '', parent_task_id: null,
    assignee_ids: [], reporter_id: null, tags: [], custom_fields: {}, start_date: null, due_date: null, assignment_mode: 'manual',
    version: 0, created_by: null, created_at: now, updated_at: now, ...fields, pending: true,
  } as ListedTask;
}

/**
 * The tasks of a project for a board or table: loaded page by page (the first page renders at
 * once), kept live from the socket, written optimistically.
 */
export function useTaskList(projectId: Ref<string>, viewId: Ref<string | null>, sprintId?: Ref<string | null>, options: ListOptions = {}): TaskList {
  const { api, ui, can } = usePaca();
  let generation = 0;
  const base = () => `/projects/${encodeURIComponent(projectId.value)}`;
  const scope = () => `${projectId.value}|${sprintId?.value ?? ''}`;
  let creates: Promise<unknown> = Promise.resolve();

  const list: TaskList = reactive({
    tasks: [] as ListedTask[],
    loaded: false,
    complete: false,
    error: null as unknown,
    async reload() {
      const mine = ++generation;
      list.error = null;
      list.complete = false;
      let cursor: string | null = null;
      const collected: ListedTask[] = [];
      let shownAt = 0;
      const seed = options.seedFromProject && !list.loaded ? liveLists.get(scope()) : undefined;
      const seeded = !!seed && seed !== list && seed.complete;
      if (seeded) {
        list.tasks = seed.tasks.filter((t) => !t.pending).map((t) => ({ ...t, view_position: null, view_group_key: null }));
        list.loaded = true;
        shownAt = performance.now();
      }
      try {
        do {
          const query = firstPageQuery(viewId.value);
          // A sprint's views show that sprint's tasks only.
          if (sprintId?.value) query.sprint_id = sprintId.value;
          if (cursor) query.cursor = cursor;
          const prefetched = !cursor && !sprintId?.value ? takeFirstPage(projectId.value, viewId.value) : null;
          const page: Page = await (prefetched ?? api.get<Page>(`${base()}/tasks`, query));
          if (mine !== generation) return;
          collected.push(...page.items);
          cursor = page.next_cursor;
          // The first page renders at once. The rest is shown at most once a second while it
          // streams in, and once at the end: every render of a long board is a long task.
          // A seeded list keeps its seed until its own pages are all in.
          if (!list.loaded || !cursor || (!seeded && performance.now() - shownAt > 1000)) {
            list.tasks = collected.slice();
            list.loaded = true;
            shownAt = performance.now();
          }
        } while (cursor);
        list.complete = true;
        liveLists.set(scope(), list);
      } catch (error) {
        if (mine !== generation) return;
        list.error = error;
        list.loaded = true;
        // A view deleted under us: fall back to the plain list.
        if (error instanceof ApiError && error.code === 'VIEW_NOT_FOUND' && viewId.value) { viewId.value = null; return; }
        ui.error(error, 'Could not load tasks');
      }
    },
    byId(id: string) { return list.tasks.find((t) => t.id === id); },
    async update(task, patch, options = {}) {
      if (task.pending) return null;
      const current = list.byId(task.id) ?? task;
      const before = { ...current };
      Object.assign(current, patch);
      try {
        const saved = await api.patch<Task>(`${base()}/tasks/${task.id}`, { ...patch, version: before.version });
        const now = list.byId(task.id);
        if (now) Object.assign(now, saved);
        return now ?? null;
      } catch (error) {
        const now = list.byId(task.id);
        if (error instanceof ApiError && error.status === 409) {
          ui.toast({ kind: 'error', title: `${before.key} was changed by someone else`, description: 'Showing their version.', requestId: error.requestId ?? undefined });
          try {
            const theirs = await api.get<Task>(`${base()}/tasks/${task.id}`);
            if (now) Object.assign(now, theirs);
          } catch { if (now) Object.assign(now, before); }
        } else {
          if (now) Object.assign(now, before);
          if (!options.silent) ui.error(error, `Could not update ${before.key}`);
        }
        return null;
      }
    },
    async create(fields) {
      const placeholder = pendingTask(projectId.value, fields, sprintId?.value ?? null);
      list.tasks.push(placeholder);
      const held = () => list.tasks.find((t) => t.id === placeholder.id);
      // Tasks typed in quick succession are sent one after another, so they are numbered and
      // placed in the order typed (concurrent POSTs could commit in any order).
      const post = creates.then(() => api.post<Task>(`${base()}/tasks`, fields));
      creates = post.catch(() => undefined);
      try {
        const created = await post;
        const row = held();
        const index = row ? list.tasks.indexOf(row) : -1;
        // The socket may have delivered it first; otherwise it takes the placeholder's place.
        if (list.byId(created.id)) { if (index >= 0) list.tasks.splice(index, 1); }
        else if (index >= 0) list.tasks.splice(index, 1, { ...created });
        else list.tasks.push({ ...created });
        return list.byId(created.id) ?? null;
      } catch (error) {
        const row = held();
        if (row) list.tasks.splice(list.tasks.indexOf(row), 1);
        ui.error(error, 'Could not create the task');
        return null;
      }
    },
    async remove(task) {
      if (task.pending) return false;
      const index = list.tasks.findIndex((t) => t.id === task.id);
      if (index < 0) return false;
      const [removed] = list.tasks.splice(index, 1);
      try {
        await api.delete(`${base()}/tasks/${task.id}`);
        ui.toast({ kind: 'success', title: `Deleted ${task.key}` });
        return true;
      } catch (error) {
        if (!list.byId(removed!.id)) list.tasks.splice(Math.min(index, list.tasks.length), 0, removed!);
        ui.error(error, `Could not delete ${task.key}`);
        return false;
      }
    },
    async place(task, groupKey, ordered, gate) {
      const view = viewId.value;
      if (!view || !can('views:write')) return;
      const current = list.byId(task.id);
      if (!current || current.pending) return;
      // Cards still being created have no id the server knows: they take no part in the order.
      const placed = ordered.filter((t) => !t.pending);
      const others = placed.filter((t) => t.id !== task.id);
      const index = placed.findIndex((t) => t.id === task.id);
      // Cards with a position in this group come first, in position order; the rest follow.
      const positioned = others.filter((t) => t.view_group_key === groupKey && t.view_position).length;
      const old = { group: current.view_group_key, position: current.view_position };
      const url = `${base()}/views/${view}/task-positions`;
      const restore = () => { current.view_group_key = old.group; current.view_position = old.position; };
      try {
        if (index <= positioned) {
          const after = index > 0 ? others[index - 1]! : null;
          const before = index < positioned ? others[index]! : null;
          current.view_group_key = groupKey;
          current.view_position = generateKeyBetween(after?.view_position ?? null, before?.view_position ?? null);
          // A refused field change (the card's column) rolls the order back without a second toast.
          if (gate && (await gate) === null) { restore(); return; }
          const saved = await api.put<{ position: string; group_key: string }>(`${url}/${task.id}`,
            { group_key: groupKey, after_task_id: after?.id ?? null, before_task_id: before?.id ?? null });
          current.view_position = saved.position;
        } else {
          // Give the unplaced cards above it a position first, so the card lands where it was dropped.
          const unplaced = others.slice(positioned, index).slice(-199);
          const chain = [...unplaced, current];
          let previous: ListedTask | null = unplaced.length === index - positioned && positioned > 0 ? others[positioned - 1]! : null;
          const items = chain.map((t) => {
            const item = { task_id: t.id, group_key: groupKey, after_task_id: previous?.id ?? null };
            previous = t;
            return item;
          });
          let key: string | null = others[positioned - 1]?.view_position ?? null;
          const olds = chain.map((t) => ({ t, group: t.view_group_key, position: t.view_position }));
          for (const t of chain) { key = generateKeyBetween(key, null); t.view_group_key = groupKey; t.view_position = key; }
          if (gate && (await gate) === null) { for (const o of olds) { o.t.view_group_key = o.group; o.t.view_position = o.position; } return; }
          const saved = await api.put<{ items: Array<{ task_id: string; position: string; group_key: string }> }>(url, { items });
          for (const position of saved.items) {
            const row = list.byId(position.task_id);
            if (row) { row.view_group_key = position.group_key; row.view_position = position.position; }
          }
        }
      } catch (error) {
        restore();
        ui.error(error, 'Could not save the card order');
      }
    },
  }) as TaskList;

  const apply = (event: RealtimeEvent) => {
    const payload = event.payload as { task_id?: string; task?: Task; view_id?: string; group_key?: string; position?: string };
    if (event.type === 'view.task_moved') {
      if (payload.view_id !== viewId.value) return;
      const row = payload.task_id ? list.byId(payload.task_id) : undefined;
      if (row) { row.view_group_key = payload.group_key ?? null; row.view_position = payload.position ?? null; }
      return;
    }
    if (event.type === 'task.deleted') {
      const index = list.tasks.findIndex((t) => t.id === payload.task_id);
      if (index >= 0) list.tasks.splice(index, 1);
      return;
    }
    if ((event.type === 'task.created' || event.type === 'task.updated') && payload.task) {
      const row = list.byId(payload.task.id);
      // In a sprint's view, a task that leaves the sprint leaves the view (and others stay out).
      const outside = !!sprintId?.value && (payload.task as { sprint_id?: string | null }).sprint_id !== sprintId.value;
      if (outside) {
        if (row) list.tasks.splice(list.tasks.indexOf(row), 1);
        return;
      }
      if (!row) {
        // Our own new task, delivered before its POST answered: it takes its placeholder's place.
        const placeholder = event.type === 'task.created' ? list.tasks.findIndex((t) => t.pending && t.title === payload.task!.title) : -1;
        if (placeholder >= 0) list.tasks.splice(placeholder, 1, { ...payload.task });
        else list.tasks.push({ ...payload.task });
      } else if (payload.task.version >= row.version) Object.assign(row, payload.task);
    }
  };
  useRealtime(projectId, ['task.created', 'task.updated', 'task.deleted', 'view.task_moved'], apply, () => { void list.reload(); });

  watch([projectId, viewId, () => sprintId?.value], () => { void list.reload(); }, { immediate: true });
  onScopeDispose(() => { for (const [key, held] of liveLists) if (held === list) liveLists.delete(key); });
  return list;
}
