import { Response, tasks } from "@paca/plugin-sdk/as";

/**
 * Refuses a request whose task is not readable in the call's project: `tasks.get` (contributed by
 * the tasks plugin, scoped by the host to the call's project) answers 404 `TASK_NOT_FOUND` for a
 * task of another project, a deleted one or none at all, and refuses a caller who may not read
 * tasks. Every route checks it, reads included, so a task's checklists are exactly as visible as
 * the task. Null when the task is there.
 */
export function checkTask(taskId: string): Response | null {
  const task = tasks.get(taskId);
  return task.ok ? null : task.fail();
}
