/** What `init` receives: the plugin's id and version from `plugin.json`. */
export class PluginInfo {
  constructor(public id: string, public version: string) {}
}

export type InitHandler = (info: PluginInfo) => void;
export type ShutdownHandler = () => void;

let initHandler: InitHandler | null = null;
let shutdownHandler: ShutdownHandler | null = null;

/**
 * Hooks for the `init` and `shutdown` calls. `init` runs once per instance, outside any project
 * (host functions scoped to a project are refused there); `fail(...)` in it fails the plugin's load.
 *
 * @example
 * lifecycle.onInit((info: PluginInfo): void => { log.info("starting " + info.version); });
 */
export namespace lifecycle {
  export function onInit(handler: InitHandler): void {
    initHandler = handler;
  }

  export function onShutdown(handler: ShutdownHandler): void {
    shutdownHandler = handler;
  }
}

export function runInit(info: PluginInfo): void {
  const handler = initHandler;
  if (handler !== null) handler(info);
}

export function runShutdown(): void {
  const handler = shutdownHandler;
  if (handler !== null) handler();
}
