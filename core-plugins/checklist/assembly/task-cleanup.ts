import { Event, log } from "@paca/plugin-sdk/as";
import { checklistsOfTask, CHECKLISTS, ITEMS, remove, someItemsOfTask } from "./checklist-store";

/**
 * `task.deleted` (subscription `task-cleanup`): a deleted task's checklists and items go with it.
 * Items are found by their task rather than through their checklists, so an item added while its
 * checklist was being deleted goes too. Reads in a call see the call's own deletions, so each page
 * holds items not yet deleted. Delivery is at least once; a second delivery finds nothing left.
 * A refused host call fails the call, and the event is delivered again.
 */
export function removeTaskData(event: Event): void {
  const taskId = event.payload.getString("task_id");
  if (taskId === null) {
    log.warn("task.deleted event " + event.id.toString() + " has no task_id; nothing to clean up");
    return;
  }
  for (;;) {
    const items = someItemsOfTask(taskId);
    if (items.refused) return;
    if (items.value.length == 0) break;
    for (let i = 0; i < items.value.length; i++) {
      if (remove(ITEMS, items.value[i].id) !== null) return;
    }
  }
  const checklists = checklistsOfTask(taskId);
  if (checklists.refused) return;
  for (let i = 0; i < checklists.value.length; i++) {
    if (remove(CHECKLISTS, checklists.value[i].id) !== null) return;
  }
}
