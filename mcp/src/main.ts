#!/usr/bin/env node
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { createPacaApiClient, credentialHeaders } from './paca-api-client.js';
import { subscribePluginSwitches } from './plugin-switch-feed.js';
import { createRestBackend } from './rest-backend.js';
import { createPacaMcpServer } from './server.js';
import { verifyPin, verifyPrincipal } from './startup-checks.js';
import { readStdioConfig, StdioConfigError, type StdioConfig } from './stdio-config.js';
import { watchToolList, type ToolListWatcher } from './tool-list-watcher.js';
import { visibleTools } from './tool-selection.js';
import { PACA_MCP_VERSION } from './version.js';

// stdout carries the protocol: everything else goes to stderr.
const log = (message: string) => process.stderr.write(`paca-mcp: ${message}\n`);

const USAGE = `paca-mcp ${PACA_MCP_VERSION} — Paca's MCP server over stdio

Environment:
  PACA_API_KEY        API key or agent key (required)
  PACA_API_URL        Paca server (default http://localhost:8080)
  PACA_PROJECT_ID     pin to one project: id, task ID prefix or name
  PACA_AGENT_ID       refuse to start unless the key is this agent's
  PACA_TOOLSETS       comma-separated toolsets to list (e.g. tasks,docs)
  PACA_READ_ONLY      1/true: list only read-only tools
  PACA_TOOLS_POLL_MS  tool-list poll interval (default 30000; 0 disables)
`;

async function main(argv: string[]): Promise<void> {
  if (argv.includes('--version') || argv.includes('-v')) {
    process.stdout.write(`${PACA_MCP_VERSION}\n`);
    return;
  }
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(USAGE);
    return;
  }
  let config: StdioConfig;
  try {
    config = readStdioConfig(process.env);
    await run(config);
  } catch (error) {
    if (error instanceof StdioConfigError) {
      log(error.message);
      process.exit(2);
    }
    throw error;
  }
}

async function run(config: StdioConfig): Promise<void> {
  const connection = { baseUrl: config.apiUrl, headers: credentialHeaders(config.apiKey) };
  const principal = await verifyPrincipal(createPacaApiClient(connection), config.agentId);
  if (!principal) log(`the Paca API at ${config.apiUrl} does not answer yet; starting anyway`);

  const backend = createRestBackend({ ...connection, pinnedProject: config.pinnedProject });
  const pinnedProjectId = principal ? await verifyPin(backend, config.pinnedProject) : null;
  const selection = { toolsets: config.toolsets, readOnly: config.readOnly };
  const server = createPacaMcpServer(backend, { version: PACA_MCP_VERSION, ...selection, logger: log });

  let watcher: ToolListWatcher | null = null;
  let feed: { close(): void } | null = null;
  let stopping = false;
  const shutdown = async (why: string) => {
    if (stopping) return;
    stopping = true;
    log(`stopping (${why})`);
    feed?.close();
    watcher?.close();
    await server.close().catch(() => undefined);
    // Keep-alive connections of fetch would hold the loop open a few seconds; nothing is pending now.
    setTimeout(() => process.exit(0), 200).unref();
  };
  process.stdin.once('end', () => void shutdown('stdin closed'));
  process.stdin.once('close', () => void shutdown('stdin closed'));
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));

  // Change notifications only make sense once the client has initialised (D31).
  server.oninitialized = () => {
    void (async () => {
      const names = async () => (await visibleTools(backend, selection)).map((tool) => tool.name);
      const created = await watchToolList({ listNames: names, onChange: () => server.sendToolListChanged(), pollMs: config.toolsPollMs, logger: log });
      if (stopping) return created.close();
      watcher = created;
      feed = subscribePluginSwitches({ baseUrl: config.apiUrl, token: config.apiKey, projectId: pinnedProjectId, onSwitch: () => void created.check(), logger: log });
    })();
  };

  await server.connect(new StdioServerTransport());
  const who = principal ? `${principal.principal_type === 'agent' ? 'agent' : 'user'} ${principal.username}` : 'an unchecked key';
  const limits = [
    config.pinnedProject ? `pinned to ${config.pinnedProject}` : null,
    config.toolsets ? `toolsets ${config.toolsets.join(',')}` : null,
    config.readOnly ? 'read-only' : null,
  ].filter(Boolean);
  log(`${PACA_MCP_VERSION} serving ${config.apiUrl} as ${who}${limits.length ? ` (${limits.join(', ')})` : ''}`);
}

main(process.argv.slice(2)).catch((error: unknown) => {
  log(`failed: ${(error as Error)?.stack ?? String(error)}`);
  process.exit(1);
});
