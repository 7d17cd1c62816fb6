import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { expectData, startTestKernel, type TestKernel } from '@paca/kernel/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CatalogueTool } from './catalogue-tool.js';
import { PacaApiError } from './paca-api-error.js';
import { createRestBackend } from './rest-backend.js';
import { createPacaMcpServer, type PacaMcpServerOptions } from './server.js';
import type { ToolBackend } from './tool-backend.js';

/*
 * The protocol adapter without stdio: connected in memory to the official client, over the REST
 * backend whose fetch goes through `app.inject` — the way the kernel's `/mcp` endpoint uses it.
 */

async function connect(backend: ToolBackend, options: Partial<PacaMcpServerOptions> = {}) {
  const server = createPacaMcpServer(backend, { version: '9.9.9', ...options });
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  const client = new Client({ name: 'adapter-tests', version: '0.0.0' });
  await Promise.all([server.connect(serverSide), client.connect(clientSide)]);
  const call = async (name: string, args: Record<string, unknown> = {}) => {
    const result = await client.callTool({ name, arguments: args }) as CallToolResult;
    return { ...result, text: result.content[0]?.type === 'text' ? result.content[0].text : '' };
  };
  return { server, client, call, close: () => client.close() };
}

/** A fetch that never leaves the process: the request goes through Fastify's `inject`. */
function injectFetch(t: TestKernel): typeof fetch {
  return (async (input: string | URL | Request, init: RequestInit = {}) => {
    const url = new URL(typeof input === 'string' || input instanceof URL ? input : input.url);
    const response = await t.kernel.app.inject({
      method: (init.method ?? 'GET') as 'GET', url: url.pathname + url.search,
      headers: init.headers as Record<string, string>, ...(init.body ? { payload: init.body as string } : {}),
    });
    return new Response(response.statusCode === 204 ? null : response.body, { status: response.statusCode, headers: { 'content-type': String(response.headers['content-type'] ?? '') } });
  }) as typeof fetch;
}

const tool = (name: string, extra: Partial<CatalogueTool> = {}): CatalogueTool => ({
  name, title: name, description: `the ${name} tool`, input_schema: { type: 'object', properties: {} }, toolset: 'test', owner: 'test', ...extra,
});

describe('createPacaMcpServer over a REST backend through app.inject', () => {
  let t: TestKernel;
  let key: string;
  let backend: ToolBackend;

  beforeAll(async () => {
    t = await startTestKernel();
    key = expectData(await t.api('POST', '/users/me/api-keys', { token: t.adminToken, body: { name: 'mcp' } }), 201).key;
    expectData(await t.api('POST', '/projects', { token: t.adminToken, body: { name: 'Inject Work', task_id_prefix: 'INJ' } }), 201);
    backend = createRestBackend({ baseUrl: 'http://paca.internal', headers: { 'x-api-key': key }, fetch: injectFetch(t) });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('serves the catalogue and runs tools, with the server named paca', async () => {
    const session = await connect(backend);
    expect(session.client.getServerVersion()).toEqual({ name: 'paca', version: '9.9.9' });
    expect(session.client.getServerCapabilities()?.tools).toEqual({ listChanged: true });
    const { tools } = await session.client.listTools();
    const catalogue = expectData(await t.api('GET', '/mcp/tools', { apiKey: key })).tools as Array<{ name: string }>;
    expect(tools.map((x) => x.name).sort()).toEqual(catalogue.map((x) => x.name).sort());
    const created = await session.call('create_task', { projectId: 'INJ', title: 'Through inject' });
    expect(created.isError).toBeFalsy();
    expect(JSON.parse(created.text)).toMatchObject({ key: 'INJ-1', title: 'Through inject' });
    const missing = await session.call('get_task', { projectId: 'INJ', taskId: 'INJ-2' });
    expect(missing).toMatchObject({ isError: true });
    expect(missing.text).toMatch(/^TASK_NOT_FOUND: /);
    await session.close();
  });

  it('pins through the backend: listing in the project, calls filled in and kept there', async () => {
    const pinned = createRestBackend({ baseUrl: 'http://paca.internal', headers: { 'x-api-key': key }, fetch: injectFetch(t), pinnedProject: 'inj' });
    const session = await connect(pinned);
    const listed = (await session.client.listTools()).tools.map((x) => x.name);
    expect(listed).toContain('list_tasks');
    expect(JSON.parse((await session.call('list_tasks')).text).items).toHaveLength(1);
    expect((await session.call('list_tasks', { projectId: 'NOPE' })).text).toMatch(/^PROJECT_NOT_FOUND: /);
    await session.close();
  });
});

describe('createPacaMcpServer error handling', () => {
  it('never throws out of a call: uncoded errors become INTERNAL_ERROR results, details are compact JSON', async () => {
    let next: unknown = new Error('socket hang up');
    const backend: ToolBackend = {
      listTools: async () => [tool('boom'), tool('shown', { annotations: { readOnlyHint: true } })],
      callTool: async () => {
        throw next;
      },
    };
    const session = await connect(backend);
    expect(await session.call('boom')).toMatchObject({ isError: true, text: 'INTERNAL_ERROR: socket hang up' });
    next = new PacaApiError('VALIDATION_FAILED', 422, 'request validation failed', { issues: [{ path: 'title', message: 'is required' }] });
    expect((await session.call('boom')).text).toBe('VALIDATION_FAILED: request validation failed\ndetails: {"issues":[{"path":"title","message":"is required"}]}');
    next = 'a string';
    expect((await session.call('boom')).text).toBe('INTERNAL_ERROR: a string');
    await session.close();
  });

  it('answers a tools/list the backend cannot serve with a JSON-RPC error naming the code', async () => {
    const backend: ToolBackend = {
      listTools: async () => {
        throw new PacaApiError('PACA_API_UNREACHABLE', 0, 'cannot reach the Paca API at http://x (ECONNREFUSED)');
      },
      callTool: async () => ({ content: [] }),
    };
    const session = await connect(backend);
    await expect(session.client.listTools()).rejects.toThrow('PACA_API_UNREACHABLE: cannot reach the Paca API');
    // An empty answer still gives the agent something to read.
    expect(await session.call('anything')).toMatchObject({ content: [{ type: 'text', text: 'OK' }] });
    await session.close();
  });

  it('passes image content through, and keeps read-only sessions away from other tools even if the backend would run them', async () => {
    const calls: string[] = [];
    const backend: ToolBackend = {
      listTools: async () => [tool('read_image', { annotations: { readOnlyHint: true } }), tool('write_thing', { annotations: { readOnlyHint: false } })],
      callTool: async (name) => {
        calls.push(name);
        return { content: [{ type: 'image', data: 'iVBORw0KGgo=', mimeType: 'image/png' }] };
      },
    };
    const session = await connect(backend, { readOnly: true });
    expect((await session.client.listTools()).tools).toEqual([expect.objectContaining({ name: 'read_image', annotations: { readOnlyHint: true, title: 'read_image' } })]);
    expect((await session.call('read_image')).content).toEqual([{ type: 'image', data: 'iVBORw0KGgo=', mimeType: 'image/png' }]);
    expect(await session.call('write_thing')).toMatchObject({ isError: true });
    expect(calls).toEqual(['read_image']);
    await session.close();
  });
});

describe('createRestBackend', () => {
  it('turns a non-JSON answer into PACA_API_BAD_RESPONSE and an envelope error into its code, status and details', async () => {
    const answers: Response[] = [];
    const seen: Array<{ url: string; init: RequestInit }> = [];
    const backend = createRestBackend({
      baseUrl: 'http://paca.example/base/', headers: { 'x-api-key': 'paca_k' }, pinnedProject: 'PACA',
      fetch: (async (url: string, init: RequestInit) => {
        seen.push({ url, init });
        return answers.shift()!;
      }) as typeof fetch,
    });
    answers.push(new Response('<html>502 Bad Gateway</html>', { status: 502 }));
    await expect(backend.listTools()).rejects.toMatchObject({ code: 'PACA_API_BAD_RESPONSE', status: 502 });
    expect(seen[0]!.url).toBe('http://paca.example/base/api/v1/mcp/tools?project_id=PACA');
    expect(seen[0]!.init.headers).toMatchObject({ 'x-api-key': 'paca_k' });

    answers.push(Response.json({ success: false, error_code: 'MCP_PROJECT_PINNED', error: 'pinned', error_details: { pinned_project_id: 'p' }, request_id: 'r' }, { status: 403 }));
    await expect(backend.callTool('list_tasks', { projectId: 'OTHER' })).rejects.toMatchObject({ code: 'MCP_PROJECT_PINNED', status: 403, message: 'pinned', details: { pinned_project_id: 'p' } });
    expect(seen[1]!.url).toBe('http://paca.example/base/api/v1/mcp/tools/list_tasks/call');
    expect(JSON.parse(seen[1]!.init.body as string)).toEqual({ arguments: { projectId: 'OTHER' }, pinned_project_id: 'PACA' });
  });
});
