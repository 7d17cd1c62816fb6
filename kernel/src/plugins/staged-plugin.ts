import type { EventHandler, HostFunctionDefinition, ProjectHook, RouteHandler, ToolReferenceResolver } from '@paca/plugin-sdk';
import type { WasmPlugin } from './wasm/wasm-plugin.js';

/** What a plugin registered while loading; applied only when every step of its load succeeded. */
export interface StagedPlugin {
  handlers: Map<string, RouteHandler>;
  subscriptions: Map<string, EventHandler>;
  hooks: { created: ProjectHook[]; enabled: ProjectHook[] };
  hostFunctions: HostFunctionDefinition[];
  /** MCP argument resolvers (`PREFIX-N` → task id) it offers the catalogue (D31). */
  references: ToolReferenceResolver[];
  /** Services and extension points this plugin provides, by ref id. */
  provides: Map<string, unknown>;
  /** A sandboxed plugin's loaded guest; its routes run outside a transaction and commit themselves (D22). */
  wasm: WasmPlugin | null;
}

export function emptyStage(): StagedPlugin {
  return { handlers: new Map(), subscriptions: new Map(), hooks: { created: [], enabled: [] }, hostFunctions: [], references: [], provides: new Map(), wasm: null };
}
