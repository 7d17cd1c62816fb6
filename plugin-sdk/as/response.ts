import { Null, Obj, stringify, Value } from "./json/index";

/**
 * What a route handler answers: a 2xx status, a JSON body and optional `x-…` headers. The kernel
 * wraps the body in its success envelope (`{success: true, data, request_id}`). Refuse a request
 * with `fail(...)`.
 *
 * @example
 * return Response.json(201, new JSON.Obj().setString("id", id)).header("x-checklist-count", count.toString());
 */
export class Response {
  private headers: Obj | null = null;

  constructor(public status: i32, public body: Value) {}

  static json(status: i32, body: Value): Response {
    return new Response(status, body);
  }

  /** 204 without a body (the route's manifest `status` says 204 too). */
  static noContent(): Response {
    return new Response(204, new Null());
  }

  /** The kernel passes on `x-…` headers only: a plugin describes its answer, it does not set cookies or caching. */
  header(name: string, value: string): Response {
    let headers = this.headers;
    if (headers === null) {
      headers = new Obj();
      this.headers = headers;
    }
    headers.setString(name, value);
    return this;
  }

  /** The ABI output: `{"status", "body", "headers"?}`. */
  toJson(): string {
    const out = new Obj().setInt("status", this.status).set("body", this.body);
    const headers = this.headers;
    if (headers !== null) out.set("headers", headers);
    return stringify(out);
  }
}
