import type { ConfirmOptions, PaletteCommand, ShortcutBinding, ToastOptions } from '@paca/plugin-sdk/web';
import { ApiError } from '@paca/plugin-sdk/web';
import { defineStore } from 'pinia';
import { ref, shallowRef } from 'vue';

export interface Toast extends ToastOptions {
  id: number;
}

/** Toasts, the confirm dialog, keyboard shortcuts and palette commands: the `ui` of every slot. */
export const useUi = defineStore('shell.ui', () => {
  const toasts = ref<Toast[]>([]);
  const confirmation = ref<(ConfirmOptions & { resolve: (ok: boolean) => void }) | null>(null);
  const shortcuts = shallowRef<ShortcutBinding[]>([]);
  const commands = shallowRef<PaletteCommand[]>([]);
  const paletteOpen = ref(false);
  const helpOpen = ref(false);
  let nextId = 1;

  function toast(options: ToastOptions): void {
    const id = nextId++;
    toasts.value = [...toasts.value.slice(-3), { ...options, id }];
    setTimeout(() => dismiss(id), options.kind === 'error' ? 8000 : 4000);
  }
  function dismiss(id: number): void {
    toasts.value = toasts.value.filter((t) => t.id !== id);
  }
  function error(failure: unknown, title?: string): void {
    if (failure instanceof ApiError) {
      toast({ kind: 'error', title: title ?? failure.message, ...(title ? { description: failure.message } : {}), ...(failure.requestId ? { requestId: failure.requestId } : {}) });
    } else {
      toast({ kind: 'error', title: title ?? 'Something went wrong', description: failure instanceof Error ? failure.message : String(failure) });
    }
  }
  function confirm(options: ConfirmOptions): Promise<boolean> {
    confirmation.value?.resolve(false);
    return new Promise((resolve) => { confirmation.value = { ...options, resolve }; });
  }
  function answer(ok: boolean): void {
    confirmation.value?.resolve(ok);
    confirmation.value = null;
  }
  function registerShortcut(binding: ShortcutBinding): () => void {
    shortcuts.value = [...shortcuts.value, binding];
    return () => { shortcuts.value = shortcuts.value.filter((b) => b !== binding); };
  }
  function registerCommands(list: PaletteCommand[]): () => void {
    commands.value = [...commands.value, ...list];
    return () => { commands.value = commands.value.filter((c) => !list.includes(c)); };
  }
  return { toasts, confirmation, shortcuts, commands, paletteOpen, helpOpen, toast, dismiss, error, confirm, answer, registerShortcut, registerCommands };
});
