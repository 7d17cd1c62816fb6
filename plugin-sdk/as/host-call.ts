import { Memory } from "@extism/as-pdk";
import { free, length } from "@extism/as-pdk/lib/env";
import { fail } from "./failure";
import { Null, Obj, parseBytes, Str, stringify, utf8, Value } from "./json/index";
import { Response } from "./response";

// The one host import (ABI): request and answer are Extism blocks of UTF-8 JSON.
@external("extism:host/user", "paca_call")
declare function paca_call(request: u64): u64;

/**
 * A host function's answer. The host never traps the guest: a refusal or a failure is an answer
 * with `ok == false` and a code (`PLUGIN_PERMISSION_DENIED`, `PLUGIN_HOST_NOT_ALLOWED`,
 * `VALIDATION_FAILED`, `PLUGIN_HOST_CALL_FAILED`…).
 *
 * @example
 * const found = collections.get("checklists", id);
 * if (!found.ok) return found.fail();
 * const doc = found.value.asObj(); // null when there is no such document
 */
export class HostResult {
  constructor(
    public ok: bool,
    /** The answer's `value` (JSON null on errors). */
    public value: Value,
    public errorCode: string,
    public errorMessage: string,
  ) {}

  /**
   * Fails the current call with this error's code and message, so the client sees why (a denied
   * host call is a 403 `PLUGIN_PERMISSION_DENIED`, D23). Return it from a route handler.
   */
  fail(): Response {
    return fail(statusOf(this.errorCode), this.errorCode, this.errorMessage);
  }
}

/**
 * Calls a host function by name with JSON arguments. The typed wrappers (`kv`, `tasks`…) use
 * it; plugins use it for host functions that other plugins contribute.
 *
 * @example
 * const task = callHost("tasks.get", new JSON.Obj().setString("task_id", taskId));
 */
export function callHost(fn: string, args: Obj): HostResult {
  const bytes = utf8(stringify(new Obj().set("fn", new Str(fn)).set("args", args)));
  const block = Memory.allocate(bytes.length);
  block.store(bytes);
  const answerOffset = paca_call(block.offset);
  block.free();
  if (answerOffset == 0) return failed("PLUGIN_HOST_CALL_FAILED", fn + " returned no answer");
  const answerBytes = new Memory(answerOffset, length(answerOffset)).toUint8Array();
  free(answerOffset);
  const parsed = parseBytes(answerBytes);
  if (parsed === null || !parsed.isObj) return failed("PLUGIN_HOST_CALL_FAILED", fn + " returned an answer that is not a JSON object");
  const answer = parsed.asObj()!;
  if (answer.getBool("ok")) {
    const value = answer.get("value");
    return new HostResult(true, value !== null ? value : new Null(), "", "");
  }
  let code = "PLUGIN_HOST_CALL_FAILED";
  let message = fn + " failed";
  const error = answer.getObj("error");
  if (error !== null) {
    const errorCode = error.getString("code");
    if (errorCode !== null) code = errorCode;
    const errorMessage = error.getString("message");
    if (errorMessage !== null) message = errorMessage;
  }
  return failed(code, message);
}

function failed(code: string, message: string): HostResult {
  return new HostResult(false, new Null(), code, message);
}

/** The HTTP status for a host error code (D23); codes of contributed functions ending in `_NOT_FOUND` are 404. */
function statusOf(code: string): i32 {
  if (code == "PLUGIN_PERMISSION_DENIED" || code == "PLUGIN_HOST_NOT_ALLOWED") return 403;
  if (code == "VALIDATION_FAILED") return 422;
  if (code == "PLUGIN_OUTPUT_TOO_LARGE") return 413;
  if (code == "PLUGIN_NOT_ENABLED" || code.endsWith("_NOT_FOUND")) return 404;
  return 500;
}
