import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { getDefaultEnvironment, StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ToolListChangedNotificationSchema, type CallToolResult } from '@modelcontextprotocol/sdk/types.js';

/** The built bin (CI runs `npm run build` before the tests; locally `npx tsc -b mcp`). */
export const MAIN = fileURLToPath(new URL('../dist/main.js', import.meta.url));

/** An official SDK client connected to Paca over either transport. */
export interface McpSession {
  client: Client;
  /** A call's result, with the first text block for convenience. */
  call(name: string, args?: Record<string, unknown>): Promise<CallToolResult & { text: string }>;
  /** Calls and parses the JSON text (fails the test on isError). */
  data<T = any>(name: string, args?: Record<string, unknown>): Promise<T>;
  toolNames(): Promise<string[]>;
  close(): Promise<void>;
}

/** A spawned `paca-mcp`, recording its stderr and list-change notifications. */
export interface StdioSession extends McpSession {
  transport: StdioClientTransport;
  stderr(): string;
  /** How many `notifications/tools/list_changed` arrived. */
  listChanges(): number;
}

function session(client: Client): McpSession {
  const call = async (name: string, args: Record<string, unknown> = {}) => {
    const result = await client.callTool({ name, arguments: args }) as CallToolResult;
    const first = result.content[0];
    return { ...result, text: first?.type === 'text' ? first.text : '' };
  };
  return {
    client, call,
    async data(name, args) {
      const result = await call(name, args);
      if (result.isError) throw new Error(`${name} failed: ${result.text}`);
      return JSON.parse(result.text);
    },
    async toolNames() {
      return (await client.listTools()).tools.map((tool) => tool.name).sort();
    },
    close: () => client.close(),
  };
}

/** The kernel's `/mcp` (Streamable HTTP) with a key; `project` pins the session (`?project_id=`). */
export async function connectHttp(baseUrl: string, key: string, options: { project?: string } = {}): Promise<McpSession> {
  const url = new URL(`${baseUrl}/mcp`);
  if (options.project) url.searchParams.set('project_id', options.project);
  const client = new Client({ name: 'paca-mcp-tests', version: '0.0.0' });
  await client.connect(new StreamableHTTPClientTransport(url, { requestInit: { headers: { 'x-api-key': key } } }));
  return session(client);
}

/** Spawns the bin with exactly `env` (plus PATH and the like) and connects. */
export async function connectStdio(env: Record<string, string>): Promise<StdioSession> {
  const transport = new StdioClientTransport({ command: process.execPath, args: [MAIN], env: { ...getDefaultEnvironment(), ...env }, stderr: 'pipe' });
  let stderr = '';
  transport.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const client = new Client({ name: 'paca-mcp-tests', version: '0.0.0' });
  let changes = 0;
  client.setNotificationHandler(ToolListChangedNotificationSchema, () => {
    changes += 1;
  });
  try {
    await client.connect(transport);
  } catch (error) {
    throw new Error(`paca-mcp did not start: ${(error as Error).message}\n${stderr}`);
  }
  return {
    ...session(client), transport,
    stderr: () => stderr,
    listChanges: () => changes,
  };
}
