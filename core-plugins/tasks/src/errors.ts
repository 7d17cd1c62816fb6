import { defineError } from '@paca/plugin-sdk';

/*
 * The tasks plugin's error codes (reference 2.1 families TASK_*, TASK_TYPE_*, TASK_STATUS_*,
 * TASK_LINK_*, CUSTOM_FIELD_*, VIEW_*, ATTACHMENT_*). Clients switch on the code.
 */

export { ValidationFailed, invalid } from '@paca/plugin-sdk';

export const TaskNotFound = defineError('TASK_NOT_FOUND', 404, 'task not found');
export const TaskVersionConflict = defineError<{ current_version: number }>('TASK_VERSION_CONFLICT', 409,
  ({ current_version }) => `task was changed by someone else (current version ${current_version})`);
export const TaskParentInvalid = defineError<{ reason: string }>('TASK_PARENT_INVALID', 422, ({ reason }) => `parent task is invalid: ${reason}`);
export const TaskReferenceInvalid = defineError<{ field: string }>('TASK_REFERENCE_INVALID', 422, ({ field }) => `${field} does not name a live record of this project`);
export const TaskRevertStale = defineError<{ fields: string[] }>('TASK_REVERT_STALE', 409,
  ({ fields }) => `cannot revert: ${fields.join(', ')} changed since`);
export const TaskActivityNotFound = defineError('TASK_ACTIVITY_NOT_FOUND', 404, 'activity not found');
export const TaskActivityNotRevertible = defineError('TASK_ACTIVITY_NOT_REVERTIBLE', 422, 'only field changes (task.updated) can be reverted');
export const TaskCommentNotFound = defineError('TASK_COMMENT_NOT_FOUND', 404, 'comment not found');
export const TaskCommentNotAuthor = defineError('TASK_COMMENT_NOT_AUTHOR', 403, 'only the author may edit or delete a comment');

export const TaskTypeNotFound = defineError('TASK_TYPE_NOT_FOUND', 404, 'task type not found');
export const TaskTypeIsSystem = defineError('TASK_TYPE_IS_SYSTEM', 409, 'Epic and Subtask are system types and cannot be changed or deleted');
export const TaskTypeIsDefault = defineError('TASK_TYPE_IS_DEFAULT', 409, 'the default task type cannot be deleted');
export const TaskTypeNameTaken = defineError('TASK_TYPE_NAME_TAKEN', 409, 'a task type with this name exists');
export const TaskTypeNameReserved = defineError('TASK_TYPE_NAME_RESERVED', 409, 'Epic and Subtask are reserved type names');
export const TaskTypeInUse = defineError<{ task_count: number }>('TASK_TYPE_IN_USE', 409,
  ({ task_count }) => `${task_count} tasks have this type: pass move_to_type_id`);
export const TaskTypeVersionConflict = defineError<{ current_version: number }>('TASK_TYPE_VERSION_CONFLICT', 409, 'task type was changed by someone else');

export const TaskStatusNotFound = defineError('TASK_STATUS_NOT_FOUND', 404, 'task status not found');
export const TaskStatusInUse = defineError<{ task_count: number }>('TASK_STATUS_IN_USE', 409,
  ({ task_count }) => `${task_count} tasks are in this status: pass move_to_status_id`);
export const TaskStatusIsDefault = defineError('TASK_STATUS_IS_DEFAULT', 409, 'the default status cannot be deleted');
export const TaskStatusNameTaken = defineError('TASK_STATUS_NAME_TAKEN', 409, 'a status with this name exists');
export const TaskStatusReorderInvalid = defineError('TASK_STATUS_REORDER_INVALID', 422, 'status_ids must list every status of the project exactly once');
export const TaskStatusVersionConflict = defineError<{ current_version: number }>('TASK_STATUS_VERSION_CONFLICT', 409, 'task status was changed by someone else');

export const CustomFieldNotFound = defineError('CUSTOM_FIELD_NOT_FOUND', 404, 'custom field not found');
export const CustomFieldKeyTaken = defineError('CUSTOM_FIELD_KEY_TAKEN', 409, 'a custom field with this key exists');
export const CustomFieldOptionsInvalid = defineError<{ reason: string }>('CUSTOM_FIELD_OPTIONS_INVALID', 422, ({ reason }) => `options are invalid: ${reason}`);
export const CustomFieldValueInvalid = defineError<{ field_key: string; reason: string }>('CUSTOM_FIELD_VALUE_INVALID', 422,
  ({ field_key, reason }) => `custom field ${field_key}: ${reason}`);
export const CustomFieldVersionConflict = defineError<{ current_version: number }>('CUSTOM_FIELD_VERSION_CONFLICT', 409, 'custom field was changed by someone else');

export const TaskLinkNotFound = defineError('TASK_LINK_NOT_FOUND', 404, 'link not found');
export const TaskLinkSelf = defineError('TASK_LINK_SELF', 422, 'a task cannot link to itself');
export const TaskLinkDuplicate = defineError('TASK_LINK_DUPLICATE', 409, 'these tasks are already linked this way');
export const TaskLinkCrossProject = defineError('TASK_LINK_CROSS_PROJECT', 422, 'linked tasks must be in the same project');

export const AttachmentNotFound = defineError('ATTACHMENT_NOT_FOUND', 404, 'attachment not found');
export const AttachmentTooLarge = defineError<{ limit_bytes: number }>('ATTACHMENT_TOO_LARGE', 413, ({ limit_bytes }) => `attachments are limited to ${limit_bytes} bytes`);
export const AttachmentNotUploaded = defineError('ATTACHMENT_NOT_UPLOADED', 409, 'the upload has not completed');
export const AttachmentAlreadyUploaded = defineError('ATTACHMENT_ALREADY_UPLOADED', 409, 'the upload is already complete');
export const AttachmentNotReadable = defineError<{ reason: string }>('ATTACHMENT_NOT_READABLE', 422, ({ reason }) => `attachment cannot be read inline: ${reason}`);

export const ViewNotFound = defineError('VIEW_NOT_FOUND', 404, 'view not found');
export const ViewIsLastView = defineError('VIEW_IS_LAST_VIEW', 409, 'the last view of a context cannot be deleted');
export const ViewReorderInvalid = defineError('VIEW_REORDER_INVALID', 422, 'view_ids must list every view of the context exactly once');
export const ViewTypeInvalid = defineError<{ reason: string }>('VIEW_TYPE_INVALID', 422, ({ reason }) => `view type is invalid: ${reason}`);
export const ViewContextInvalid = defineError<{ reason: string }>('VIEW_CONTEXT_INVALID', 422, ({ reason }) => `view context is invalid: ${reason}`);
export const ViewVersionConflict = defineError<{ current_version: number }>('VIEW_VERSION_CONFLICT', 409, 'view was changed by someone else');
export const ViewPositionAnchorInvalid = defineError<{ task_id: string }>('VIEW_POSITION_ANCHOR_INVALID', 422,
  ({ task_id }) => `task ${task_id} is not in that group of the view`);

// D28: where the tasks of a deleted type or status go must be another one of the same project.
export const TaskTypeMoveTargetInvalid = defineError<{ reason: string }>('TASK_TYPE_MOVE_TARGET_INVALID', 422,
  ({ reason }) => `move_to_type_id is invalid: ${reason}`);
export const TaskStatusMoveTargetInvalid = defineError<{ reason: string }>('TASK_STATUS_MOVE_TARGET_INVALID', 422,
  ({ reason }) => `move_to_status_id is invalid: ${reason}`);
/** D2's 401, for what only a signed-in principal has (a personal view config) on routes anonymous readers reach. */
export const Unauthenticated = defineError('AUTH_UNAUTHENTICATED', 401, 'sign in first');
