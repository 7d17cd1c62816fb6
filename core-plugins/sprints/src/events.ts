import { defineEvent } from '@paca/plugin-sdk';
import { Type, type TProperties } from '@sinclair/typebox';

/*
 * The events sprints emits, as plugin.json declares them (same names, same client_action).
 * Payloads carry the sprint as every reader of sprints sees it.
 */

const payload = <P extends TProperties>(properties: P) => Type.Object(properties, { additionalProperties: true });
const Id = Type.String({ format: 'uuid' });
const Sprint = Type.Record(Type.String(), Type.Unknown());
const read = { clientAction: 'sprints:read' };

export const SprintCreated = defineEvent('sprint.created', payload({ sprint: Sprint }), read);
export const SprintUpdated = defineEvent('sprint.updated', payload({
  sprint: Sprint, changes: Type.Array(Type.Object({ field: Type.String(), old: Type.Unknown(), new: Type.Unknown() })),
}), read);
export const SprintDeleted = defineEvent('sprint.deleted', payload({ sprint_id: Id, moved_task_count: Type.Integer() }), read);
export const SprintStarted = defineEvent('sprint.started', payload({ sprint: Sprint }), read);
export const SprintCompleted = defineEvent('sprint.completed', payload({
  sprint: Sprint, moved_task_count: Type.Integer(), move_to_sprint_id: Type.Union([Id, Type.Null()]),
}), read);
/** Tasks moved into a sprint or back to the product backlog in one request (each task also has its own `task.updated`). */
export const SprintTasksMoved = defineEvent('sprint.tasks.moved', payload({
  sprint_id: Type.Union([Id, Type.Null()]), task_ids: Type.Array(Id),
}), read);
