import { inject, type ComputedRef, type InjectionKey, type Ref } from 'vue';
import type { ApiClient } from './api-client.js';

/**
 * What a slot component receives from the shell (DESIGN 6). Plugins never import the shell: they
 * `usePaca()` and talk to the kernel, the socket and the user through this context, so a
 * third-party plugin and a first-party one see exactly the same surface.
 */
export interface SlotContext {
  /** REST client for `/api/v1`: unwraps envelopes, throws `ApiError` with the API's code, message and request id. */
  api: ApiClient;
  /** Live events of the current project (and the user's own room) from the socket. */
  realtime: RealtimeClient;
  ui: UiServices;
  /** The signed-in user, or null when browsing a public project anonymously. */
  user: Ref<CurrentUser | null>;
  /** The project whose frame renders the slot (null in workspace and admin slots). */
  project: Ref<ProjectSummary | null>;
  /** The task whose detail renders a `task.detail.section` slot. */
  task: Ref<TaskSummary | null>;
  /** Actions the caller holds in `project` (workspace-wide ones outside a project). */
  actions: Ref<ReadonlySet<string>>;
  can(action: string): boolean;
  /** The slot declaration being rendered (label, slug, view type…). */
  slot: SlotDeclaration;
  /** For `project.view`: the saved view being shown, with its merged settings. */
  view?: Ref<SavedView | null>;
  /** Route params of the page the slot renders in (`projectId`, `taskId`, `docId`, plugin sub-path…). */
  params: ComputedRef<Record<string, string>>;
}

export interface CurrentUser {
  id: string;
  username: string;
  full_name: string;
  email?: string | null;
  avatar_url?: string | null;
  must_change_password: boolean;
}

export interface ProjectSummary {
  id: string;
  name: string;
  description: string;
  task_id_prefix: string;
  is_public: boolean;
  version: number;
  settings: Record<string, unknown>;
}

export interface TaskSummary {
  id: string;
  key?: string;
  task_number?: number;
  title: string;
  project_id: string;
  version?: number;
  [field: string]: unknown;
}

export interface SlotDeclaration {
  plugin_id: string;
  slot: string;
  component: string;
  label?: string;
  icon?: string;
  order: number;
  required_action?: string;
  view_type?: string;
  slug?: string;
}

export interface SavedView {
  id: string;
  name: string;
  view_type: string;
  settings: Record<string, unknown>;
  [field: string]: unknown;
}

/** A realtime event as the kernel sends it (D26). */
export interface RealtimeEvent<P = Record<string, unknown>> {
  id: string;
  type: string;
  project_id: string | null;
  project_seq: number | null;
  payload: P;
  actor: { type: string; id: string } | null;
  origin: string | null;
  occurred_at: string;
}

export type ConnectionState = 'connecting' | 'connected' | 'reconnecting' | 'offline';

export interface RealtimeClient {
  state: Ref<ConnectionState>;
  /**
   * Calls `handler` for each event whose type matches one of `types` (exact, or a prefix ending
   * in `.*` such as `task.*`) in `projectId` (null: user and workspace events). Joins the project
   * room while anyone listens. Returns the unsubscribe function; components should call it in
   * `onUnmounted` (or use `useRealtime`, which does).
   */
  on<P = Record<string, unknown>>(projectId: string | null, types: string[], handler: (event: RealtimeEvent<P>) => void): () => void;
  /** Called after a reconnect the server could not replay (`refetch`): reload what you show. */
  onRefetch(projectId: string, handler: () => void): () => void;
}

export interface ToastOptions {
  kind?: 'info' | 'success' | 'error';
  title: string;
  description?: string;
  /** Shown small under the message, for error reports. */
  requestId?: string;
  action?: { label: string; run: () => void };
}

export interface ConfirmOptions {
  title: string;
  description?: string;
  confirmLabel?: string;
  destructive?: boolean;
}

export interface UiServices {
  toast(options: ToastOptions): void;
  /** Toasts an error: an `ApiError` shows the API's message and request id. */
  error(error: unknown, title?: string): void;
  confirm(options: ConfirmOptions): Promise<boolean>;
  navigate(to: string): void;
  /** Opens a task in the drawer (keeps the current page) by id or `PREFIX-N`. */
  openTask(projectId: string, task: string): void;
  /** Registers commands in the palette (Mod+K) while the component lives. Returns the remover. */
  registerCommands(commands: PaletteCommand[]): () => void;
  /** Registers a keyboard shortcut (`Mod+Enter`, `Mod+ArrowRight`…) guarded while typing. Returns the remover. */
  registerShortcut(shortcut: ShortcutBinding): () => void;
}

export interface PaletteCommand {
  id: string;
  title: string;
  group?: string;
  hint?: string;
  keywords?: string[];
  run: () => void;
}

export interface ShortcutBinding {
  keys: string;
  description: string;
  /** Runs even while an input has focus (e.g. Mod+S in an editor). */
  whileTyping?: boolean;
  run: (event: KeyboardEvent) => void;
}

export const PACA_CONTEXT: InjectionKey<SlotContext> = Symbol('paca.slot-context');

export function usePaca(): SlotContext {
  const context = inject(PACA_CONTEXT, null);
  if (!context) throw new Error('usePaca() called outside a Paca slot');
  return context;
}
