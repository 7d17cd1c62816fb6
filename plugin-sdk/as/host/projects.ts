import { callHost, HostResult } from "../host-call";
import { Obj } from "../json/index";

/** The call's project (permission `core:read:projects`; the caller must hold `projects:read`). */
export namespace projects {
  /** Value `{id, name, description, task_id_prefix, is_public}`. */
  export function get(): HostResult {
    return callHost("projects.get", new Obj());
  }
}
