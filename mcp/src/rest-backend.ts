import type { CatalogueTool, ToolCallResult } from './catalogue-tool.js';
import { createPacaApiClient, type PacaApiClientOptions } from './paca-api-client.js';
import type { ToolBackend } from './tool-backend.js';

export interface RestBackendOptions extends PacaApiClientOptions {
  /** Pin every call to one project (id, task ID prefix or name): the kernel refuses calls naming another. */
  pinnedProject?: string | null;
}

/**
 * A {@link ToolBackend} over the kernel's REST API (D31): `GET /mcp/tools` lists, and
 * `POST /mcp/tools/:name/call` runs a tool server-side — reference resolution, argument mapping
 * and permission checks stay in the kernel. Network failures reject with `PACA_API_UNREACHABLE`.
 *
 * @example
 * const backend = createRestBackend({ baseUrl: 'http://localhost:8080', headers: credentialHeaders(key), pinnedProject: 'PACA' });
 */
export function createRestBackend(options: RestBackendOptions): ToolBackend {
  const api = createPacaApiClient(options);
  const pinned = options.pinnedProject || undefined;
  return {
    async listTools() {
      const data = await api.request<{ tools: CatalogueTool[] }>('GET', '/mcp/tools', { query: { project_id: pinned } });
      return data?.tools ?? [];
    },
    async callTool(name, args) {
      const data = await api.request<ToolCallResult>('POST', `/mcp/tools/${encodeURIComponent(name)}/call`, {
        body: { arguments: args, ...(pinned ? { pinned_project_id: pinned } : {}) },
      });
      return { content: data?.content ?? [] };
    },
  };
}
