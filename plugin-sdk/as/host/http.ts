import { callHost, HostResult } from "../host-call";
import { Obj } from "../json/index";

/**
 * Outgoing HTTP to hosts the manifest grants (`http:fetch:<host>`); private addresses are refused
 * on every redirect hop (`PLUGIN_HOST_NOT_ALLOWED`).
 *
 * @example
 * const res = http.fetch("GET", "https://api.example.com/status", new JSON.Obj().setString("accept", "application/json"));
 * if (res.ok) { const status = res.value.asObj()!.getInt("status"); ... }
 */
export namespace http {
  /** Value `{status, headers, body}`, the body as text. */
  export function fetch(method: string, url: string, headers: Obj | null = null, body: string | null = null): HostResult {
    const args = new Obj().setString("method", method).setString("url", url);
    if (headers !== null) args.set("headers", headers);
    if (body !== null) args.setString("body", body);
    return callHost("http.fetch", args);
  }
}
