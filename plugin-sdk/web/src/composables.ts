import { onUnmounted, type Ref, watch } from 'vue';
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

/** Keyboard shortcuts for the component's lifetime. */
export function useShortcuts(bindings: ShortcutBinding[]): void {
  const { ui } = usePaca();
  const removers = bindings.map((binding) => ui.registerShortcut(binding));
  onUnmounted(() => removers.forEach((remove) => remove()));
}

/** Command palette entries for the component's lifetime. */
export function useCommands(commands: PaletteCommand[] | (() => PaletteCommand[])): void {
  const { ui } = usePaca();
  const remove = ui.registerCommands(typeof commands === 'function' ? commands() : commands);
  onUnmounted(remove);
}
