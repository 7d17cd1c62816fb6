import { JSON, tasks } from "@paca/plugin-sdk/as";
import { Found, found, refusedWith } from "@paca/plugin-sdk/as";

/**
 * The task a route names, read through the tasks plugin (`tasks.get`, scoped by the host to the
 * call's project): a task of another project, a deleted one or none at all is 404
 * `TASK_NOT_FOUND`, and a caller who may not read tasks gets the host's refusal. Every route checks
 * it, reads included, so a task's scenarios are exactly as visible as the task.
 */
export function requireTask(taskId: string): Found<JSON.Obj> {
  const task = tasks.get(taskId);
  if (!task.ok) return refusedWith<JSON.Obj>(task.fail());
  const doc = task.value.asObj();
  return found<JSON.Obj>(doc !== null ? doc : new JSON.Obj());
}
