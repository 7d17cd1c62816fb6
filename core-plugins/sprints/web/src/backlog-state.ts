import { ApiError, type ApiClient, type UiServices } from '@paca/plugin-sdk/web';
import { computed, reactive, ref } from 'vue';
import { BACKLOG_KEY, loadProjectMeta, manualOrder, sprintOrder, sprintsPath, type ProjectMeta, type Sprint, type Task, type View } from './model.js';

/*
 * The backlog page's state: the open sprints (active and planned) and the product backlog, each a
 * group of tasks in the backlog view's manual order. Moves are optimistic: the lists change at
 * once, the API calls follow, and a refusal puts every list back as it was with an error toast.
 */

export interface Group {
  key: string;
  sprint: Sprint | null;
  tasks: Task[];
}

type Snapshot = Record<string, Task[]>;

const BULK_LIMIT = 200;

export function createBacklogState(api: ApiClient, ui: UiServices, projectId: () => string) {
  const sprints = ref<Sprint[]>([]);
  const lists = reactive<Record<string, Task[]>>({ [BACKLOG_KEY]: [] });
  const meta = ref<ProjectMeta | null>(null);
  const backlogView = ref<View | null>(null);
  const loading = ref(true);
  const loadError = ref<unknown>(null);
  /** Writes in flight: live reloads wait until they settle, so an echo never undoes an optimistic change. */
  const pending = ref(0);
  let reloadQueued = false;

  const groups = computed<Group[]>(() => [
    ...sprints.value.map((sprint) => ({ key: sprint.id, sprint, tasks: lists[sprint.id] ?? [] })),
    { key: BACKLOG_KEY, sprint: null, tasks: lists[BACKLOG_KEY] ?? [] },
  ]);

  async function load(): Promise<void> {
    const pid = projectId();
    try {
      const [open, projectMeta, views] = await Promise.all([
        api.all<Sprint>(sprintsPath(pid), { status: 'planned,active', page_size: 200 }),
        meta.value ? Promise.resolve(meta.value) : loadProjectMeta(api, pid),
        api.get<{ items: View[] }>(`/projects/${pid}/views`, { context: 'backlog' }).catch(() => ({ items: [] as View[] })),
      ]);
      const view = views.items.find((v) => v.view_type === 'table') ?? views.items[0] ?? null;
      const viewQuery = view ? { view_id: view.id } : {};
      const sorted = [...open].sort(sprintOrder);
      const [backlog, inSprints] = await Promise.all([
        api.all<Task>(`/projects/${pid}/tasks`, { sprint_id: 'null', page_size: 200, ...viewQuery }),
        sorted.length === 0 ? Promise.resolve([] as Task[])
          : api.all<Task>(`/projects/${pid}/tasks`, { sprint_ids: sorted.slice(0, 100).map((s) => s.id), page_size: 200, ...viewQuery }),
      ]);
      if (pid !== projectId()) return;
      const next: Snapshot = { [BACKLOG_KEY]: manualOrder(backlog, BACKLOG_KEY) };
      for (const sprint of sorted) next[sprint.id] = manualOrder(inSprints.filter((t) => t.sprint_id === sprint.id), sprint.id);
      for (const key of Object.keys(lists)) if (!(key in next)) delete lists[key];
      Object.assign(lists, next);
      sprints.value = sorted;
      meta.value = projectMeta;
      backlogView.value = view;
      loadError.value = null;
    } catch (error) {
      loadError.value = error;
    } finally {
      loading.value = false;
    }
  }

  /** A live event arrived: reload, once the writes in flight have settled. */
  function refresh(): void {
    if (pending.value > 0) {
      reloadQueued = true;
      return;
    }
    void load();
  }

  /** Holds live reloads (a drag in progress, a write in flight); the returned function lets them run again. */
  function hold(): () => void {
    pending.value++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      pending.value--;
      if (pending.value === 0 && reloadQueued) {
        reloadQueued = false;
        void load();
      }
    };
  }

  async function write<T>(run: () => Promise<T>): Promise<T> {
    const release = hold();
    try {
      return await run();
    } finally {
      release();
    }
  }

  const snapshot = (): Snapshot => Object.fromEntries(Object.entries(lists).map(([k, v]) => [k, [...v]]));
  const restore = (saved: Snapshot) => {
    for (const key of Object.keys(lists)) if (!(key in saved)) delete lists[key];
    Object.assign(lists, saved);
  };

  function findTask(taskId: string): { key: string; index: number; task: Task } | null {
    for (const [key, list] of Object.entries(lists)) {
      const index = list.findIndex((t) => t.id === taskId);
      if (index >= 0) return { key, index, task: list[index]! };
    }
    return null;
  }

  /**
   * Persists a move the lists already show (a drop, or `moveTask` below): the sprint assignment
   * when the group changed, then the place in the backlog view. `before` is the lists as they were.
   */
  async function persistMove(taskId: string, fromKey: string, before: Snapshot): Promise<boolean> {
    const found = findTask(taskId);
    if (!found) return false;
    const { key: toKey, task } = found;
    const pid = projectId();
    const previousSprint = task.sprint_id;
    try {
      await write(async () => {
        if (toKey !== fromKey) {
          task.sprint_id = toKey === BACKLOG_KEY ? null : toKey;
          if (toKey === BACKLOG_KEY) await api.post(`/projects/${pid}/product-backlog/tasks`, { task_ids: [taskId] });
          else await api.post(`${sprintsPath(pid)}/${toKey}/tasks`, { task_ids: [taskId] });
        }
        await placeInView(toKey);
      });
      return true;
    } catch (error) {
      task.sprint_id = previousSprint;
      restore(before);
      ui.error(error, error instanceof ApiError && error.status === 409 ? `${task.key} changed elsewhere — reloaded` : `Could not move ${task.key}`);
      if (error instanceof ApiError && error.status === 409) void load();
      return false;
    }

    /** Writes the group's order into the backlog view: one move when its neighbours are placed, else the whole group once. */
    async function placeInView(key: string): Promise<void> {
      const view = backlogView.value;
      if (!view) return;
      const list = lists[key] ?? [];
      const index = list.findIndex((t) => t.id === taskId);
      if (index < 0) return;
      const prev = list[index - 1];
      const next = list[index + 1];
      const placed = (t: Task | undefined) => !t || (t.view_group_key === key && !!t.view_position);
      const base = `/projects/${pid}/views/${view.id}/task-positions`;
      if (placed(prev) && placed(next)) {
        const position = await api.put<{ position: string; group_key: string }>(`${base}/${taskId}`, {
          group_key: key, after_task_id: prev?.id ?? null, before_task_id: next?.id ?? null,
        });
        Object.assign(list[index]!, { view_position: position.position, view_group_key: position.group_key });
        return;
      }
      const items = list.map((t, i) => ({ task_id: t.id, group_key: key, after_task_id: i === 0 ? null : list[i - 1]!.id }));
      for (let start = 0; start < items.length; start += BULK_LIMIT) {
        const result = await api.put<{ items: Array<{ task_id: string; position: string; group_key: string }> }>(base, { items: items.slice(start, start + BULK_LIMIT) });
        for (const position of result.items) {
          const row = list.find((t) => t.id === position.task_id);
          if (row) Object.assign(row, { view_position: position.position, view_group_key: position.group_key });
        }
      }
    }
  }

  /** Moves a task to `index` of group `toKey` (keyboard and menu moves), optimistically. */
  async function moveTask(taskId: string, toKey: string, index: number): Promise<boolean> {
    const found = findTask(taskId);
    if (!found || !(toKey in lists)) return false;
    const before = snapshot();
    lists[found.key]!.splice(found.index, 1);
    const target = lists[toKey]!;
    target.splice(Math.max(0, Math.min(index, target.length)), 0, found.task);
    return persistMove(taskId, found.key, before);
  }

  /** Mod+Arrow: one place up or down; past a group's edge the task goes to the neighbouring group. */
  function moveBy(taskId: string, delta: -1 | 1): Promise<boolean> {
    const found = findTask(taskId);
    if (!found) return Promise.resolve(false);
    const keys = groups.value.map((g) => g.key);
    const list = lists[found.key]!;
    const index = found.index + delta;
    if (index >= 0 && index < list.length) return moveTask(taskId, found.key, delta > 0 ? index : index);
    const neighbour = keys[keys.indexOf(found.key) + delta];
    if (!neighbour) return Promise.resolve(false);
    return moveTask(taskId, neighbour, delta > 0 ? 0 : lists[neighbour]!.length);
  }

  async function createSprint(): Promise<Sprint | null> {
    try {
      const sprint = await write(() => api.post<Sprint>(sprintsPath(projectId())));
      if (!sprints.value.some((s) => s.id === sprint.id)) {
        lists[sprint.id] = [];
        sprints.value = [...sprints.value, sprint].sort(sprintOrder);
      }
      return sprint;
    } catch (error) {
      ui.error(error, 'Could not create the sprint');
      return null;
    }
  }

  async function deleteSprint(sprint: Sprint): Promise<void> {
    const before = snapshot();
    const beforeSprints = sprints.value;
    const moved = lists[sprint.id] ?? [];
    lists[BACKLOG_KEY] = [...moved.map((t) => ({ ...t, sprint_id: null })), ...(lists[BACKLOG_KEY] ?? [])];
    delete lists[sprint.id];
    sprints.value = sprints.value.filter((s) => s.id !== sprint.id);
    try {
      await write(() => api.delete(`${sprintsPath(projectId())}/${sprint.id}`));
      void load();
    } catch (error) {
      restore(before);
      sprints.value = beforeSprints;
      ui.error(error, `Could not delete ${sprint.name}`);
    }
  }

  /** Inline add: the task appears at the group's end at once (as a placeholder) and is replaced by the created one. */
  async function addTask(key: string, title: string): Promise<Task | null> {
    const list = lists[key];
    if (!list) return null;
    const placeholder: Task = {
      id: `pending-${Math.random().toString(36).slice(2)}`, key: '…', task_number: Number.MAX_SAFE_INTEGER, title, importance: 0,
      story_points: null, sprint_id: key === BACKLOG_KEY ? null : key, status_id: '', task_type_id: '', assignee_ids: [], version: 0,
    };
    list.push(placeholder);
    try {
      const created = await write(() => api.post<Task>(`/projects/${projectId()}/tasks`, { title, ...(key === BACKLOG_KEY ? {} : { sprint_id: key }) }));
      const at = lists[key]?.findIndex((t) => t.id === placeholder.id) ?? -1;
      const already = lists[key]?.some((t) => t.id === created.id);
      if (at >= 0) lists[key]!.splice(at, 1, ...(already ? [] : [created]));
      return created;
    } catch (error) {
      const at = lists[key]?.findIndex((t) => t.id === placeholder.id) ?? -1;
      if (at >= 0) lists[key]!.splice(at, 1);
      ui.error(error, 'Could not create the task');
      return null;
    }
  }

  return {
    sprints, lists, groups, meta, backlogView, loading, loadError, pending,
    load, refresh, hold, snapshot, persistMove, moveTask, moveBy, createSprint, deleteSprint, addTask, write,
  };
}

export type BacklogState = ReturnType<typeof createBacklogState>;
