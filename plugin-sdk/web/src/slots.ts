import { defineComponent, h, inject, type Component, type InjectionKey, type PropType } from 'vue';
import type { SavedView, TaskSummary } from './context.js';

/**
 * Plugins render other plugins' slots (the tasks detail shows `task.detail.section`, the views
 * page shows each `project.view`) through `<SlotOutlet>`; the shell provides the renderer, so a
 * plugin never needs to know who fills a slot or how its module is loaded.
 */
export interface SlotRenderer {
  /** Renders every contribution to `slot` (or the one whose `view_type`/`slug` matches `match`). */
  outlet: Component;
}

export const PACA_SLOT_RENDERER: InjectionKey<SlotRenderer> = Symbol('paca.slot-renderer');

export const SlotOutlet = defineComponent({
  name: 'SlotOutlet',
  props: {
    name: { type: String, required: true },
    /** For `project.view`: only the contribution with this view type. */
    viewType: { type: String, default: undefined },
    task: { type: Object as PropType<TaskSummary | null>, default: null },
    view: { type: Object as PropType<SavedView | null>, default: null },
  },
  setup(props) {
    const renderer = inject(PACA_SLOT_RENDERER, null);
    return () => (renderer ? h(renderer.outlet, { ...props }) : null);
  },
});
