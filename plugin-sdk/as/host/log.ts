import { callHost, HostResult } from "../host-call";
import { Obj } from "../json/index";

/**
 * Lines in the kernel's log, tagged with the plugin id and project (no permission needed; up to
 * 4000 characters).
 *
 * @example
 * log.warn("item " + id + " has no checklist");
 */
export namespace log {
  export function debug(message: string): HostResult {
    return write("debug", message);
  }

  export function info(message: string): HostResult {
    return write("info", message);
  }

  export function warn(message: string): HostResult {
    return write("warn", message);
  }

  export function error(message: string): HostResult {
    return write("error", message);
  }
}

function write(level: string, message: string): HostResult {
  return callHost("log", new Obj().setString("level", level).setString("message", message));
}
