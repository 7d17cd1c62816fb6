import { callHost, HostResult } from "../host-call";
import { Obj } from "../json/index";

/**
 * The plugin's own secrets: keys it declares in `secrets[]` of `plugin.json`, values set by an
 * admin. Another key is refused with `PLUGIN_PERMISSION_DENIED`; no plugin sees another's values.
 *
 * @example
 * const token = config.get("API_TOKEN").value.asString(); // null when unset
 */
export namespace config {
  /** Value: the secret's text, or null. */
  export function get(key: string): HostResult {
    return callHost("config.get", new Obj().setString("key", key));
  }
}
