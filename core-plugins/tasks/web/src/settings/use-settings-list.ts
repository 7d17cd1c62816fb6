import { usePaca, useRealtime } from '@paca/plugin-sdk/web';
import { computed, nextTick, onMounted, ref, type Ref } from 'vue';
import { apiError, message, reportWriteError } from './common.js';

export interface SettingsListOptions<T> {
  /** The collection under the project, e.g. `task-statuses`. */
  path: string;
  /** The action that allows changing the list. */
  permission: string;
  /** Socket event types that reload the list (debounced). */
  events: string[];
  /** Orders a loaded list; the API's order when absent. */
  sort?: (a: T, b: T) => number;
}

/**
 * One project settings list (statuses, task types, custom fields): loads it on mount, reloads it
 * when the socket says it changed (or reconnects), and patches rows optimistically — a refusal
 * rolls the row back, a 409 reloads theirs.
 */
export function useSettingsList<T extends { id: string; version: number }>(options: SettingsListOptions<T>) {
  const ctx = usePaca();
  const projectId = computed(() => ctx.project.value?.id ?? null);
  const canWrite = computed(() => ctx.can(options.permission));
  const base = () => `/projects/${projectId.value}/${options.path}`;

  const items = ref([]) as Ref<T[]>;
  const loading = ref(true);
  const loadError = ref<string | null>(null);
  async function load() {
    if (!projectId.value) return;
    try {
      const loaded = await ctx.api.all<T>(base(), { page_size: 100 });
      items.value = options.sort ? loaded.sort(options.sort) : loaded;
      loadError.value = null;
    } catch (error) {
      loadError.value = message(error);
    } finally {
      loading.value = false;
    }
  }
  onMounted(load);
  let reloadTimer: ReturnType<typeof setTimeout> | undefined;
  useRealtime(projectId, options.events, () => { clearTimeout(reloadTimer); reloadTimer = setTimeout(load, 150); }, load);

  /** Optimistic PATCH with the row's version; rolled back on refusal, the list reloaded on a 409. */
  async function update(item: T, changes: Partial<T>, errorTitle: string) {
    const before = { ...item };
    Object.assign(item, changes);
    try {
      Object.assign(item, await ctx.api.patch<T>(`${base()}/${item.id}`, { ...changes, version: before.version }));
    } catch (error) {
      Object.assign(item, before);
      reportWriteError(ctx, error, errorTitle);
      if (apiError(error)?.status === 409) await load();
    }
  }

  return { ctx, projectId, canWrite, base, items, loading, loadError, load, update };
}

type Row = { id: string; name: string; is_default: boolean; version: number };

/**
 * What statuses and task types add to their list: renaming a row inline (the input is the one
 * marked `data-rename="<id>"`) and making a row the default (optimistic, then reloaded).
 */
export function useNamedDefaultRows<T extends Row>(
  list: ReturnType<typeof useSettingsList<T>>,
  options: { canRename: (item: T) => boolean; renameErrorTitle: string; defaultErrorTitle: string },
) {
  const { ctx, base, items, load, update } = list;

  const renaming = ref<string | null>(null);
  const renameText = ref('');
  async function startRename(item: T) {
    if (!options.canRename(item)) return;
    renaming.value = item.id;
    renameText.value = item.name;
    await nextTick();
    (document.querySelector(`[data-rename="${item.id}"]`) as HTMLInputElement | null)?.select();
  }
  function commitRename(item: T) {
    if (renaming.value !== item.id) return;
    renaming.value = null;
    const name = renameText.value.trim();
    if (name && name !== item.name) void update(item, { name } as Partial<T>, options.renameErrorTitle);
  }

  async function setDefault(item: T) {
    const previous = items.value.find((x) => x.is_default);
    items.value.forEach((x) => { x.is_default = x.id === item.id; });
    try {
      await ctx.api.put(`${base()}/${item.id}/set-default`);
      await load();
    } catch (error) {
      items.value.forEach((x) => { x.is_default = x.id === previous?.id; });
      reportWriteError(ctx, error, options.defaultErrorTitle);
    }
  }

  return { renaming, renameText, startRename, commitRename, setDefault };
}
