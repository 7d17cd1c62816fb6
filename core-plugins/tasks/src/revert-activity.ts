import { isDeepStrictEqual } from 'node:util';
import type { PluginDb, PrincipalRef } from '@paca/plugin-sdk';
import type { Task, TaskPatch } from './contract.js';
import { TaskActivityNotFound, TaskActivityNotRevertible, TaskRevertStale } from './errors.js';
import type { TasksContext } from './plugin-context.js';
import { isUuid, requireTask } from './task-lookup.js';
import { TRACKED_FIELDS } from './tasks/task-fields.js';
import { loadTask } from './tasks/task-view.js';
import { updateTask, type FieldChange } from './tasks/task-write.js';

const CUSTOM_FIELD = /^custom_fields\.(.+)$/;
type TrackedField = (typeof TRACKED_FIELDS)[number];
const isTrackedField = (field: string): field is Exclude<TrackedField, 'custom_fields'> =>
  field !== 'custom_fields' && (TRACKED_FIELDS as readonly string[]).includes(field);

/** The field changes of a `task.updated` entry, or null when its content is not a list of revertible changes. */
function revertibleChanges(content: Record<string, unknown>): FieldChange[] | null {
  const changes = content.changes;
  if (!Array.isArray(changes) || changes.length === 0) return null;
  const valid = changes.every((c: unknown) => typeof c === 'object' && c !== null && typeof (c as FieldChange).field === 'string'
    && (CUSTOM_FIELD.test((c as FieldChange).field) || isTrackedField((c as FieldChange).field)));
  return valid ? (changes as FieldChange[]) : null;
}

/** A field's value in the Task view as a change records it: `custom_fields.<key>` is that key, absent = null. */
function currentValue(task: Task, field: string): unknown {
  const custom = CUSTOM_FIELD.exec(field);
  if (custom) return task.custom_fields[custom[1]!] ?? null;
  return task[field as TrackedField];
}

/** The patch that writes every `old` value back (a null custom field value clears the key). */
function revertPatch(changes: readonly FieldChange[]): TaskPatch {
  const patch: Record<string, unknown> = {};
  const customFields: Record<string, unknown> = {};
  for (const change of changes) {
    const custom = CUSTOM_FIELD.exec(change.field);
    if (custom) customFields[custom[1]!] = change.old ?? null;
    else patch[change.field] = change.old ?? null;
  }
  if (Object.keys(customFields).length > 0) patch.custom_fields = customFields;
  return patch as TaskPatch;
}

/**
 * D27: reverting activity A writes all of A's old values back in one change attributed to
 * `actor` (its entry names A as `reverted_activity_id`) — unless a field of A no longer holds
 * A's new value: 409 `TASK_REVERT_STALE` with those fields, and nothing is written. The task
 * row stays locked from the comparison to the write.
 */
export async function revertActivity(ctx: TasksContext, db: PluginDb, input: {
  projectId: string; taskId: string; activityId: string; actor: PrincipalRef | null; expectedVersion: number | null;
}): Promise<Task> {
  const { projectId, taskId, activityId } = input;
  await requireTask(db, projectId, taskId, { forUpdate: true });
  const entry = isUuid(activityId) ? await ctx.activity.get(db, projectId, activityId) : null;
  if (!entry || entry.entity_type !== 'task' || entry.entity_id !== taskId) throw TaskActivityNotFound({});
  const changes = entry.activity_type === 'task.updated' ? revertibleChanges(entry.content) : null;
  if (!changes) throw TaskActivityNotRevertible({});

  const task = await loadTask(db, projectId, taskId);
  const stale = changes.filter((c) => !isDeepStrictEqual(currentValue(task, c.field), c.new ?? null)).map((c) => c.field);
  if (stale.length > 0) throw TaskRevertStale({ fields: stale });
  const { task: reverted } = await updateTask(ctx, db, {
    projectId, taskId, patch: revertPatch(changes), actor: input.actor, expectedVersion: input.expectedVersion, revertOf: activityId,
  });
  return reverted;
}
