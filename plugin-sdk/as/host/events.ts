import { callHost, HostResult } from "../host-call";
import { Obj } from "../json/index";

/**
 * Emits an event the manifest declares under `events[]` (permission `events:emit`; others are
 * refused with `PLUGIN_EVENT_UNDECLARED`). It is committed with the call's writes, as origin `plugin`.
 *
 * @example
 * events.emit("checklist.created", new JSON.Obj().setString("checklist_id", id));
 */
export namespace events {
  export function emit(type: string, payload: Obj): HostResult {
    return callHost("events.emit", new Obj().setString("type", type).set("payload", payload));
  }
}
