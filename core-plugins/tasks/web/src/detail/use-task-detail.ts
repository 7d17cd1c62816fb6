import { ref, shallowRef } from 'vue';
import type { ApiClient, UiServices } from '@paca/plugin-sdk/web';
import type { Task, TaskPatch } from '../shared/task-types.js';
import { errorCode, errorStatus, fetchTaskByRef, taskPath } from './detail-api.js';

export type LoadState = 'loading' | 'ready' | 'not-found' | 'forbidden' | 'deleted' | 'error';
/** How a write ended: saved, refused because someone else changed the same field (theirs is shown), or failed (rolled back, toasted). */
export type WriteResult = 'saved' | 'conflict' | 'failed';

export const CONFLICT_MESSAGE = 'This task was changed by someone else. Their version is shown — make your change again if it still applies.';

type WritableField = Exclude<keyof TaskPatch, 'version'>;

const same = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

/** The patch applied over a task, as the server would (custom fields merge, null clears). */
function applyPatch(task: Task, patch: TaskPatch): Task {
  const { custom_fields: custom, version: _version, ...fields } = patch;
  const next = { ...task, ...fields } as Task;
  if (custom) {
    const merged = { ...task.custom_fields, ...custom };
    for (const [key, value] of Object.entries(custom)) if (value === null) delete merged[key];
    next.custom_fields = merged;
  }
  return next;
}

/** Whether someone else changed a field this patch writes, between `base` and `latest`. */
function clashes(patch: TaskPatch, base: Task, latest: Task): boolean {
  return (Object.keys(patch) as WritableField[]).some((field) => {
    if (field === 'custom_fields') return Object.keys(patch.custom_fields ?? {}).some((key) => !same(base.custom_fields[key], latest.custom_fields[key]));
    return !same(base[field], latest[field]);
  });
}

/**
 * One task's state in the detail: loads it by id or key, and writes fields optimistically — the
 * shown task changes at once, writes go out one at a time with the version they build on (D4),
 * a refusal rolls the field back with a toast. A 409 `TASK_VERSION_CONFLICT` reloads theirs: when
 * the other change touched different fields the write is replayed on top, otherwise theirs wins
 * and `conflict` explains.
 */
export function useTaskDetail(api: ApiClient, ui: UiServices) {
  const task = shallowRef<Task | null>(null);
  const state = ref<LoadState>('loading');
  const loadError = shallowRef<unknown>(null);
  const conflict = ref<string | null>(null);
  const saving = ref(0);
  let projectId = '';
  let server: Task | null = null;
  const pending: TaskPatch[] = [];
  let queue: Promise<unknown> = Promise.resolve();

  const overlay = () => { task.value = server ? pending.reduce(applyPatch, server) : null; };

  /** Takes the server's task unless it is older than what we hold. */
  function applyServer(latest: Task) {
    if (server && latest.id === server.id && latest.version < server.version) return;
    server = latest;
    overlay();
  }

  /**
   * Loads the task named by `ref`. With a `preview` (the task as the view that opened it holds it)
   * the task shows at once and the API's copy replaces it when it arrives.
   */
  async function load(project: string, ref: string, preview: Task | null = null) {
    projectId = project;
    conflict.value = null;
    server = null;
    pending.length = 0;
    if (preview) {
      applyServer(preview);
      state.value = 'ready';
    } else state.value = 'loading';
    try {
      const loaded = await fetchTaskByRef(api, project, ref);
      // Another task was opened meanwhile (the cast: TS keeps `server` narrowed to null across the await).
      if (preview && (server as Task | null)?.id !== preview.id) return;
      applyServer(loaded);
      state.value = 'ready';
    } catch (error) {
      loadError.value = error;
      const status = errorStatus(error);
      if (preview && status === 404) { state.value = 'deleted'; return; }
      state.value = status === 404 ? 'not-found' : status === 403 ? 'forbidden' : 'error';
    }
  }

  async function refresh() {
    if (!server) return;
    try {
      applyServer(await api.get<Task>(taskPath(projectId, server.id)));
    } catch (error) {
      if (errorStatus(error) === 404) state.value = 'deleted';
    }
  }

  async function send(patch: TaskPatch, retried = false): Promise<WriteResult> {
    const base = server!;
    try {
      applyServer(await api.patch<Task>(taskPath(projectId, base.id), { ...patch, version: base.version }));
      return 'saved';
    } catch (error) {
      if (errorCode(error) === 'TASK_VERSION_CONFLICT') {
        const latest = await api.get<Task>(taskPath(projectId, base.id)).catch(() => null);
        if (latest) {
          server = latest;
          if (!retried && !clashes(patch, base, latest)) return send(patch, true);
        }
        conflict.value = CONFLICT_MESSAGE;
        ui.toast({ kind: 'error', title: 'Changed by someone else', description: 'Their version is shown.' });
        return 'conflict';
      }
      if (errorStatus(error) === 404) state.value = 'deleted';
      ui.error(error, 'Could not save the change');
      return 'failed';
    }
  }

  /** Shows `patch` at once and saves it after the writes before it; resolves with how it ended. */
  function update(patch: TaskPatch): Promise<WriteResult> {
    if (!server) return Promise.resolve('failed');
    pending.push(patch);
    overlay();
    saving.value++;
    const run = queue.then(() => send(patch)).finally(() => {
      pending.splice(pending.indexOf(patch), 1);
      saving.value--;
      overlay();
    });
    queue = run.catch(() => undefined);
    return run;
  }

  return {
    task, state, loadError, conflict, saving,
    load, refresh, update, applyServer,
    /** The last task the server confirmed. */
    confirmed: () => server,
  };
}

export type TaskDetailState = ReturnType<typeof useTaskDetail>;
