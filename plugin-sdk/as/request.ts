import { Null, Obj, stringify, Value } from "./json/index";
import { Principal } from "./principal";

/**
 * A call to one of the plugin's routes, as the kernel passes it to `handle_request` after
 * authentication, the IAM check and schema validation.
 *
 * @example
 * function show(req: Request): Response {
 *   const taskId = req.param("taskId")!;
 *   const limit = req.query("limit"); // "20", or null when absent
 *   const body = req.body();          // the JSON object body, or null
 *   ...
 * }
 */
export class Request {
  /** The manifest route name. */
  route: string = "";
  method: string = "";
  /** The route's path as `plugin.json` declares it (`/plugins/<id>/projects/:projectId/…`). */
  path: string = "";
  /** The project of the call (from `:projectId`), or null on routes outside a project. */
  projectId: string | null = null;
  /** Null on `public` routes called anonymously. */
  caller: Principal | null = null;
  requestId: string = "";
  /** The JSON body as sent (JSON null when there is none). */
  bodyValue: Value = new Null();
  private params: Obj = new Obj();
  private queryParams: Obj = new Obj();

  static fromJson(input: Obj): Request {
    const req = new Request();
    req.route = text(input, "route");
    req.method = text(input, "method");
    req.path = text(input, "path");
    req.requestId = text(input, "request_id");
    req.projectId = input.getString("project_id");
    req.caller = Principal.from(input.get("caller"));
    const params = input.getObj("params");
    if (params !== null) req.params = params;
    const query = input.getObj("query");
    if (query !== null) req.queryParams = query;
    const body = input.get("body");
    if (body !== null) req.bodyValue = body;
    return req;
  }

  /** A path param as text (`:taskId` → `param("taskId")`), or null when the route has none of that name. */
  param(name: string): string | null {
    return asText(this.params.get(name));
  }

  /**
   * A query parameter as text, or null when absent. The kernel coerces values to the route's
   * `query` schema, so `?limit=5` may arrive as the number 5: this returns `"5"` either way.
   */
  query(name: string): string | null {
    return asText(this.queryParams.get(name));
  }

  /** A query parameter as the JSON value the kernel passed (number, boolean, string, array), or null. */
  queryValue(name: string): Value | null {
    return this.queryParams.get(name);
  }

  /** The body when it is a JSON object, else null. */
  body(): Obj | null {
    return this.bodyValue.asObj();
  }
}

function text(obj: Obj, key: string): string {
  const value = obj.getString(key);
  return value === null ? "" : value;
}

function asText(value: Value | null): string | null {
  if (value === null || value.isNull) return null;
  const text = value.asString();
  return text !== null ? text : stringify(value);
}
