import { callHost, HostResult } from "../host-call";
import { Obj } from "../json/index";

/**
 * Whether the caller holds an IAM action in the call's project, for checks finer than the
 * route's own action (no permission needed).
 *
 * @example
 * if (!permission.check("checklist:write").value.asBool()) return fail(403, "FORBIDDEN", "read only");
 */
export namespace permission {
  /** Value: a boolean. */
  export function check(action: string): HostResult {
    return callHost("permission.check", new Obj().setString("action", action));
  }
}
