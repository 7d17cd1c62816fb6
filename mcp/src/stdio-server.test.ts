import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { expectData, startTestKernel, type TestKernel, type TestUser } from '@paca/kernel/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { connectStdio, MAIN, type StdioSession } from './mcp-client.fixture.js';

/*
 * `paca-mcp` as a client runs it: the built bin spawned over stdio by the official SDK client,
 * against a real kernel listening on a port. What the agent sees (tools, results, isError
 * texts) is checked against the kernel's own catalogue and the state REST reads afterwards.
 */

interface ListedTool { name: string; toolset: string; owner: string; annotations?: { readOnlyHint?: boolean } }

let t: TestKernel;
let baseUrl: string;
let adminKey: string;
let viewer: TestUser & { key: string };
let outsider: TestUser & { key: string };
let project: { id: string; name: string };
let other: { id: string };
const sessions: StdioSession[] = [];

const keyFor = async (token: string) => expectData(await t.api('POST', '/users/me/api-keys', { token, body: { name: 'mcp' } }), 201).key as string;
/** The kernel's catalogue for a key, as the REST API lists it. */
const catalogue = async (apiKey: string, projectId?: string) =>
  expectData(await t.api('GET', '/mcp/tools', { apiKey, ...(projectId ? { query: { project_id: projectId } } : {}) })).tools as ListedTool[];
const names = (tools: Array<{ name: string }>) => tools.map((tool) => tool.name).sort();
const tasksIn = async (projectId: string) => expectData(await t.api('GET', `/projects/${projectId}/tasks`, { token: t.adminToken })).items as Array<{ title: string }>;

async function open(env: Record<string, string>): Promise<StdioSession> {
  const session = await connectStdio({ PACA_API_URL: baseUrl, PACA_TOOLS_POLL_MS: '0', ...env });
  sessions.push(session);
  return session;
}

/** Runs the bin to its exit (for the refusals that happen before the protocol starts). */
function runToExit(env: Record<string, string>, args: string[] = []): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [MAIN, ...args], { env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function waitFor<T>(check: () => T | Promise<T>, what: string, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

beforeAll(async () => {
  t = await startTestKernel();
  baseUrl = await t.listen();
  adminKey = await keyFor(t.adminToken);
  project = expectData(await t.api('POST', '/projects', { token: t.adminToken, body: { name: 'Stdio Work', task_id_prefix: 'STD' } }), 201);
  other = expectData(await t.api('POST', '/projects', { token: t.adminToken, body: { name: 'Other Place', task_id_prefix: 'OTH' } }), 201);
  const roles = expectData(await t.api('GET', `/projects/${project.id}/roles`, { token: t.adminToken })).items as Array<{ id: string; name: string }>;
  const viewerUser = await t.createUser();
  expectData(await t.api('POST', `/projects/${project.id}/members`, {
    token: t.adminToken, body: { user_id: viewerUser.id, role_ids: [roles.find((r) => r.name === 'Viewer')!.id] },
  }), 201);
  viewer = { ...viewerUser, key: await keyFor(viewerUser.token) };
  const outsiderUser = await t.createUser();
  outsider = { ...outsiderUser, key: await keyFor(outsiderUser.token) };
});

afterEach(async () => {
  await Promise.all(sessions.splice(0).map((session) => session.close().catch(() => undefined)));
});

afterAll(async () => {
  await t?.close();
});

describe('tools/list', () => {
  it('lists the kernel’s and every enabled plugin’s tools as the catalogue has them', async () => {
    const session = await open({ PACA_API_KEY: adminKey });
    const { tools } = await session.client.listTools();
    const listed = await catalogue(adminKey);
    expect(names(tools)).toEqual(names(listed));
    const owners = new Set(listed.map((tool) => tool.owner));
    for (const owner of ['kernel', 'tasks', 'sprints', 'docs', 'checklist', 'bdd']) expect(owners).toContain(owner);
    expect(names(tools)).toEqual(expect.arrayContaining(['list_projects', 'create_task', 'create_sprint', 'write_doc', 'checklist_list', 'bdd_list_scenarios']));
    const listTasks = tools.find((tool) => tool.name === 'list_tasks')!;
    expect(listTasks).toMatchObject({
      title: expect.any(String), description: expect.any(String),
      inputSchema: { type: 'object', properties: { projectId: expect.any(Object) } },
      annotations: { readOnlyHint: true, title: listTasks.title },
    });
    expect(tools.find((tool) => tool.name === 'delete_task')!.annotations).toMatchObject({ destructiveHint: true });
  });

  it('shows a user only what they may do: fewer tools without a role, read tools only for a Viewer', async () => {
    const admin = await (await open({ PACA_API_KEY: adminKey })).toolNames();
    const nobody = await (await open({ PACA_API_KEY: outsider.key })).toolNames();
    expect(nobody.length).toBeGreaterThan(0);
    expect(nobody.length).toBeLessThan(admin.length);
    expect(admin).toEqual(expect.arrayContaining(nobody));
    expect(nobody).toContain('list_projects');
    expect(nobody).not.toContain('create_task');

    const pinnedViewer = await (await open({ PACA_API_KEY: viewer.key, PACA_PROJECT_ID: 'STD' })).toolNames();
    expect(pinnedViewer).toEqual(names(await catalogue(viewer.key, project.id)));
    expect(pinnedViewer).toEqual(expect.arrayContaining(['list_tasks', 'get_task', 'read_doc']));
    expect(pinnedViewer).not.toContain('create_task');
    expect(pinnedViewer).not.toContain('create_task_status');
  });

  it('limits the list to the named toolsets, and unknown toolsets match nothing', async () => {
    const listed = await catalogue(adminKey);
    const session = await open({ PACA_API_KEY: adminKey, PACA_TOOLSETS: 'docs, sprints' });
    const shown = await session.toolNames();
    expect(shown).toEqual(names(listed.filter((tool) => tool.toolset === 'docs' || tool.toolset === 'sprints')));
    expect(shown).toEqual(expect.arrayContaining(['write_doc', 'create_sprint']));
    expect(shown).not.toContain('create_task');
    // A listed tool runs; one outside the toolsets is unknown to this session, and nothing happens.
    expect((await session.data('list_sprints', { projectId: 'STD' })).items).toEqual([]);
    const refused = await session.call('create_task', { projectId: 'STD', title: 'Outside the toolsets' });
    expect(refused.isError).toBe(true);
    expect(refused.text).toMatch(/^MCP_TOOL_NOT_FOUND: Unknown tool "create_task"/);
    expect((await tasksIn(project.id)).map((task) => task.title)).not.toContain('Outside the toolsets');

    const none = await open({ PACA_API_KEY: adminKey, PACA_TOOLSETS: 'no-such-toolset' });
    expect(await none.toolNames()).toEqual([]);
  });

  it('read-only mode shows only tools declared read-only and refuses the others', async () => {
    const listed = await catalogue(adminKey);
    const session = await open({ PACA_API_KEY: adminKey, PACA_READ_ONLY: 'true' });
    const { tools } = await session.client.listTools();
    expect(names(tools)).toEqual(names(listed.filter((tool) => tool.annotations?.readOnlyHint === true)));
    expect(tools.every((tool) => tool.annotations?.readOnlyHint === true)).toBe(true);
    expect(names(tools)).toEqual(expect.arrayContaining(['list_tasks', 'search_docs', 'list_projects']));
    expect((await session.data('list_tasks', { projectId: 'STD' })).items).toEqual(expect.any(Array));
    for (const [name, args] of [['create_task', { projectId: 'STD', title: 'Sneaky' }], ['delete_project', { projectId: 'OTH' }]] as const) {
      const refused = await session.call(name, args);
      expect(refused.isError).toBe(true);
      expect(refused.text).toContain(`Unknown tool "${name}"`);
    }
    expect((await tasksIn(project.id)).map((task) => task.title)).not.toContain('Sneaky');
    expectData(await t.api('GET', `/projects/${other.id}`, { token: t.adminToken }));
  });
});

describe('tools/call', () => {
  it('keeps a pinned session in its project: the project is filled in, and naming another is refused', async () => {
    const session = await open({ PACA_API_KEY: adminKey, PACA_PROJECT_ID: 'Stdio Work' });
    const created = await session.data('create_task', { title: 'Pinned task' });
    expect(created).toMatchObject({ key: 'STD-1', project_id: project.id });
    expect((await session.data('list_tasks', {})).items.map((task: { title: string }) => task.title)).toEqual(['Pinned task']);
    for (const reference of ['OTH', other.id, 'Other Place']) {
      const refused = await session.call('create_task', { projectId: reference, title: 'Escaped' });
      expect(refused.isError).toBe(true);
      expect(refused.text).toMatch(/^MCP_PROJECT_PINNED: /);
    }
    expect(await tasksIn(other.id)).toEqual([]);
    expect((await tasksIn(project.id)).map((task) => task.title)).toEqual(['Pinned task']);
  });

  it('returns the API’s error code and message as isError results, naming the argument at fault', async () => {
    const session = await open({ PACA_API_KEY: adminKey });
    const unknownTool = await session.call('no_such_tool', {});
    expect(unknownTool).toMatchObject({ isError: true });
    expect(unknownTool.text).toMatch(/^MCP_TOOL_NOT_FOUND: .*no_such_tool/);

    const unknownTask = await session.call('get_task', { projectId: 'STD', taskId: 'STD-999' });
    expect(unknownTask.isError).toBe(true);
    expect(unknownTask.text).toMatch(/^TASK_NOT_FOUND: /);

    const missing = await session.call('create_task', { projectId: 'STD' });
    expect(missing.isError).toBe(true);
    expect(missing.text).toMatch(/^VALIDATION_FAILED: /);
    const details = JSON.parse(missing.text.split('\n')[1]!.replace(/^details: /, ''));
    expect(details.issues).toContainEqual({ path: 'title', message: 'is required' });

    const wrongType = await session.call('create_task', { projectId: 'STD', title: 'x', storyPoints: 'three' });
    expect(wrongType.text).toMatch(/^VALIDATION_FAILED: [\s\S]*"path":"storyPoints"/);

    const unknownProject = await session.call('list_tasks', { projectId: 'NOPE' });
    expect(unknownProject.text).toMatch(/^PROJECT_NOT_FOUND: /);

    const denied = await (await open({ PACA_API_KEY: viewer.key })).call('create_task', { projectId: 'STD', title: 'Viewer task' });
    expect(denied.isError).toBe(true);
    expect(denied.text).toMatch(/^FORBIDDEN: /);
    expect((await tasksIn(project.id)).map((task) => task.title)).not.toContain('Viewer task');
  });

  it('reports an unreachable API as a tool error, not a crash', async () => {
    const session = await open({ PACA_API_KEY: adminKey, PACA_API_URL: `http://127.0.0.1:${await freePort()}` });
    const result = await session.call('list_projects', {});
    expect(result.isError).toBe(true);
    expect(result.text).toMatch(/^PACA_API_UNREACHABLE: cannot reach the Paca API at http:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED\)/);
    await expect(session.client.listTools()).rejects.toThrow(/PACA_API_UNREACHABLE/);
    // Still serving: a second call answers the same way.
    expect((await session.call('list_projects', {})).isError).toBe(true);
    expect(session.stderr()).toContain('does not answer yet; starting anyway');
  });
});

describe('startup', () => {
  it('prints its version, and refuses to start without PACA_API_KEY (exit 2, one line on stderr)', async () => {
    const version = await runToExit({}, ['--version']);
    expect(version).toMatchObject({ code: 0, stdout: '0.1.0\n' });

    const missing = await runToExit({ PACA_API_URL: baseUrl });
    expect(missing.code).toBe(2);
    expect(missing.stdout).toBe('');
    expect(missing.stderr.trim().split('\n')).toHaveLength(1);
    expect(missing.stderr).toContain('PACA_API_KEY is required');

    const badPoll = await runToExit({ PACA_API_URL: baseUrl, PACA_API_KEY: adminKey, PACA_TOOLS_POLL_MS: 'often' });
    expect(badPoll.code).toBe(2);
    expect(badPoll.stderr).toContain('PACA_TOOLS_POLL_MS');
  });

  it('refuses a key the API does not accept', async () => {
    const refused = await runToExit({ PACA_API_URL: baseUrl, PACA_API_KEY: 'paca_not_a_real_key_0000000000000000' });
    expect(refused.code).toBe(2);
    expect(refused.stdout).toBe('');
    expect(refused.stderr).toMatch(/PACA_API_KEY was refused by the Paca API \(AUTH_/);
  });

  it('refuses a pin to a project the key cannot read', async () => {
    for (const [key, pin] of [[adminKey, 'NOPE'], [outsider.key, 'STD']] as const) {
      const refused = await runToExit({ PACA_API_URL: baseUrl, PACA_API_KEY: key, PACA_PROJECT_ID: pin });
      expect(refused.code).toBe(2);
      expect(refused.stderr).toContain(`PACA_PROJECT_ID "${pin}" is no project this key can read`);
    }
  });

  it('with PACA_AGENT_ID starts only on that agent’s key, and then acts as the agent', async () => {
    const roles = expectData(await t.api('GET', `/projects/${project.id}/roles`, { token: t.adminToken })).items as Array<{ id: string; name: string }>;
    const agent = expectData(await t.api('POST', `/projects/${project.id}/agents`, {
      token: t.adminToken, body: { handle: 'stdio-bot', name: 'Stdio Bot', role_ids: [roles.find((r) => r.name === 'Editor')!.id] },
    }), 201);
    const agentKey = expectData(await t.api('POST', `/projects/${project.id}/agents/${agent.id}/api-keys`, { token: t.adminToken, body: { name: 'mcp' } }), 201).key;

    const wrongAgent = await runToExit({ PACA_API_URL: baseUrl, PACA_API_KEY: adminKey, PACA_AGENT_ID: agent.id });
    expect(wrongAgent.code).toBe(2);
    expect(wrongAgent.stderr).toContain(`PACA_AGENT_ID is ${agent.id} but PACA_API_KEY belongs to user admin`);
    const otherId = '00000000-0000-4000-8000-000000000000';
    const mismatch = await runToExit({ PACA_API_URL: baseUrl, PACA_API_KEY: agentKey, PACA_AGENT_ID: otherId });
    expect(mismatch.code).toBe(2);
    expect(mismatch.stderr).toContain(`belongs to agent ${agent.id}`);

    const session = await open({ PACA_API_KEY: agentKey, PACA_AGENT_ID: agent.id, PACA_PROJECT_ID: 'STD' });
    expect(session.stderr()).toContain('as agent stdio-bot');
    const task = await session.data('create_task', { title: 'Filed by the bot' });
    const stored = expectData(await t.api('GET', `/projects/${project.id}/tasks/${task.id}`, { token: t.adminToken }));
    const members = expectData(await t.api('GET', `/projects/${project.id}/members`, { token: t.adminToken })).items as Array<{ id: string; agent_id: string | null }>;
    expect(stored.title).toBe('Filed by the bot');
    expect(members.find((member) => member.id === stored.reporter_id)).toMatchObject({ agent_id: agent.id });
  });
});

describe('lifecycle', () => {
  it('tells the client when an admin switches a plugin off or on (realtime socket, no polling)', async () => {
    const session = await open({ PACA_API_KEY: adminKey, PACA_TOOLS_POLL_MS: '0' });
    expect(await session.toolNames()).toContain('checklist_list');
    // The watcher starts once the client has initialised; give its socket a moment to connect.
    await waitFor(() => session.stderr().includes('serving'), 'startup');
    await new Promise((resolve) => setTimeout(resolve, 500));
    try {
      expectData(await t.api('PATCH', '/admin/plugins/checklist', { token: t.adminToken, body: { enabled: false } }));
      await waitFor(() => session.listChanges() >= 1, 'notifications/tools/list_changed after disabling');
      expect(await session.toolNames()).not.toContain('checklist_list');
    } finally {
      expectData(await t.api('PATCH', '/admin/plugins/checklist', { token: t.adminToken, body: { enabled: true } }));
    }
    await waitFor(() => session.listChanges() >= 2, 'notifications/tools/list_changed after enabling');
    expect(await session.toolNames()).toContain('checklist_list');
  });

  it('hears a switch made for the pinned project alone in that project’s realtime room (polling off)', async () => {
    const session = await open({ PACA_API_KEY: adminKey, PACA_PROJECT_ID: 'STD', PACA_TOOLS_POLL_MS: '0' });
    expect(await session.toolNames()).toContain('bdd_list_scenarios');
    await waitFor(() => session.stderr().includes('serving'), 'startup');
    await new Promise((resolve) => setTimeout(resolve, 500));
    try {
      expectData(await t.api('PUT', `/projects/${project.id}/plugins/bdd`, { token: t.adminToken, body: { enabled: false } }));
      await waitFor(() => session.listChanges() >= 1, 'notifications/tools/list_changed from the project room', 5_000);
      expect(await session.toolNames()).not.toContain('bdd_list_scenarios');
    } finally {
      expectData(await t.api('PUT', `/projects/${project.id}/plugins/bdd`, { token: t.adminToken, body: { enabled: true } }));
    }
  });

  it('exits promptly when the client closes stdin, and on SIGTERM', async () => {
    const session = await open({ PACA_API_KEY: adminKey, PACA_TOOLS_POLL_MS: '1000' });
    await session.toolNames();
    const pid = session.transport.pid!;
    const started = Date.now();
    // The SDK's close ends stdin and only signals the process after 2 s: a clean exit is quicker.
    await session.close();
    expect(Date.now() - started).toBeLessThan(1_500);
    expect(() => process.kill(pid, 0)).toThrow();

    const child = spawn(process.execPath, [MAIN], { env: { PATH: process.env.PATH ?? '', PACA_API_URL: baseUrl, PACA_API_KEY: adminKey }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    await waitFor(() => stderr.includes('serving'), 'startup');
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    child.kill('SIGTERM');
    expect(await Promise.race([exited, new Promise((resolve) => setTimeout(() => resolve('still running'), 3_000))])).toBe(0);
    expect(stderr).toContain('stopping (SIGTERM)');
  });
});
