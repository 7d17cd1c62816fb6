import { defineEvent } from '@paca/plugin-sdk';
import { Type, type TProperties } from '@sinclair/typebox';

/*
 * Every event the tasks plugin emits, as plugin.json declares them (same names, same
 * client_action). Payloads are client-safe: what a member who may read tasks may see.
 */

const payload = <P extends TProperties>(properties: P) => Type.Object(properties, { additionalProperties: true });
const Id = Type.String({ format: 'uuid' });
const Row = Type.Record(Type.String(), Type.Unknown());
const Change = Type.Object({ field: Type.String(), old: Type.Unknown(), new: Type.Unknown() });
const read = { clientAction: 'tasks:read' };
const viewsRead = { clientAction: 'views:read' };

export const TaskCreated = defineEvent('task.created', payload({ task_id: Id, task_number: Type.Integer(), task: Row }), read);
export const TaskUpdated = defineEvent('task.updated', payload({ task_id: Id, task_number: Type.Integer(), changes: Type.Array(Change), task: Row }), read);
export const TaskDeleted = defineEvent('task.deleted', payload({ task_id: Id, task_number: Type.Integer() }), read);

export const TaskCommentAdded = defineEvent('task.comment.added', payload({ task_id: Id, comment_id: Id, content: Type.String() }), read);
export const TaskCommentUpdated = defineEvent('task.comment.updated', payload({ task_id: Id, comment_id: Id, content: Type.String() }), read);
export const TaskCommentDeleted = defineEvent('task.comment.deleted', payload({ task_id: Id, comment_id: Id }), read);

export const TaskLinkAdded = defineEvent('task.link.added', payload({ link_id: Id, task_id: Id, target_task_id: Id, link_type: Type.String() }), read);
export const TaskLinkRemoved = defineEvent('task.link.removed', payload({ link_id: Id, task_id: Id, target_task_id: Id, link_type: Type.String() }), read);

export const TaskAttachmentAdded = defineEvent('task.attachment.added', payload({ task_id: Id, attachment_id: Id, file_name: Type.String(), file_size: Type.Integer() }), read);
export const TaskAttachmentRemoved = defineEvent('task.attachment.removed', payload({ task_id: Id, attachment_id: Id, file_name: Type.String(), file_size: Type.Integer() }), read);

export const TaskTypeCreated = defineEvent('task.type.created', payload({ task_type: Row }), read);
export const TaskTypeUpdated = defineEvent('task.type.updated', payload({ task_type: Row }), read);
export const TaskTypeDeleted = defineEvent('task.type.deleted', payload({ task_type_id: Id, moved_to_type_id: Type.Union([Id, Type.Null()]) }), read);

export const TaskStatusCreated = defineEvent('task.status.created', payload({ task_status: Row }), read);
export const TaskStatusUpdated = defineEvent('task.status.updated', payload({ task_status: Row }), read);
export const TaskStatusDeleted = defineEvent('task.status.deleted', payload({ task_status_id: Id, moved_to_status_id: Type.Union([Id, Type.Null()]) }), read);
export const TaskStatusReordered = defineEvent('task.status.reordered', payload({ status_ids: Type.Array(Id) }), read);

export const CustomFieldCreated = defineEvent('task.custom_field.created', payload({ custom_field: Row }), read);
export const CustomFieldUpdated = defineEvent('task.custom_field.updated', payload({ custom_field: Row }), read);
export const CustomFieldDeleted = defineEvent('task.custom_field.deleted', payload({ custom_field_id: Id, field_key: Type.String() }), read);

export const ViewCreated = defineEvent('view.created', payload({ view: Row }), viewsRead);
export const ViewUpdated = defineEvent('view.updated', payload({ view: Row }), viewsRead);
export const ViewDeleted = defineEvent('view.deleted', payload({ view_id: Id }), viewsRead);
export const ViewReordered = defineEvent('view.reordered', payload({ view_context: Type.String(), sprint_id: Type.Union([Id, Type.Null()]), view_ids: Type.Array(Id) }), viewsRead);
export const ViewTaskMoved = defineEvent('view.task_moved', payload({ view_id: Id, task_id: Id, group_key: Type.String(), position: Type.String() }), viewsRead);

/** Agent triggers (reference 7.2): server-side only; the agents plugin consumes them. */
export const AgentTaskAssigned = defineEvent('agent.task_assigned', payload({ agent_id: Id, member_id: Id, task_id: Id, task_number: Type.Integer() }));
export const AgentCommentMention = defineEvent('agent.comment_mention', payload({ agent_id: Id, member_id: Id, task_id: Id, task_number: Type.Integer(), comment_id: Id }));
