import { reactive, type Ref, watch } from 'vue';
import { ApiError, usePaca, useRealtime, type RealtimeEvent } from '@paca/plugin-sdk/web';
import { generateKeyBetween } from 'fractional-indexing';
import type { Task, TaskPatch } from '../shared/task-types.js';

/** A task as a view lists it: with its manual position in that view, when it has one. */
export type ListedTask = Task & { view_position?: string | null; view_group_key?: string | null };

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
  create(fields: TaskPatch & { title: string }): Promise<ListedTask | null>;
  remove(task: ListedTask): Promise<boolean>;
  /**
   * Places the card in the view's `groupKey` between `afterId` and `beforeId` (ids of cards shown
   * next to it): optimistic; the server keeps the order (task-positions).
   */
  place(task: ListedTask, groupKey: string, ordered: ListedTask[], gate?: Promise<unknown>): Promise<void>;
}

const PAGE_SIZE = 200;

/**
 * The tasks of a project for a board or table: loaded page by page (the first page renders at
 * once), kept live from the socket, written optimistically.
 */
export function useTaskList(projectId: Ref<string>, viewId: Ref<string | null>, sprintId?: Ref<string | null>): TaskList {
  const { api, ui, can } = usePaca();
  let generation = 0;
  const base = () => `/projects/${encodeURIComponent(projectId.value)}`;

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
      try {
        do {
          const query: Record<string, string | number> = { page_size: PAGE_SIZE };
          if (viewId.value) query.view_id = viewId.value;
          // A sprint's views show that sprint's tasks only.
          if (sprintId?.value) query.sprint_id = sprintId.value;
          if (cursor) query.cursor = cursor;
          const page: { items: ListedTask[]; next_cursor: string | null } = await api.get(`${base()}/tasks`, query);
          if (mine !== generation) return;
          collected.push(...page.items);
          // Render what we have at once; the rest streams in.
          list.tasks = collected.slice();
          list.loaded = true;
          cursor = page.next_cursor;
        } while (cursor);
        list.complete = true;
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
      try {
        const created = await api.post<Task>(`${base()}/tasks`, fields);
        if (!list.byId(created.id)) list.tasks.push({ ...created });
        return list.byId(created.id) ?? null;
      } catch (error) {
        ui.error(error, 'Could not create the task');
        return null;
      }
    },
    async remove(task) {
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
      if (!current) return;
      const others = ordered.filter((t) => t.id !== task.id);
      const index = ordered.findIndex((t) => t.id === task.id);
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
      if (!row) list.tasks.push({ ...payload.task });
      else if (payload.task.version >= row.version) Object.assign(row, payload.task);
    }
  };
  useRealtime(projectId, ['task.created', 'task.updated', 'task.deleted', 'view.task_moved'], apply, () => { void list.reload(); });

  watch([projectId, viewId, () => sprintId?.value], () => { void list.reload(); }, { immediate: true });
  return list;
}
