import { computed, ref, type Ref } from 'vue';
// From the built module, as the components under test use it: one copy of the injection key
// and of ApiError (so `instanceof ApiError` holds in plugin code under test).
import { createApiClient, PACA_CONTEXT } from '@paca/plugin-sdk/web';
import type { PaletteCommand, ProjectSummary, RealtimeEvent, SavedView, ShortcutBinding, SlotContext, SlotDeclaration, TaskSummary, ToastOptions } from './context.js';

export interface TestSlotContext extends SlotContext {
  toasts: ToastOptions[];
  navigations: string[];
  openedTasks: Array<{ projectId: string; task: string }>;
  commands: PaletteCommand[];
  shortcuts: ShortcutBinding[];
  /** Delivers an event to the component's realtime subscriptions, as the socket would. */
  emit(event: Partial<RealtimeEvent> & { type: string }): void;
  /** Answers the next `confirm()` calls with this value (default true). */
  confirmAnswer: boolean;
}

/**
 * A slot context for component tests: a real API client against a test kernel (the token rides
 * an Authorization header instead of the browser's cookie) and recorded UI effects.
 */
export function createTestSlotContext(options: {
  baseUrl: string;
  token?: string | null;
  project?: ProjectSummary | null;
  task?: TaskSummary | null;
  view?: SavedView | null;
  actions?: string[];
  slot?: Partial<SlotDeclaration>;
  params?: Record<string, string>;
}): TestSlotContext {
  const token = options.token ?? null;
  // Under happy-dom the page's origin is the kernel's, as it is for the real shell (same-origin fetch).
  (globalThis as { happyDOM?: { setURL(url: string): void } }).happyDOM?.setURL(options.baseUrl);
  const api = createApiClient({
    baseUrl: `${options.baseUrl.replace(/\/+$/, '')}/api/v1`,
    fetch: (input, init) => fetch(input, { ...init, headers: { ...(init?.headers as Record<string, string>), ...(token ? { authorization: `Bearer ${token}` } : {}) } }),
  });
  const listeners = new Set<{ projectId: string | null; types: string[]; handler: (event: RealtimeEvent) => void }>();
  const matches = (types: string[], type: string) => types.some((t) => t === type || (t.endsWith('.*') && type.startsWith(t.slice(0, -1))));
  const actions = ref<ReadonlySet<string>>(new Set(options.actions ?? []));
  const context: TestSlotContext = {
    api,
    realtime: {
      state: ref('connected'),
      on(projectId, types, handler) {
        const entry = { projectId, types, handler: handler as (event: RealtimeEvent) => void };
        listeners.add(entry);
        return () => listeners.delete(entry);
      },
      onRefetch: () => () => undefined,
    },
    ui: {
      toast: (toast) => context.toasts.push(toast),
      error: (error, title) => context.toasts.push({ kind: 'error', title: title ?? (error as Error).message, description: (error as Error).message }),
      confirm: async () => context.confirmAnswer,
      navigate: (to) => context.navigations.push(to),
      openTask: (projectId, task) => context.openedTasks.push({ projectId, task }),
      // Like the shell's: what a component registers is there until it lets go.
      registerCommands: (commands) => {
        context.commands.push(...commands);
        return () => { context.commands = context.commands.filter((c) => !commands.includes(c)); };
      },
      registerShortcut: (shortcut) => {
        context.shortcuts.push(shortcut);
        return () => { context.shortcuts = context.shortcuts.filter((s) => s !== shortcut); };
      },
    },
    user: ref(null),
    project: ref(options.project ?? null) as Ref<ProjectSummary | null>,
    task: ref(options.task ?? null) as Ref<TaskSummary | null>,
    view: ref(options.view ?? null) as Ref<SavedView | null>,
    actions,
    can: (action) => actions.value.has(action),
    slot: { plugin_id: 'test', slot: 'project.view', component: 'Test', order: 100, ...options.slot },
    params: computed(() => options.params ?? {}),
    toasts: [],
    navigations: [],
    openedTasks: [],
    commands: [],
    shortcuts: [],
    confirmAnswer: true,
    emit(partial) {
      const event: RealtimeEvent = {
        id: partial.id ?? crypto.randomUUID(), type: partial.type, project_id: partial.project_id ?? options.project?.id ?? null,
        project_seq: partial.project_seq ?? null, payload: partial.payload ?? {}, actor: partial.actor ?? null,
        origin: partial.origin ?? null, occurred_at: partial.occurred_at ?? new Date().toISOString(),
      };
      for (const listener of listeners) {
        if ((listener.projectId === null || listener.projectId === event.project_id) && matches(listener.types, event.type)) listener.handler(event);
      }
    },
  };
  return context;
}

/** `mount(Component, withSlotContext(context))`: provides the context the way the shell does. */
export function withSlotContext(context: SlotContext, extra: { props?: Record<string, unknown>; attachTo?: Element } = {}) {
  return { ...extra, global: { provide: { [PACA_CONTEXT as symbol]: context } } };
}
