import { Null, Obj, stringify } from "./json/index";
import { Response } from "./response";

/*
 * A failed call reaches the host through Extism's error (`error_set`), never through a trap: a
 * `throw` becomes a bare `unreachable` and loses its message. `fail` records the failure; the
 * entry point that is running sets the error and returns 1 once the handler returns.
 */

/** A coded failure as the host reads it: `{"code", "message", "status"}`. */
export class Failure {
  constructor(public status: i32, public code: string, public message: string) {}

  toJson(): string {
    return stringify(new Obj().setString("code", this.code).setString("message", this.message).setInt("status", this.status));
  }
}

let pending: Failure | null = null;

/**
 * Fails the current call with a coded error: the client gets the kernel's error envelope with
 * this `code`, `status` and `message`. Works in every handler (route, subscription, init); in a
 * route handler return its result. The call fails even if the handler then returns another response.
 *
 * @example
 * if (doc === null) return fail(404, "CHECKLIST_NOT_FOUND", "checklist not found");
 */
export function fail(status: i32, code: string, message: string): Response {
  pending = new Failure(status, code, message);
  return Response.json(status, new Null());
}

/** The failure recorded during this call, cleared as it is read (used by the entry points). */
export function takeFailure(): Failure | null {
  const failure = pending;
  pending = null;
  return failure;
}
