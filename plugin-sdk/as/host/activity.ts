import { callHost, HostResult } from "../host-call";
import { Arr, Obj } from "../json/index";

/**
 * An entry of the project's activity log (permission `activity:write`; calls outside a project
 * are refused). The log shows it as `<plugin id>.<action>`; only `action` is required.
 *
 * @example
 * const entry = new ActivityEntry("item_checked");
 * entry.taskId = taskId;
 * entry.entityType = "checklist_item";
 * entry.entityId = itemId;
 * activity.record(entry);
 */
export class ActivityEntry {
  /** A task UUID; the entry is then about that task unless `entityType`/`entityId` say otherwise. */
  taskId: string | null = null;
  /** Default `task` with a `taskId`, else the plugin id. */
  entityType: string | null = null;
  /** A UUID. */
  entityId: string | null = null;
  /** What changed, e.g. `[{"field": "checked", "from": false, "to": true}]`. */
  changes: Arr | null = null;
  /** Free text shown with the entry. */
  content: string | null = null;

  constructor(public action: string) {}

  toArgs(): Obj {
    const args = new Obj().setString("action", this.action);
    const taskId = this.taskId;
    if (taskId !== null) args.setString("task_id", taskId);
    const entityType = this.entityType;
    if (entityType !== null) args.setString("entity_type", entityType);
    const entityId = this.entityId;
    if (entityId !== null) args.setString("entity_id", entityId);
    const changes = this.changes;
    if (changes !== null) args.set("changes", changes);
    const content = this.content;
    if (content !== null) args.setString("content", content);
    return args;
  }
}

export namespace activity {
  export function record(entry: ActivityEntry): HostResult {
    return callHost("activity.record", entry.toArgs());
  }
}
