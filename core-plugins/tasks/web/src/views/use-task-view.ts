import { isUuid, usePaca, type SavedView as SdkView } from '@paca/plugin-sdk/web';
import { computed, ref, watch } from 'vue';
import { useProjectMeta } from '../shared/project-meta.js';
import { configOf, type ViewQuery } from './board-model.js';
import { useTaskList, type ListOptions } from './task-list.js';

/**
 * What a view type (board, table) starts from: its saved view (the prop, else the slot's), the
 * project's metadata, the view's live task list (scoped to its sprint for a sprint view), its
 * config, and whether the user may change tasks through it.
 */
export function useTaskView(viewProp: () => SdkView | null | undefined, options: ListOptions = {}) {
  const ctx = usePaca();
  const projectId = computed(() => ctx.project.value?.id ?? ctx.params.value.projectId ?? '');
  const view = computed(() => (viewProp() ?? ctx.view?.value ?? null) as (SdkView & { query?: ViewQuery; read_only?: boolean }) | null);
  const viewId = ref<string | null>(isUuid(view.value?.id) ? view.value!.id : null);
  // The shell keeps the component when another view of the same type is selected.
  watch(() => view.value?.id, (id) => { viewId.value = isUuid(id) ? id : null; });
  const meta = useProjectMeta(projectId.value);
  const sprintId = computed(() => ((view.value as { view_context?: string; sprint_id?: string | null } | null)?.view_context === 'sprint' ? (view.value as { sprint_id?: string | null }).sprint_id ?? null : null));
  const list = useTaskList(projectId, viewId, sprintId, options);
  const config = computed(() => configOf(view.value));
  const canWrite = computed(() => ctx.can('tasks:write') && !view.value?.read_only);
  return { ctx, projectId, view, viewId, meta, list, config, canWrite };
}
