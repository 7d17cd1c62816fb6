import { onActivated, onDeactivated, onUnmounted, watch, type Ref } from 'vue';
import { usePaca, type PaletteCommand, type RealtimeEvent, type ShortcutBinding } from './context.js';

/** Subscribes to live events of a project for the component's lifetime (re-subscribes when the project changes). */
export function useRealtime<P = Record<string, unknown>>(
  projectId: Ref<string | null | undefined> | string | null,
  types: string[],
  handler: (event: RealtimeEvent<P>) => void,
  onRefetch?: () => void,
): void {
  const { realtime } = usePaca();
  let stop: Array<() => void> = [];
  const subscribe = (id: string | null | undefined) => {
    stop.forEach((s) => s());
    stop = [];
    if (id === undefined) return;
    stop.push(realtime.on<P>(id, types, handler));
    if (id && onRefetch) stop.push(realtime.onRefetch(id, onRefetch));
  };
  if (typeof projectId === 'object' && projectId !== null) watch(projectId, subscribe, { immediate: true });
  else subscribe(projectId);
  onUnmounted(() => stop.forEach((s) => s()));
}

/**
 * Holds a registration while the component is on screen: from setup to unmount, and released
 * while a `<KeepAlive>` keeps the component hidden (a cached view must not answer keys or offer
 * its commands), taken again when it is shown.
 */
function whileShown(register: () => () => void): void {
  let release: (() => void) | null = register();
  const drop = () => { release?.(); release = null; };
  onActivated(() => { release ??= register(); });
  onDeactivated(drop);
  onUnmounted(drop);
}

/** Keyboard shortcuts while the component is shown. */
export function useShortcuts(bindings: ShortcutBinding[]): void {
  const { ui } = usePaca();
  whileShown(() => {
    const removers = bindings.map((binding) => ui.registerShortcut(binding));
    return () => removers.forEach((remove) => remove());
  });
}

/** Command palette entries while the component is shown. */
export function useCommands(commands: PaletteCommand[] | (() => PaletteCommand[])): void {
  const { ui } = usePaca();
  whileShown(() => ui.registerCommands(typeof commands === 'function' ? commands() : commands));
}
