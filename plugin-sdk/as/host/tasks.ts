import { callHost, HostResult } from "../host-call";
import { Obj } from "../json/index";

/**
 * Reads of the call's project's tasks, contributed by the tasks plugin (permission
 * `core:read:tasks`; the caller must hold `tasks:read`).
 *
 * @example
 * const page = tasks.list(new JSON.Obj().setInt("page_size", 10)); // value {items, next_cursor}
 */
export namespace tasks {
  /**
   * One page of tasks; value `{items, next_cursor}`. Filter fields: `status_ids`, `sprint_id`
   * (null = backlog), `assignee_ids`, `search`, `search_content`, `cursor`, `page_size` (1–200,
   * default 20). Other fields are refused with `VALIDATION_FAILED`.
   */
  export function list(filter: Obj | null = null): HostResult {
    return callHost("tasks.list", filter === null ? new Obj() : filter);
  }

  /** One task by id; error `TASK_NOT_FOUND` when the project has no such task. */
  export function get(taskId: string): HostResult {
    return callHost("tasks.get", new Obj().setString("task_id", taskId));
  }
}
