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
}

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
