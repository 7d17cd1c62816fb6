import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { CallToolRequestSchema, ErrorCode, ListToolsRequestSchema, McpError, type CallToolResult, type Tool } from '@modelcontextprotocol/sdk/types.js';
import type { CatalogueTool } from './catalogue-tool.js';
import { errorResult } from './error-result.js';
import { errorParts, PacaApiError } from './paca-api-error.js';
import type { ToolBackend } from './tool-backend.js';
import { narrowsTools, visibleTools, type ToolSelection } from './tool-selection.js';

export interface PacaMcpServerOptions {
  /** Reported to clients as the server's version. */
  version: string;
  /** Only these toolsets (`PACA_TOOLSETS`); null = all. */
  toolsets?: string[] | null;
  /** Only read-only tools (`PACA_READ_ONLY`). */
  readOnly?: boolean;
  /** Where diagnostics go; on stdio this must be stderr. */
  logger?: (message: string) => void;
}

/**
 * The MCP protocol adapter (server name `paca`), transport-agnostic: connect it to stdio or to a
 * Streamable HTTP transport. Tools are the backend's catalogue, narrowed by toolsets and read-only
 * mode; calls run through the backend and never throw — failures are `isError` results carrying
 * the API's error code.
 *
 * @example
 * const server = createPacaMcpServer(createRestBackend({ baseUrl, headers }), { version: '0.1.0', readOnly: true });
 * await server.connect(new StdioServerTransport());
 */
export function createPacaMcpServer(backend: ToolBackend, options: PacaMcpServerOptions): Server {
  const selection: ToolSelection = { toolsets: options.toolsets ?? null, readOnly: options.readOnly ?? false };
  const log = options.logger ?? (() => undefined);
  const server = new Server({ name: 'paca', version: options.version }, { capabilities: { tools: { listChanged: true } } });

  server.setRequestHandler(ListToolsRequestSchema, async () => {
    try {
      return { tools: (await visibleTools(backend, selection)).map(toMcpTool) };
    } catch (error) {
      const { code, message } = errorParts(error);
      log(`tools/list failed: ${code}: ${message}`);
      // A list cannot be an isError result: the client gets a JSON-RPC error it can show.
      throw new McpError(ErrorCode.InternalError, `${code}: ${message}`);
    }
  });

  server.setRequestHandler(CallToolRequestSchema, async (request): Promise<CallToolResult> => {
    const { name } = request.params;
    const args = request.params.arguments ?? {};
    try {
      // Only a narrowed session needs the list: otherwise the kernel is the one that knows the tool.
      if (narrowsTools(selection) && !(await visibleTools(backend, selection)).some((tool) => tool.name === name)) {
        return errorResult(new PacaApiError('MCP_TOOL_NOT_FOUND', 404, `Unknown tool "${name}": ${hiddenBecause(selection)}`));
      }
      const { content } = await backend.callTool(name, args);
      return { content: content.length > 0 ? content : [{ type: 'text', text: 'OK' }] };
    } catch (error) {
      const result = errorResult(error);
      log(`${name} failed: ${(result.content[0] as { text: string }).text.split('\n')[0]}`);
      return result;
    }
  });

  return server;
}

function hiddenBecause({ toolsets, readOnly }: ToolSelection): string {
  const limits = [
    ...(toolsets && toolsets.length > 0 ? [`toolsets ${toolsets.join(', ')}`] : []),
    ...(readOnly ? ['read-only tools'] : []),
  ];
  return `this session lists only ${limits.join(' and ')}, and this tool is not one of them (see tools/list)`;
}

/** The catalogue's wire shape (D31) as an MCP tool; the title also goes in the annotations for older clients. */
export function toMcpTool(tool: CatalogueTool): Tool {
  return {
    name: tool.name,
    ...(tool.title ? { title: tool.title } : {}),
    description: tool.description,
    inputSchema: tool.input_schema,
    annotations: { ...tool.annotations, ...(tool.title ? { title: tool.title } : {}) },
  };
}
