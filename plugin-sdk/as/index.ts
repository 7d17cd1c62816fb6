/*
 * @paca/plugin-sdk/as: AssemblyScript helpers for sandboxed WASM plugins (Extism), over
 * @extism/as-pdk. The contract with the kernel is the WASM ABI: four exports taking and
 * returning UTF-8 JSON, and one host import, `paca_call`. See README "WASM plugins".
 */
export { init, handle_request, handle_event, shutdown } from "./entry-points";
// Parsed for the build's `--use abort=~lib/@paca/plugin-sdk/as/abort/pacaAbort`.
import "./abort";
import * as JSON from "./json/index";
export { JSON };
export { Principal } from "./principal";
export { Request } from "./request";
export { Response } from "./response";
export { Event } from "./event";
export { fail } from "./failure";
export { routes, subscriptions, RouteHandler, EventHandler } from "./router";
export { lifecycle, PluginInfo, InitHandler, ShutdownHandler } from "./lifecycle";
export { callHost, HostResult } from "./host-call";
export { collections } from "./host/collections";
export { Query } from "./host/query";
export { kv } from "./host/kv";
export { cache } from "./host/cache";
export { tasks } from "./host/tasks";
export { projects } from "./host/projects";
export { members } from "./host/members";
export { events } from "./host/events";
export { activity, ActivityEntry } from "./host/activity";
export { permission } from "./host/permission";
export { config } from "./host/config";
export { log } from "./host/log";
export { http } from "./host/http";
export { Found, found, refusedWith } from "./found";
export { Placement, placeAt, respacedRank } from "./ranks";
