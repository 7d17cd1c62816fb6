import { callHost, HostResult } from "../host-call";
import { Obj } from "../json/index";

/** The call's project's members (permission `core:read:members`; the caller must hold `project.members:read`). */
export namespace members {
  /** Value: `[{id, member_type, user_id, agent_id, username, full_name, handle, agent_name}]`. */
  export function list(): HostResult {
    return callHost("members.list", new Obj());
  }
}
