import type { EventHandler, HostFunctionDefinition, ProjectHook, RouteHandler } from '@paca/plugin-sdk';

/** What a plugin registered while loading; applied only when every step of its load succeeded. */
export interface StagedPlugin {
  handlers: Map<string, RouteHandler>;
  subscriptions: Map<string, EventHandler>;
  hooks: { created: ProjectHook[]; enabled: ProjectHook[] };
  hostFunctions: HostFunctionDefinition[];
  /** Services and extension points this plugin provides, by ref id. */
  provides: Map<string, unknown>;
}

export function emptyStage(): StagedPlugin {
  return { handlers: new Map(), subscriptions: new Map(), hooks: { created: [], enabled: [] }, hostFunctions: [], provides: new Map() };
}
