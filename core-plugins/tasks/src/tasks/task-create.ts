import { randomUUID } from 'node:crypto';
import type { ListScope, PluginDb, PrincipalRef } from '@paca/plugin-sdk';
import type { Task, TaskPatch } from '../contract.js';
import { TaskCreated } from '../events.js';
import type { TasksContext } from '../plugin-context.js';
import { announceAssignments } from './assignment-triggers.js';
import { resolveFields } from './task-fields.js';
import { nextTaskNumber } from './task-numbers.js';
import { eventTask, loadTask } from './task-view.js';
import { writeAssignees } from './task-write.js';

/**
 * Creates a task: validated like an update, numbered from the project's counter, recorded as a
 * `task.created` activity `{title, task_number}` and event, with the assignment triggers.
 */
export async function createTask(ctx: TasksContext, db: PluginDb, input: {
  projectId: string; fields: TaskPatch & { title: string }; actor: PrincipalRef | null; scope?: ListScope;
}): Promise<Task> {
  const { projectId, actor } = input;
  const { fields, addedAssignees } = await resolveFields(ctx, db, {
    projectId, taskId: null, current: null, patch: input.fields, actor, ...(input.scope ? { scope: input.scope } : {}),
  });
  const id = randomUUID();
  const now = ctx.clock.now();
  const taskNumber = await nextTaskNumber(db, projectId);
  const { assignee_ids: assigneeIds, ...columns } = fields;
  await db('tasks').insert({
    ...columns, id, project_id: projectId, task_number: taskNumber,
    tags: JSON.stringify(columns.tags), custom_fields: JSON.stringify(columns.custom_fields),
    version: 1, created_by_type: actor?.type ?? null, created_by_id: actor?.id ?? null, created_at: now, updated_at: now,
  });
  await writeAssignees(db, { projectId, taskId: id, before: [], memberIds: assigneeIds, now });
  const task = await loadTask(db, projectId, id);
  await ctx.activity.record(db, {
    projectId, entityType: 'task', entityId: id, actor, type: 'task.created', content: { title: task.title, task_number: taskNumber },
  });
  const event = await ctx.events.emit(db, TaskCreated, { projectId, actor, payload: { task_id: id, task_number: taskNumber, task: eventTask(task) } });
  await announceAssignments(ctx, db, { task, added: addedAssignees, actor, eventId: event.id });
  return task;
}
