import { callHost, HostResult } from "../host-call";
import { Obj, Value } from "../json/index";

/**
 * Durable key/value pairs of the plugin in the call's project (permission `kv`; values up to
 * 64 KiB of JSON). Writes commit when the call succeeds.
 *
 * @example
 * kv.set("last_sync", new JSON.Str("2025-01-01T00:00:00Z"));
 * const last = kv.get("last_sync").value.asString(); // null when unset
 */
export namespace kv {
  /** Value: the stored JSON, or null. */
  export function get(key: string): HostResult {
    return callHost("kv.get", keyArgs(key));
  }

  export function set(key: string, value: Value): HostResult {
    return callHost("kv.set", keyArgs(key).set("value", value));
  }

  /** `kv.delete` (`delete` is reserved here). */
  export function remove(key: string): HostResult {
    return callHost("kv.delete", keyArgs(key));
  }
}

export function keyArgs(key: string): Obj {
  return new Obj().setString("key", key);
}
