import { isDeepStrictEqual } from 'node:util';
import type { ListScope, PluginDb, PrincipalRef } from '@paca/plugin-sdk';
import type { Task, TaskPatch } from '../contract.js';
import { TaskVersionConflict } from '../errors.js';
import { TaskUpdated } from '../events.js';
import type { TasksContext } from '../plugin-context.js';
import { requireTask } from '../task-lookup.js';
import { announceAssignments } from './assignment-triggers.js';
import { fieldsOf, resolveFields, TRACKED_FIELDS, type TaskFields } from './task-fields.js';
import { eventTask, loadTask, taskViews } from './task-view.js';

/**
 * One tracked field's change (D27), `old` and `new` exactly as the Task view shows them, so a
 * revert compares them by deep equality and writes `old` back as a patch. Custom fields are
 * tracked per key (`custom_fields.<key>`, absent = null).
 */
export interface FieldChange {
  field: string;
  old: unknown;
  new: unknown;
}

const CUSTOM_FIELD_PREFIX = 'custom_fields.';

/** The changes between two states of a task, in {@link TRACKED_FIELDS} order. */
export function fieldChanges(before: TaskFields, after: TaskFields): FieldChange[] {
  const changes: FieldChange[] = [];
  for (const field of TRACKED_FIELDS) {
    if (field === 'custom_fields') {
      const keys = [...new Set([...Object.keys(before.custom_fields), ...Object.keys(after.custom_fields)])].sort();
      for (const key of keys) {
        const old = before.custom_fields[key] ?? null;
        const value = after.custom_fields[key] ?? null;
        if (!isDeepStrictEqual(old, value)) changes.push({ field: `${CUSTOM_FIELD_PREFIX}${key}`, old, new: value });
      }
    } else if (!isDeepStrictEqual(before[field], after[field])) {
      changes.push({ field, old: before[field], new: after[field] });
    }
  }
  return changes;
}

/** The columns of `tasks` that hold the changed fields (assignees live in their own table). */
function changedColumns(fields: TaskFields, changes: readonly FieldChange[]): Record<string, unknown> {
  const columns: Record<string, unknown> = {};
  for (const { field } of changes) {
    if (field.startsWith(CUSTOM_FIELD_PREFIX)) columns.custom_fields = JSON.stringify(fields.custom_fields);
    else if (field === 'tags') columns.tags = JSON.stringify(fields.tags);
    else if (field !== 'assignee_ids') columns[field] = fields[field as keyof TaskFields];
  }
  return columns;
}

/** Makes `task_assignees` hold exactly `memberIds` for the task. */
export async function writeAssignees(db: PluginDb, input: { projectId: string; taskId: string; before: readonly string[]; memberIds: readonly string[]; now: Date }) {
  const removed = input.before.filter((id) => !input.memberIds.includes(id));
  const added = input.memberIds.filter((id) => !input.before.includes(id));
  if (removed.length > 0) await db('task_assignees').where({ task_id: input.taskId }).whereIn('member_id', removed).delete();
  if (added.length > 0) {
    await db('task_assignees').insert(added.map((memberId) => ({ task_id: input.taskId, member_id: memberId, project_id: input.projectId, assigned_at: input.now })));
  }
}

/**
 * The one write path of a task's fields: PATCH, the service's `update` and revert. Locks the row,
 * checks D4's expected version (stale → 409 `TASK_VERSION_CONFLICT` with `current_version`),
 * validates the patch, and when something changed bumps the version, records one `task.updated`
 * activity `{changes, reverted_activity_id?}`, emits `task.updated` and sets off the assignment
 * triggers. A patch that changes nothing writes nothing.
 */
export async function updateTask(ctx: TasksContext, db: PluginDb, input: {
  projectId: string; taskId: string; patch: TaskPatch; actor: PrincipalRef | null; expectedVersion?: number | null; revertOf?: string;
  /** D15: the tasks the caller may read (a new parent must be one); absent = all. */
  scope?: ListScope;
}): Promise<{ task: Task; changes: FieldChange[] }> {
  const { projectId, taskId, actor } = input;
  const row = await requireTask(db, projectId, taskId, { forUpdate: true });
  if (input.expectedVersion != null && input.expectedVersion !== row.version) throw TaskVersionConflict({ current_version: row.version });
  const [before] = await taskViews(db, [row]);
  const current = fieldsOf(before!);
  const { fields, addedAssignees } = await resolveFields(ctx, db, {
    projectId, taskId, current, patch: input.patch, actor, ...(input.scope ? { scope: input.scope } : {}),
  });
  const changes = fieldChanges(current, fields);
  if (changes.length === 0) return { task: before!, changes };

  const now = ctx.clock.now();
  await db('tasks').where({ id: taskId }).update({ ...changedColumns(fields, changes), version: row.version + 1, updated_at: now });
  await writeAssignees(db, { projectId, taskId, before: current.assignee_ids, memberIds: fields.assignee_ids, now });
  const task = await loadTask(db, projectId, taskId);
  await ctx.activity.record(db, {
    projectId, entityType: 'task', entityId: taskId, actor, type: 'task.updated',
    content: { changes, ...(input.revertOf ? { reverted_activity_id: input.revertOf } : {}) },
  });
  const event = await ctx.events.emit(db, TaskUpdated, {
    projectId, actor, payload: { task_id: taskId, task_number: task.task_number, changes, task: eventTask(task) },
  });
  await announceAssignments(ctx, db, { task, added: addedAssignees, actor, eventId: event.id });
  return { task, changes };
}
