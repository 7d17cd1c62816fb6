import { getCurrentInstance, onUnmounted, reactive } from 'vue';
import { usePaca, type ApiClient, type RealtimeClient } from '@paca/plugin-sdk/web';
import type { CustomField, ProjectMember, TaskStatus, TaskType } from './task-types.js';

/**
 * A project's task settings — statuses (board order), types, members, custom fields — loaded
 * once per project and shared by every tasks component on the page, kept fresh by the realtime
 * events that change them. Read-only for callers: change the rows through the API and the
 * events bring them back here.
 */
export interface ProjectMeta {
  readonly projectId: string;
  statuses: TaskStatus[];
  types: TaskType[];
  members: ProjectMember[];
  customFields: CustomField[];
  /** True once the first load finished (even if a part of it was refused). */
  loaded: boolean;
  /** The last load error, if any part failed. */
  error: unknown;
  /** Reloads everything (or just some parts). */
  reload(parts?: MetaPart[]): Promise<void>;
  /** Resolves when the first load has finished. */
  ready: Promise<void>;
  status(id: string | null | undefined): TaskStatus | undefined;
  type(id: string | null | undefined): TaskType | undefined;
  member(id: string | null | undefined): ProjectMember | undefined;
  defaultStatus(): TaskStatus | undefined;
  defaultType(): TaskType | undefined;
}

export type MetaPart = 'statuses' | 'types' | 'members' | 'customFields';

interface Entry {
  meta: ProjectMeta;
  api: ApiClient;
  users: number;
  stop: Array<() => void>;
}

const cache = new Map<string, Entry>();

const PATHS: Record<MetaPart, string> = {
  statuses: 'task-statuses',
  types: 'task-types',
  members: 'members',
  customFields: 'custom-fields',
};

const EVENTS: Array<[string, MetaPart]> = [
  ['task.status.*', 'statuses'],
  ['task.type.*', 'types'],
  ['task.custom_field.*', 'customFields'],
  ['project.member.*', 'members'],
];

function createMeta(projectId: string, entry: () => Entry): ProjectMeta {
  let resolveReady!: () => void;
  const ready = new Promise<void>((resolve) => { resolveReady = resolve; });
  const meta: ProjectMeta = reactive({
    projectId,
    statuses: [] as TaskStatus[],
    types: [] as TaskType[],
    members: [] as ProjectMember[],
    customFields: [] as CustomField[],
    loaded: false,
    error: null as unknown,
    ready,
    async reload(parts: MetaPart[] = ['statuses', 'types', 'members', 'customFields']) {
      const { api } = entry();
      const base = `/projects/${encodeURIComponent(projectId)}`;
      const results = await Promise.allSettled(parts.map((part) =>
        part === 'members'
          ? api.all<ProjectMember>(`${base}/members`, { page_size: 100 }, 2000)
          : api.get<{ items: unknown[] }>(`${base}/${PATHS[part]}`).then((page) => page.items)));
      let error: unknown = null;
      results.forEach((result, index) => {
        const part = parts[index]!;
        if (result.status === 'fulfilled') (meta as unknown as Record<MetaPart, unknown[]>)[part] = result.value;
        // Members need project.members:read, which some readers lack: the board still works without names.
        else if (part !== 'members') error = result.reason;
      });
      meta.error = error;
      meta.loaded = true;
      resolveReady();
    },
    status(id: string | null | undefined) { return id ? meta.statuses.find((s) => s.id === id) : undefined; },
    type(id: string | null | undefined) { return id ? meta.types.find((t) => t.id === id) : undefined; },
    member(id: string | null | undefined) { return id ? meta.members.find((m) => m.id === id) : undefined; },
    defaultStatus() { return meta.statuses.find((s) => s.is_default) ?? meta.statuses[0]; },
    defaultType() { return meta.types.find((t) => t.is_default) ?? meta.types.find((t) => !t.is_system) ?? meta.types[0]; },
  }) as ProjectMeta;
  return meta;
}

function subscribe(entry: Entry, realtime: RealtimeClient): void {
  const { projectId } = entry.meta;
  for (const [type, part] of EVENTS) entry.stop.push(realtime.on(projectId, [type], () => { void entry.meta.reload([part]); }));
  entry.stop.push(realtime.onRefetch(projectId, () => { void entry.meta.reload(); }));
}

/**
 * The project's task settings, cached per project. Call inside a component's setup (it uses the
 * slot context's API client and socket); the cache listens to events while any component uses it.
 */
export function useProjectMeta(projectId: string): ProjectMeta {
  const { api, realtime } = usePaca();
  let entry = cache.get(projectId);
  if (!entry) {
    const created: Entry = { meta: null as unknown as ProjectMeta, api, users: 0, stop: [] };
    created.meta = createMeta(projectId, () => created);
    cache.set(projectId, created);
    entry = created;
    void entry.meta.reload();
  } else {
    entry.api = api;
  }
  const current = entry;
  if (getCurrentInstance()) {
    if (current.users === 0) subscribe(current, realtime);
    current.users += 1;
    onUnmounted(() => {
      current.users -= 1;
      if (current.users === 0) {
        current.stop.forEach((stop) => stop());
        current.stop = [];
        // Nobody watches its events any more: the next user loads it afresh.
        if (cache.get(projectId) === current) cache.delete(projectId);
      }
    });
  }
  return current.meta;
}
