import { Event } from "./event";
import { readInput, setError, writeOutput } from "./extism-io";
import { fail, takeFailure } from "./failure";
import { PluginInfo, runInit, runShutdown } from "./lifecycle";
import { Request } from "./request";
import { Response } from "./response";
import { eventHandler, routeHandler } from "./router";

/*
 * The ABI's guest exports. A library cannot add exports to the plugin's module, so the plugin's
 * entry file re-exports these four:
 *
 *   export { init, handle_request, handle_event, shutdown } from "@paca/plugin-sdk/as";
 *
 * Each returns 0 on success, or 1 after setting the Extism error to `{"code","message","status"}`.
 */

export function init(): i32 {
  takeFailure();
  const input = readInput();
  if (input === null) return invalidInput("init");
  const id = input.getString("plugin_id");
  const version = input.getString("version");
  runInit(new PluginInfo(id === null ? "" : id, version === null ? "" : version));
  return finish(null);
}

export function handle_request(): i32 {
  takeFailure();
  const input = readInput();
  if (input === null) return invalidInput("handle_request");
  const req = Request.fromJson(input);
  const handler = routeHandler(req.route);
  const response: Response = handler === null
    ? fail(404, "NOT_FOUND", "no handler is bound to route " + req.route)
    : handler(req);
  return finish(response);
}

export function handle_event(): i32 {
  takeFailure();
  const input = readInput();
  if (input === null) return invalidInput("handle_event");
  const event = Event.fromJson(input);
  const handler = eventHandler(event.subscription);
  if (handler === null) fail(404, "NOT_FOUND", "no handler is bound to subscription " + event.subscription);
  else handler(event);
  return finish(null);
}

export function shutdown(): i32 {
  takeFailure();
  runShutdown();
  return finish(null);
}

function invalidInput(entry: string): i32 {
  fail(400, "VALIDATION_FAILED", "the input of " + entry + " is not a JSON object");
  return finish(null);
}

/** Ends a call: a recorded failure wins over the response; calls without a response output `{}`. */
function finish(response: Response | null): i32 {
  const failure = takeFailure();
  if (failure !== null) {
    setError(failure.toJson());
    return 1;
  }
  writeOutput(response === null ? "{}" : response.toJson());
  return 0;
}
