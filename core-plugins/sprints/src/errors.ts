import { defineError } from '@paca/plugin-sdk';

/*
 * The sprints plugin's error codes (reference 2.1 family SPRINT_*). Clients switch on the code.
 */

export { invalid } from '@paca/plugin-sdk';

export const SprintNotFound = defineError('SPRINT_NOT_FOUND', 404, 'sprint not found');
/** A task or view names a sprint the project does not have (tasks' `sprint_id`, D20). */
export const SprintReferenceNotFound = defineError<{ field: string }>('SPRINT_NOT_FOUND', 422,
  ({ field }) => `${field} does not name a sprint of this project`);
export const SprintVersionConflict = defineError<{ current_version: number }>('SPRINT_VERSION_CONFLICT', 409,
  ({ current_version }) => `sprint was changed by someone else (current version ${current_version})`);
export const SprintNotPlanned = defineError<{ status: string }>('SPRINT_NOT_PLANNED', 409,
  ({ status }) => `only a planned sprint can start; this one is ${status}`);
export const SprintNotActive = defineError<{ status: string }>('SPRINT_NOT_ACTIVE', 409,
  ({ status }) => `only an active sprint can be completed; this one is ${status}`);
export const SprintNotStarted = defineError('SPRINT_NOT_STARTED', 409, 'the sprint has not started: it has no burndown yet');
export const SprintAlreadyComplete = defineError('SPRINT_ALREADY_COMPLETE', 409, 'the sprint is completed: its tasks stay for history');
export const SprintMoveTargetInvalid = defineError<{ reason: string }>('SPRINT_MOVE_TARGET_INVALID', 422,
  ({ reason }) => `move_to_sprint_id is invalid: ${reason}`);
export const SprintDatesInvalid = defineError('SPRINT_DATES_INVALID', 422, 'end_date must not be before start_date');
export const TaskNotFound = defineError('TASK_NOT_FOUND', 404, 'task not found');
export const Forbidden = defineError('FORBIDDEN', 403, 'you may not change this task');
