import { inject, type ComputedRef, type InjectionKey, type Ref } from 'vue';
import type { ProjectMeta } from '../shared/project-meta.js';
import type { Task } from '../shared/task-types.js';
import type { NameResolver } from './activity-format.js';
import type { Sprint } from './detail-api.js';
import type { TaskDetailState } from './use-task-detail.js';

/** What the task detail's parts share: the task state, the project's settings, names and rights. */
export interface DetailContext {
  projectId: ComputedRef<string>;
  detail: TaskDetailState;
  /** The shown task (never null inside the ready detail). */
  task: ComputedRef<Task>;
  meta: ProjectMeta;
  sprints: Ref<Sprint[]>;
  /** False when the sprints plugin is off or unreadable: the sprint row hides. */
  sprintsAvailable: Ref<boolean>;
  names: NameResolver;
  /** Remembers a task's key for activity lines (parents, links, subtasks). */
  rememberTask(id: string, key: string): void;
  /** Tasks that may become this task's parent (epics, or any non-subtask for a subtask). */
  parentCandidates: Ref<Array<{ id: string; key: string; title: string }>>;
  canWrite: ComputedRef<boolean>;
  /** Asks the feed to reload (after a write or an event). */
  activityChanged(): void;
}

export const DETAIL: InjectionKey<DetailContext> = Symbol('tasks.detail');

export function useDetail(): DetailContext {
  const context = inject(DETAIL, null);
  if (!context) throw new Error('useDetail() outside TaskDetail');
  return context;
}
