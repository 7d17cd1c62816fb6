import { Event, log } from "@paca/plugin-sdk/as";
import { removeScenario, scenariosOfTask } from "./scenario-store";

/**
 * `task.deleted` (subscription `task-cleanup`): a deleted task's scenarios go with it. Reads in a
 * call see the call's own deletions, so each page holds scenarios not yet deleted. Delivery is at
 * least once; a second delivery finds nothing left. A refused host call fails the call, and the
 * event is delivered again.
 */
export function removeTaskData(event: Event): void {
  const taskId = event.payload.getString("task_id");
  if (taskId === null) {
    log.warn("task.deleted event " + event.id.toString() + " has no task_id; nothing to clean up");
    return;
  }
  for (;;) {
    const scenarios = scenariosOfTask(taskId);
    if (scenarios.refused) return;
    if (scenarios.value.length == 0) break;
    for (let i = 0; i < scenarios.value.length; i++) {
      if (removeScenario(scenarios.value[i].id) !== null) return;
    }
  }
}
