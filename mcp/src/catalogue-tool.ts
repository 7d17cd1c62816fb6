/** Hints a tool gives about its effect (MCP tool annotations, D31). */
export interface ToolAnnotations {
  readOnlyHint?: boolean;
  destructiveHint?: boolean;
  idempotentHint?: boolean;
  openWorldHint?: boolean;
}

/**
 * One tool as the kernel's catalogue lists it (`GET /api/v1/mcp/tools`, D31): the MCP fields plus
 * the group it belongs to (`toolset`), who declares it and the REST route it runs.
 */
export interface CatalogueTool {
  name: string;
  title?: string;
  description: string;
  input_schema: { type: 'object'; properties?: Record<string, object>; required?: string[]; [key: string]: unknown };
  annotations?: ToolAnnotations;
  /** The group `PACA_TOOLSETS` selects by (default: the declaring plugin's id). */
  toolset: string;
  /** `kernel` or the plugin id. */
  owner: string;
  route?: { name: string; method: string; path: string };
  args?: Record<string, { in: 'path' | 'query' | 'body'; name: string }>;
}

/** An MCP content block a tool answers with. */
export type ToolContent = { type: 'text'; text: string } | { type: 'image'; data: string; mimeType: string };

/** What `POST /api/v1/mcp/tools/:name/call` answers: MCP content (the route's data as JSON text, or an image). */
export interface ToolCallResult {
  content: ToolContent[];
}
