import { createExtensionPoint, createServiceRef, type PrincipalRef } from '@paca/plugin-sdk';

/*
 * The tasks plugin's exported contract (D20): what sprints, agents and other plugins may
 * depend on — `import { tasksService } from '@paca/plugin-tasks'` and `requires: {tasks: …}` —
 * never its implementation.
 */

export type StatusCategory = 'backlog' | 'refinement' | 'ready' | 'todo' | 'inprogress' | 'done';

/** A task as every surface returns it (REST, events, MCP, host functions). */
export interface Task {
  id: string;
  project_id: string;
  task_number: number;
  /** `PREFIX-N`. */
  key: string;
  title: string;
  /** Markdown (D1). */
  description: string | null;
  importance: number;
  story_points: number | null;
  sprint_id: string | null;
  status_id: string;
  task_type_id: string;
  parent_task_id: string | null;
  /** Member ids (humans and agents). */
  assignee_ids: string[];
  reporter_id: string | null;
  tags: string[];
  custom_fields: Record<string, unknown>;
  start_date: string | null;
  due_date: string | null;
  assignment_mode: 'manual' | 'auto';
  version: number;
  created_by: PrincipalRef | null;
  created_at: string;
  updated_at: string;
}

/** The writable fields; in a patch, absent = unchanged and null = clear (reference 2.1). */
export interface TaskPatch {
  title?: string;
  description?: string | null;
  importance?: number;
  story_points?: number | null;
  sprint_id?: string | null;
  status_id?: string;
  task_type_id?: string;
  parent_task_id?: string | null;
  assignee_ids?: string[];
  reporter_id?: string | null;
  tags?: string[];
  custom_fields?: Record<string, unknown>;
  start_date?: string | null;
  due_date?: string | null;
  assignment_mode?: 'manual' | 'auto';
}

export interface TaskStatus {
  id: string;
  project_id: string;
  name: string;
  color: string | null;
  category: StatusCategory;
  position: number;
  is_default: boolean;
  version: number;
}

export interface TaskFilter {
  /** A sprint id, or null for the product backlog; absent = any. */
  sprintId?: string | null;
  statusIds?: string[];
  assigneeIds?: string[];
  taskTypeIds?: string[];
  parentTaskId?: string;
  /** Case-insensitive substring of the title, `#number` or the number; with `searchContent` also the description. */
  search?: string;
  searchContent?: boolean;
  cursor?: string;
  pageSize: number;
}

/**
 * Typed reads and writes for other plugins; writes record activity and emit events like the REST
 * routes. The service works on tasks' own tables through tasks' own database handle, which
 * follows whatever transaction the caller is running: a write from a caller's route commits or
 * rolls back with the caller's own changes. Callers authorise the action themselves.
 */
export interface TasksService {
  get(projectId: string, taskId: string): Promise<Task | null>;
  list(projectId: string, filter: TaskFilter): Promise<{ items: Task[]; next_cursor: string | null }>;
  /** Applies a patch as `actor` (null = system); validation, activity and `task.updated` as through PATCH. */
  update(projectId: string, taskId: string, patch: TaskPatch, actor: PrincipalRef | null): Promise<Task>;
  statuses(projectId: string): Promise<TaskStatus[]>;
  /**
   * Every task that ever held `value` in the reference field (sprint_id) since `since` —
   * live or deleted — with its values now and its recorded changes since then, oldest first.
   * What burndown charts replay backwards (D29).
   */
  history(projectId: string, query: HistoryQuery): Promise<TaskHistory[]>;
  /** Adds a saved view after the scope's last tab (seeding: backlog, timeline, each new sprint). */
  createView(projectId: string, input: ViewInput, actor: PrincipalRef | null): Promise<SavedView>;
  /** Deletes every view of a sprint (its board positions and personal configs with them); returns how many. */
  deleteSprintViews(projectId: string, sprintId: string, actor: PrincipalRef | null): Promise<number>;
}

export interface HistoryQuery {
  field: ReferenceField;
  value: string;
  since: Date;
}

/** The fields a history carries: enough to replay sprint scope, progress and estimates. */
export type HistoryField = 'sprint_id' | 'status_id' | 'story_points';

export interface TaskHistory {
  task_id: string;
  task_number: number;
  created_at: string;
  /** When it was deleted, or null while it lives. */
  deleted_at: string | null;
  current: { sprint_id: string | null; status_id: string; story_points: number | null };
  /** Changes of the history fields recorded at or after `since`, oldest first. */
  changes: Array<{ at: string; field: HistoryField; old: unknown; new: unknown }>;
}

export type ViewType = 'table' | 'board' | 'roadmap' | 'plugin';
export type ViewContext = 'sprint' | 'backlog' | 'timeline';

export type ViewInput = {
  name: string;
  view_type: ViewType;
  view_context: ViewContext;
  /** Required for the sprint context, null otherwise. */
  sprint_id: string | null;
  config: Record<string, unknown>;
};

/** A saved view as everyone sees it (reference 1.6 sprint_views). */
export type SavedView = ViewInput & {
  id: string;
  project_id: string;
  position: number;
  plugin_id: string | null;
  plugin_component: string | null;
  version: number;
  created_by: PrincipalRef | null;
  created_at: string;
  updated_at: string;
};

export const tasksService = createServiceRef<TasksService>({ id: 'tasks.service' });

/** What a referenced record looks like to tasks' readers (`get_task` context shows its name). */
export interface ReferencedRecord {
  id: string;
  name: string;
  [key: string]: unknown;
}

/**
 * The owner of a reference field (sprints for `sprint_id`): tells tasks whether an id is valid in
 * a project and what it names. Validation throws the owner's coded error. The owner reads its own
 * tables through its own kept `coreServices.db`, which follows tasks' running transaction.
 */
export interface FieldReferenceResolver {
  validate(projectId: string, id: string): Promise<void>;
  resolve(projectId: string, ids: readonly string[]): Promise<ReferencedRecord[]>;
}

/** Reference fields tasks stores but does not own. */
export type ReferenceField = 'sprint_id';

/** D20: sprints registers here; until someone does, only `null` is accepted for the field. */
export interface TaskFieldReferences {
  register(field: ReferenceField, resolver: FieldReferenceResolver): void;
}

export const taskFieldReferences = createExtensionPoint<TaskFieldReferences>({ id: 'tasks.fieldReferences' });
