import { Event } from "./event";
import { Request } from "./request";
import { Response } from "./response";

/*
 * Handlers are bound by the names `plugin.json` declares, from the plugin's top-level code (it
 * runs once per instance, before the first call). AssemblyScript has no closures: a handler is a
 * top-level function or an arrow function that captures nothing.
 */

export type RouteHandler = (req: Request) => Response;
export type EventHandler = (event: Event) => void;

const routeHandlers = new Map<string, RouteHandler>();
const eventHandlers = new Map<string, EventHandler>();

/**
 * Route handlers by manifest route name.
 *
 * @example
 * routes.on("checklist.list", listChecklists);
 */
export namespace routes {
  export function on(name: string, handler: RouteHandler): void {
    routeHandlers.set(name, handler);
  }
}

/**
 * Event handlers by manifest subscription name.
 *
 * @example
 * subscriptions.on("task-cleanup", (event: Event): void => { ... });
 */
export namespace subscriptions {
  export function on(name: string, handler: EventHandler): void {
    eventHandlers.set(name, handler);
  }
}

export function routeHandler(name: string): RouteHandler | null {
  return routeHandlers.has(name) ? routeHandlers.get(name) : null;
}

export function eventHandler(name: string): EventHandler | null {
  return eventHandlers.has(name) ? eventHandlers.get(name) : null;
}
