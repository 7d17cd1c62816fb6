import { setError } from "./extism-io";
import { Failure } from "./failure";
import { log } from "./host/log";

/*
 * AssemblyScript calls `abort` for `throw`, failed assertions and runtime errors. By default it
 * is an `env.abort` import, which the kernel refuses; the build script binds it here
 * (`--use abort=~lib/@paca/plugin-sdk/as/abort/pacaAbort`). It must end in a trap, which the host
 * reports as PLUGIN_CRASHED. Extism 1.0.3 drops the error set before a trap, so the message also
 * goes to the kernel's log (tagged with the plugin id) through the `log` host function.
 */

let aborting = false;

export function pacaAbort(message: string | null, fileName: string | null, lineNumber: u32, columnNumber: u32): void {
  // An abort while reporting one (out of memory, say) traps at once instead of recursing.
  if (!aborting) {
    aborting = true;
    const where = (fileName === null ? "?" : fileName) + ":" + lineNumber.toString() + ":" + columnNumber.toString();
    const text = (message === null ? "abort" : message) + " at " + where;
    setError(new Failure(500, "PLUGIN_CRASHED", text).toJson());
    log.error("crashed: " + text);
    aborting = false;
  }
  unreachable();
}
