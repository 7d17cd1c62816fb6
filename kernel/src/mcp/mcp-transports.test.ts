import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { coreServices, definePlugin } from '@paca/plugin-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectData, startTestKernel, type TestKernel } from '../testing/index.js';

/*
 * Both MCP transports with the official SDK client (D31): Streamable HTTP at the kernel's `/mcp`
 * and the stdio `paca-mcp` bin (built by `npm run build`) pointed at the same kernel. A plugin
 * that declares one tool shows up in both without any code in the kernel or in `mcp/`.
 */

const BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../mcp/dist/main.js');

const shoutManifest = {
  id: 'shout', name: 'Shout', description: 'Upper-cases a text', version: '0.1.0', kernel: '^0.1.0', runtime: 'native', main: 'index.js',
  actions: [{ action: 'shout:use', description: 'Shout' }],
  role_grants: { Admin: ['shout:use'], Editor: ['shout:use'], Viewer: ['shout:use'] },
  routes: [{
    name: 'shout.say', method: 'GET', path: '/plugins/shout/projects/:projectId/shout', action: 'shout:use',
    query: { type: 'object', properties: { text: { type: 'string', minLength: 1, maxLength: 100 } }, required: ['text'], additionalProperties: false },
  }],
  mcp: { tools: [{
    name: 'shout_text', title: 'Shout', description: 'Returns the text in capitals.', route: 'shout.say', toolset: 'fun',
    input_schema: { type: 'object', properties: { projectId: { type: 'string' }, text: { type: 'string' } }, required: ['projectId', 'text'], additionalProperties: false },
    annotations: { readOnlyHint: true },
    args: { projectId: { in: 'path', name: 'projectId' }, text: { in: 'query', name: 'text' } },
  }] },
};
const shoutPlugin = definePlugin({
  register(env) {
    env.init({ deps: { routes: coreServices.routes }, init({ routes }) {
      routes.handle('shout.say', async ({ query }) => ({ text: String((query as { text: string }).text).toUpperCase() }));
    } });
  },
});

type ToolResult = { isError?: boolean; content: Array<{ type: string; text?: string }> };
const text = (result: unknown) => (result as ToolResult).content.map((c) => c.text ?? '').join('\n');

describe('MCP transports', () => {
  let t: TestKernel;
  let baseUrl: string;
  let adminKey: string;
  let viewerKey: string;
  let projectId: string;
  const clients: Client[] = [];

  async function overHttp(key: string, query = ''): Promise<Client> {
    const client = new Client({ name: 'test', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(`${baseUrl}/mcp${query}`), { requestInit: { headers: { 'x-api-key': key } } }));
    clients.push(client);
    return client;
  }

  async function overStdio(key: string, env: Record<string, string> = {}): Promise<Client> {
    const client = new Client({ name: 'test', version: '1.0.0' });
    await client.connect(new StdioClientTransport({
      command: process.execPath, args: [BIN], stderr: 'pipe',
      env: { PATH: process.env.PATH ?? '', PACA_API_URL: baseUrl, PACA_API_KEY: key, PACA_TOOLS_POLL_MS: '0', ...env },
    }));
    clients.push(client);
    return client;
  }

  beforeAll(async () => {
    t = await startTestKernel({ plugins: [{ manifest: shoutManifest, definition: shoutPlugin }] });
    baseUrl = await t.listen();
    adminKey = expectData(await t.api('POST', '/users/me/api-keys', { token: t.adminToken, body: { name: 'mcp' } }), 201).key;
    const project = expectData(await t.api('POST', '/projects', { token: t.adminToken, body: { name: 'Transports', task_id_prefix: 'TRN' } }), 201);
    projectId = project.id;
    const viewer = await t.createUser();
    const roles = expectData(await t.api('GET', `/projects/${project.id}/roles`, { token: t.adminToken })).items as Array<{ id: string; name: string }>;
    expectData(await t.api('POST', `/projects/${project.id}/members`, { token: t.adminToken, body: { user_id: viewer.id, role_ids: [roles.find((r) => r.name === 'Viewer')!.id] } }), 201);
    viewerKey = expectData(await t.api('POST', '/users/me/api-keys', { token: viewer.token, body: { name: 'mcp' } }), 201).key;
    expectData(await t.api('POST', `/projects/${project.id}/tasks`, { token: t.adminToken, body: { title: 'First' } }), 201);
  });
  afterAll(async () => {
    await Promise.all(clients.map((client) => client.close().catch(() => undefined)));
    await t?.close();
  });

  it('refuses /mcp without a key or with a cookie only, and answers a keyed GET with 405 (stateless)', async () => {
    const post = (headers: Record<string, string>) => fetch(`${baseUrl}/mcp`, {
      method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
    });
    const none = await post({});
    expect(none.status).toBe(401);
    expect(await none.json()).toMatchObject({ success: false, error_code: 'AUTH_UNAUTHENTICATED' });
    expect((await post({ cookie: `access_token=${t.adminToken}` })).status).toBe(401);
    const bad = await post({ 'x-api-key': 'paca_not_a_real_key' });
    expect(bad.status).toBe(401);
    expect(((await bad.json()) as { error_code: string }).error_code).toBe('AUTH_TOKEN_INVALID');
    expect((await fetch(`${baseUrl}/mcp`, { headers: { 'x-api-key': adminKey } })).status).toBe(405);
  });

  for (const transport of ['http', 'stdio'] as const) {
    describe(transport, () => {
      const connect = (key: string, options: { toolsets?: string; readOnly?: boolean; project?: string } = {}) => {
        if (transport === 'http') {
          const query = new URLSearchParams({
            ...(options.toolsets ? { toolsets: options.toolsets } : {}), ...(options.readOnly ? { read_only: 'true' } : {}), ...(options.project ? { project_id: options.project } : {}),
          }).toString();
          return overHttp(key, query ? `?${query}` : '');
        }
        return overStdio(key, {
          ...(options.toolsets ? { PACA_TOOLSETS: options.toolsets } : {}), ...(options.readOnly ? { PACA_READ_ONLY: 'true' } : {}), ...(options.project ? { PACA_PROJECT_ID: options.project } : {}),
        });
      };

      it('lists the kernel’s, the core plugins’ and a test plugin’s tools, narrowed by permissions, toolsets and read-only mode', async () => {
        const admin = await connect(adminKey);
        const all = (await admin.listTools()).tools;
        const names = all.map((tool) => tool.name);
        expect(names).toEqual(expect.arrayContaining(['list_projects', 'create_task', 'get_task', 'list_sprints', 'write_doc', 'shout_text']));
        expect(all.find((tool) => tool.name === 'shout_text')).toMatchObject({ title: 'Shout', annotations: { readOnlyHint: true }, inputSchema: { required: ['projectId', 'text'] } });

        const viewerNames = (await (await connect(viewerKey, { project: 'TRN' })).listTools()).tools.map((tool) => tool.name);
        expect(viewerNames).toEqual(expect.arrayContaining(['list_tasks', 'get_task', 'shout_text']));
        expect(viewerNames).not.toContain('create_task');
        expect(viewerNames).not.toContain('create_project_role');

        const fun = (await (await connect(adminKey, { toolsets: 'fun' })).listTools()).tools.map((tool) => tool.name);
        expect(fun).toEqual(['shout_text']);
        const readOnly = (await (await connect(adminKey, { readOnly: true })).listTools()).tools;
        expect(readOnly.length).toBeGreaterThan(20);
        expect(readOnly.every((tool) => tool.annotations?.readOnlyHint === true)).toBe(true);
        expect(readOnly.map((tool) => tool.name)).not.toContain('create_task');

        // A plugin switched off workspace-wide takes its tools with it; switched on, they are back.
        expectData(await t.api('PATCH', '/admin/plugins/shout', { token: t.adminToken, body: { enabled: false } }));
        try {
          expect((await admin.listTools()).tools.map((tool) => tool.name)).not.toContain('shout_text');
          const off = await admin.callTool({ name: 'shout_text', arguments: { projectId: 'TRN', text: 'x' } }) as ToolResult;
          expect(off.isError).toBe(true);
          expect(text(off)).toMatch(/^MCP_TOOL_NOT_FOUND/);
        } finally {
          expectData(await t.api('PATCH', '/admin/plugins/shout', { token: t.adminToken, body: { enabled: true } }));
        }
        expect((await admin.listTools()).tools.map((tool) => tool.name)).toContain('shout_text');
      });

      it('runs tools as the caller and reports failures as isError results with the API’s code', async () => {
        const admin = await connect(adminKey);
        expect(text(await admin.callTool({ name: 'shout_text', arguments: { projectId: 'TRN', text: 'hello' } }))).toContain('HELLO');
        const task = JSON.parse(text(await admin.callTool({ name: 'get_task_by_number', arguments: { projectId: 'Transports', taskNumber: 1 } })));
        expect(task).toMatchObject({ key: 'TRN-1', title: 'First' });

        const missing = await admin.callTool({ name: 'get_task', arguments: { projectId: 'TRN', taskId: 'TRN-404' } }) as ToolResult;
        expect(missing.isError).toBe(true);
        expect(text(missing)).toMatch(/^TASK_NOT_FOUND/);
        const invalid = await admin.callTool({ name: 'create_task', arguments: { projectId: 'TRN', title: '' } }) as ToolResult;
        expect(invalid.isError).toBe(true);
        expect(text(invalid)).toMatch(/VALIDATION_FAILED/);
        expect(text(invalid)).toContain('title');

        const viewer = await connect(viewerKey);
        const denied = await viewer.callTool({ name: 'create_task', arguments: { projectId: 'TRN', title: 'Sneaky' } }) as ToolResult;
        expect(denied.isError).toBe(true);
        expect(text(denied)).toMatch(/^FORBIDDEN/);
        const readOnly = await connect(adminKey, { readOnly: true });
        const hidden = await readOnly.callTool({ name: 'create_task', arguments: { projectId: 'TRN', title: 'Hidden' } }) as ToolResult;
        expect(hidden.isError).toBe(true);
        const tasks = expectData(await t.api('GET', `/projects/${projectId}/tasks`, { token: t.adminToken }));
        expect(tasks.items.map((x: { title: string }) => x.title)).toEqual(['First']);
      });
    });
  }
});
