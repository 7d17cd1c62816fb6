import type { ListScope, PluginDb, PrincipalRef, ProjectMember } from '@paca/plugin-sdk';
import type { Task, TaskPatch } from '../contract.js';
import { validateCustomFieldWrite } from '../custom-field-values.js';
import { invalid, TaskParentInvalid, TaskReferenceInvalid } from '../errors.js';
import type { TasksContext } from '../plugin-context.js';
import { isUuid } from '../task-lookup.js';
import { inScope } from '../task-scope.js';
import { checkParent, type SystemKind } from './task-parent-rules.js';

/** Everything a client writes on a task, fully resolved: what the row and its assignees will hold. */
export type TaskFields = Required<Omit<TaskPatch, 'custom_fields'>> & { custom_fields: Record<string, unknown> };

/** The fields a change record tracks (D27), in the order changes are listed. */
export const TRACKED_FIELDS = [
  'title', 'description', 'importance', 'story_points', 'sprint_id', 'status_id', 'task_type_id', 'parent_task_id',
  'assignee_ids', 'reporter_id', 'tags', 'custom_fields', 'start_date', 'due_date', 'assignment_mode',
] as const satisfies ReadonlyArray<keyof TaskFields>;

export const fieldsOf = (task: Task): TaskFields => Object.fromEntries(TRACKED_FIELDS.map((f) => [f, task[f]])) as TaskFields;

const ID_FIELDS = ['sprint_id', 'status_id', 'task_type_id', 'parent_task_id', 'reporter_id'] as const;

/**
 * The patch with its ids in the one spelling the database returns. PostgreSQL reads `ABC…` and
 * `abc…` as the same uuid, but fields are compared, recorded (D27) and reverted as text: an
 * upper-case id of the current value must not count as a change.
 */
function withCanonicalIds(patch: TaskPatch): TaskPatch {
  const canonical: TaskPatch = { ...patch };
  for (const field of ID_FIELDS) {
    const id = patch[field];
    if (typeof id === 'string') canonical[field] = id.toLowerCase();
  }
  if (patch.assignee_ids) canonical.assignee_ids = patch.assignee_ids.map((id) => id.toLowerCase());
  return canonical;
}

export interface ResolvedFields {
  fields: TaskFields;
  /** Members that were not assigned before, for the assignment triggers. */
  addedAssignees: ProjectMember[];
}

/**
 * The task's fields after applying `patch` to `current` (null when creating: defaults first),
 * every reference checked against the project: 422 `TASK_REFERENCE_INVALID` naming the field,
 * `TASK_PARENT_INVALID`, `CUSTOM_FIELD_*`, or `VALIDATION_FAILED` for dates.
 */
export async function resolveFields(ctx: TasksContext, db: PluginDb, input: {
  projectId: string; taskId: string | null; current: TaskFields | null; patch: TaskPatch; actor: PrincipalRef | null;
  /** D15: the tasks the caller may read; a new parent must be one of them. Absent = all (internal callers). */
  scope?: ListScope;
}): Promise<ResolvedFields> {
  const { projectId, current } = input;
  const patch = withCanonicalIds(input.patch);
  const has = (field: keyof TaskPatch) => patch[field] !== undefined;
  const fields: TaskFields = current ? { ...current } : await defaults(ctx, db, projectId, input.actor);
  for (const field of TRACKED_FIELDS) {
    if (field !== 'custom_fields' && patch[field] !== undefined) (fields as Record<string, unknown>)[field] = patch[field];
  }

  if (fields.title.trim() === '') throw invalid('title', 'must not be blank');
  if (has('status_id') && fields.status_id !== current?.status_id) await requireRow(db, 'task_statuses', projectId, 'status_id', fields.status_id);
  const typeChanged = fields.task_type_id !== current?.task_type_id;
  if (typeChanged || fields.parent_task_id !== current?.parent_task_id) {
    // A task the caller may not read is, for them, not a task at all (as for link targets).
    if (fields.parent_task_id !== null && fields.parent_task_id !== current?.parent_task_id && input.scope && !inScope(input.scope, fields.parent_task_id)) {
      throw TaskParentInvalid({ reason: 'the parent is not a task of this project' });
    }
    const type = await requireRow(db, 'task_types', projectId, 'task_type_id', fields.task_type_id, ['system_kind']);
    await checkParent(db, { projectId, taskId: input.taskId, kind: type.system_kind as SystemKind, parentId: fields.parent_task_id, kindChanged: typeChanged });
  }
  if (fields.sprint_id !== (current?.sprint_id ?? null)) await ctx.references.validate(projectId, 'sprint_id', fields.sprint_id);
  if (fields.start_date !== null && fields.due_date !== null && fields.start_date > fields.due_date) {
    throw invalid(has('due_date') ? 'due_date' : 'start_date', 'the start date must not be after the due date');
  }

  if (fields.reporter_id !== null && fields.reporter_id !== current?.reporter_id) {
    await requireMembers(ctx, db, projectId, 'reporter_id', [fields.reporter_id]);
  }
  fields.assignee_ids = [...new Set(fields.assignee_ids)].sort();
  const before = new Set(current?.assignee_ids ?? []);
  const addedAssignees = await requireMembers(ctx, db, projectId, 'assignee_ids', fields.assignee_ids.filter((id) => !before.has(id)));

  // A patch merges per key, null removes one; a create also checks that required fields are given.
  if (patch.custom_fields !== undefined || !current) {
    const accepted = await validateCustomFieldWrite(db, projectId, patch.custom_fields ?? {}, { creating: !current });
    fields.custom_fields = { ...fields.custom_fields, ...accepted };
    for (const [key, value] of Object.entries(accepted)) if (value === null) delete fields.custom_fields[key];
  }
  return { fields, addedAssignees };
}

/** A new task: the project's default status and type, reported by the caller's membership. */
async function defaults(ctx: TasksContext, db: PluginDb, projectId: string, actor: PrincipalRef | null): Promise<TaskFields> {
  // Sequential: inside the request transaction they share one connection.
  const status = (await db('task_statuses').where({ project_id: projectId, is_default: true }).first('id')) as { id: string };
  const type = (await db('task_types').where({ project_id: projectId, is_default: true }).first('id')) as { id: string };
  const reporter = actor ? await ctx.members.ofPrincipal(db, projectId, actor) : null;
  return {
    title: '', description: null, importance: 0, story_points: null, sprint_id: null, status_id: status.id, task_type_id: type.id,
    parent_task_id: null, assignee_ids: [], reporter_id: reporter?.id ?? null, tags: [], custom_fields: {},
    start_date: null, due_date: null, assignment_mode: 'manual',
  };
}

async function requireRow(db: PluginDb, table: string, projectId: string, field: string, id: string, columns: string[] = []) {
  const row = isUuid(id) ? (await db(table).where({ id, project_id: projectId }).first(['id', ...columns])) as Record<string, unknown> | undefined : undefined;
  if (!row) throw TaskReferenceInvalid({ field });
  return row;
}

/** Live members of the project (humans or agents) for every id, or 422 naming the field. */
async function requireMembers(ctx: TasksContext, db: PluginDb, projectId: string, field: string, ids: string[]): Promise<ProjectMember[]> {
  if (ids.length === 0) return [];
  const members = await ctx.members.byIds(db, projectId, ids);
  if (members.length !== ids.length) throw TaskReferenceInvalid({ field });
  return members;
}
