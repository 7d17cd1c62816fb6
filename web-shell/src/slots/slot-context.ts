import type { ProjectSummary, SavedView, SlotContext, SlotDeclaration, TaskSummary } from '@paca/plugin-sdk/web';
import { computed, type Ref } from 'vue';
import type { Router } from 'vue-router';
import { api } from '../lib/api.js';
import { realtime } from '../lib/realtime.js';
import { useSession } from '../stores/session.js';
import { useUi } from '../stores/ui.js';

/** Builds the context a slot component receives (DESIGN 6): the same for first- and third-party plugins. */
export function createSlotContext(options: {
  router: Router;
  slot: SlotDeclaration;
  project: Ref<ProjectSummary | null>;
  task: Ref<TaskSummary | null>;
  view: Ref<SavedView | null>;
  actions: Ref<ReadonlySet<string>>;
  params: Ref<Record<string, string>>;
}): SlotContext {
  const session = useSession();
  const ui = useUi();
  const { router } = options;
  return {
    api,
    realtime,
    ui: {
      toast: ui.toast,
      error: ui.error,
      confirm: ui.confirm,
      navigate: (to) => void router.push(to),
      openTask: (projectId, task) => {
        const current = router.currentRoute.value;
        if (current.params.projectId === projectId && current.name !== 'task') void router.push({ query: { ...current.query, task } });
        else void router.push(`/projects/${projectId}/tasks/${encodeURIComponent(task)}`);
      },
      registerCommands: ui.registerCommands,
      registerShortcut: ui.registerShortcut,
    },
    user: computed(() => session.user) as SlotContext['user'],
    project: options.project,
    task: options.task,
    view: options.view,
    actions: options.actions,
    can: (action) => options.actions.value.has(action),
    slot: options.slot,
    params: computed(() => options.params.value),
  };
}
