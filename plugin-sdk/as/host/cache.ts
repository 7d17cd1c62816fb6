import { callHost, HostResult } from "../host-call";
import { Value } from "../json/index";
import { keyArgs } from "./kv";

/**
 * Values that expire (permission `cache`), for results worth keeping between calls: the plugin
 * itself keeps no state, its instance may be recreated at any time.
 *
 * @example
 * cache.set("summary", summary, 60);
 */
export namespace cache {
  /** Value: the cached JSON, or null when absent or expired. */
  export function get(key: string): HostResult {
    return callHost("cache.get", keyArgs(key));
  }

  /** `ttlSeconds`: 0 = no expiry, at most 30 days. */
  export function set(key: string, value: Value, ttlSeconds: i32): HostResult {
    return callHost("cache.set", keyArgs(key).set("value", value).setInt("ttl_seconds", ttlSeconds));
  }

  /** `cache.delete` (`delete` is reserved here). */
  export function remove(key: string): HostResult {
    return callHost("cache.delete", keyArgs(key));
  }
}
