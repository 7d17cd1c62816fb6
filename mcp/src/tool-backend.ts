import type { CatalogueTool, ToolCallResult } from './catalogue-tool.js';

/**
 * Where an MCP server gets its tools and runs them. The stdio bin uses the REST API
 * ({@link createRestBackend}); the kernel's `/mcp` endpoint uses the same backend with a `fetch`
 * that goes through `app.inject`, so both transports run tools through one implementation (D31).
 *
 * Failures are thrown as {@link PacaApiError} (or any error carrying a string `code`), which the
 * server turns into an `isError` result.
 *
 * @example
 * const backend = createRestBackend({ baseUrl: 'http://localhost:8080', headers: { 'x-api-key': key } });
 * const tools = await backend.listTools();
 * const { content } = await backend.callTool('get_task', { projectId: 'PACA', taskId: 'PACA-12' });
 */
export interface ToolBackend {
  /** The tools the caller may use (in the pinned project, when there is one). */
  listTools(): Promise<CatalogueTool[]>;
  callTool(name: string, args: Record<string, unknown>): Promise<ToolCallResult>;
}
