import { coreServices, definePlugin, PacaError } from '@paca/plugin-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectData, expectError, startTestKernel, type TestKernel, type TestUser } from '../testing/index.js';

/*
 * `POST /mcp/tools/:name/call` (D31): the one implementation behind both MCP transports. Tools
 * are called as an agent writes them — project by prefix or name, tasks by key — and the state
 * they leave is read back through REST.
 */

/** A plugin that declares exactly one tool: it must be callable without any code in the kernel or `mcp/`. */
const echoManifest = {
  id: 'echo', name: 'Echo', description: 'Repeats what it is told', version: '0.1.0', kernel: '^0.1.0', runtime: 'native', main: 'index.js',
  actions: [{ action: 'echo:use', description: 'Use the echo' }],
  role_grants: { Admin: ['echo:use'], Editor: ['echo:use'] },
  routes: [{
    name: 'echo.say', method: 'POST', path: '/plugins/echo/projects/:projectId/say', action: 'echo:use',
    body: {
      type: 'object', required: ['text'], additionalProperties: false,
      properties: { text: { type: 'string', minLength: 1, maxLength: 100 }, reply_to: { type: 'string', format: 'uuid' } },
    },
  }],
  mcp: { tools: [{
    name: 'echo_say', title: 'Echo', description: 'Repeats a text in a project.', route: 'echo.say',
    input_schema: {
      type: 'object', required: ['projectId', 'text'], additionalProperties: false,
      properties: { projectId: { type: 'string' }, text: { type: 'string', minLength: 1 }, replyTo: { type: 'string', format: 'uuid' } },
    },
    annotations: { idempotentHint: true },
    args: { projectId: { in: 'path', name: 'projectId' }, text: { in: 'body', name: 'text' }, replyTo: { in: 'body', name: 'reply_to' } },
  }] },
};
const FIRST_ECHO = '00000000-0000-4000-8000-00000000e001';
const echoPlugin = definePlugin({
  register(env) {
    env.init({ deps: { routes: coreServices.routes, mcp: coreServices.mcp }, init({ routes, mcp }) {
      routes.handle('echo.say', async ({ body, projectId }) => {
        const { text, reply_to } = body as { text: string; reply_to?: string };
        return { said: text, project_id: projectId, reply_to: reply_to ?? null };
      });
      // The reference contract (coreServices.mcp): `replyTo: "first"` names an echo by a word.
      mcp.resolveReferences({ args: ['replyTo'], resolve: async (_db, { value }) => {
        if (value !== 'first') throw new PacaError('ECHO_NOT_FOUND', 404, `no echo called ${value}`);
        return FIRST_ECHO;
      } });
    } });
  },
});

/** Claims an argument the tasks plugin already resolves: it must fail its own load, nothing else. */
const greedyPlugin = definePlugin({
  register(env) {
    env.init({ deps: { mcp: coreServices.mcp }, init({ mcp }) {
      mcp.resolveReferences({ args: ['taskId'], resolve: async () => FIRST_ECHO });
    } });
  },
});
const greedyManifest = { id: 'greedy', name: 'Greedy', description: 'Wants taskId', version: '0.1.0', kernel: '^0.1.0', runtime: 'native', main: 'index.js' };

describe('POST /mcp/tools/:name/call', () => {
  let t: TestKernel;
  let editor: TestUser;
  let viewer: TestUser;
  let outsider: TestUser;
  let adminKey: string;
  let project: { id: string; name: string; task_id_prefix: string };
  let other: { id: string };

  const call = (name: string, args: Record<string, unknown>, auth: { token?: string; apiKey?: string } = { apiKey: adminKey }, extra: Record<string, unknown> = {}) =>
    t.api('POST', `/mcp/tools/${name}/call`, { ...auth, body: { arguments: args, ...extra } });
  const result = async (name: string, args: Record<string, unknown>, auth?: { token?: string; apiKey?: string }) => {
    const data = expectData(await call(name, args, auth));
    expect(data.content[0].type).toBe('text');
    return JSON.parse(data.content[0].text);
  };

  beforeAll(async () => {
    t = await startTestKernel({ plugins: [{ manifest: echoManifest, definition: echoPlugin }, { manifest: greedyManifest, definition: greedyPlugin }] });
    adminKey = expectData(await t.api('POST', '/users/me/api-keys', { token: t.adminToken, body: { name: 'mcp' } }), 201).key;
    project = expectData(await t.api('POST', '/projects', { token: t.adminToken, body: { name: 'Agent Work', task_id_prefix: 'AGW' } }), 201);
    other = expectData(await t.api('POST', '/projects', { token: t.adminToken, body: { name: 'Elsewhere', task_id_prefix: 'ELS' } }), 201);
    editor = await t.createUser();
    viewer = await t.createUser();
    outsider = await t.createUser();
    const roles = expectData(await t.api('GET', `/projects/${project.id}/roles`, { token: t.adminToken })).items as Array<{ id: string; name: string }>;
    for (const [user, role] of [[editor, 'Editor'], [viewer, 'Viewer']] as const) {
      expectData(await t.api('POST', `/projects/${project.id}/members`, { token: t.adminToken, body: { user_id: user.id, role_ids: [roles.find((r) => r.name === role)!.id] } }), 201);
    }
  });
  afterAll(async () => {
    await t?.close();
  });

  it('resolves the project by id, prefix (any case) or name, and the answer is the route’s data as JSON text', async () => {
    for (const reference of [project.id, 'AGW', 'agw', 'Agent Work', 'agent work']) {
      const data = expectData(await call('get_project', { projectId: reference }));
      expect(data.content).toHaveLength(1);
      expect(JSON.parse(data.content[0].text)).toMatchObject({ id: project.id, name: 'Agent Work' });
    }
    expectError(await call('get_project', { projectId: 'NOPE' }), 404, 'PROJECT_NOT_FOUND');
    // A project the caller may not read is not found either, by any of its names.
    expectError(await call('get_project', { projectId: 'AGW' }, { token: outsider.token }), 404, 'PROJECT_NOT_FOUND');
  });

  it('creates and finds tasks by key, moves them, and the state is what REST reads', async () => {
    const statuses = await result('list_task_statuses', { projectId: 'AGW' }) as { items: Array<{ id: string; name: string; category: string }> };
    const done = statuses.items.find((s) => s.category === 'done')!;
    const created = await result('create_task', { projectId: 'AGW', title: 'Write the MCP guide', description: '## Steps\n- list tools' }) as { id: string; key: string };
    expect(created.key).toBe('AGW-1');
    const child = await result('create_task', { projectId: 'Agent Work', title: 'Screenshots', parentTaskId: 'AGW-1' }) as { id: string; parent_task_id: string };
    expect(child.parent_task_id).toBe(created.id);
    for (const key of ['AGW-1', 'agw-1', '#1', '1', created.id]) {
      expect(await result('get_task', { projectId: 'AGW', taskId: key })).toMatchObject({ task: { id: created.id } });
    }
    await result('update_task', { projectId: 'AGW', taskId: 'AGW-1', statusId: done.id });
    await result('add_task_comment', { projectId: 'AGW', taskId: 'AGW-2', content: 'Taken **now**' });
    const rest = expectData(await t.api('GET', `/projects/${project.id}/tasks/${created.id}`, { token: t.adminToken }));
    expect(rest).toMatchObject({ status_id: done.id, description: '## Steps\n- list tools' });
    const activity = expectData(await t.api('GET', `/projects/${project.id}/tasks/${child.id}/activities`, { token: t.adminToken }));
    expect(JSON.stringify(activity)).toContain('Taken **now**');
    // Other plugins' tools take keys too: sprints' taskIds, and the link target.
    const sprint = await result('create_sprint', { projectId: 'AGW' }) as { id: string };
    await result('move_tasks_to_sprint', { projectId: 'AGW', sprintId: sprint.id, taskIds: ['AGW-1', '#2'] });
    const link = await result('create_task_link', { projectId: 'AGW', taskId: 'AGW-2', targetTaskId: 'AGW-1', linkType: 'blocks' }) as { target_task_id?: string };
    expect(JSON.stringify(link)).toContain(created.id);
    for (const id of [created.id, child.id]) {
      expect(expectData(await t.api('GET', `/projects/${project.id}/tasks/${id}`, { token: t.adminToken })).sprint_id).toBe(sprint.id);
    }
  });

  it('answers unknown tasks, tools and bad input with the API’s codes, naming the argument', async () => {
    expectError(await call('get_task', { projectId: 'AGW', taskId: 'AGW-999' }), 404, 'TASK_NOT_FOUND');
    expectError(await call('get_task', { projectId: 'AGW', taskId: 'ELS-1' }), 404, 'TASK_NOT_FOUND');
    expectError(await call('get_task', { projectId: 'AGW', taskId: 'not a key' }), 404, 'TASK_NOT_FOUND');
    expectError(await call('no_such_tool', {}), 404, 'MCP_TOOL_NOT_FOUND');
    const missing = await call('create_task', { projectId: 'AGW' });
    expectError(missing, 422, 'VALIDATION_FAILED');
    expect(missing.json.error_details.issues).toContainEqual({ path: 'title', message: 'is required' });
    const unknown = await call('create_task', { projectId: 'AGW', title: 'x', colour: 'red' });
    expect(unknown.json.error_details.issues).toContainEqual({ path: 'colour', message: 'is not an allowed field' });
    const wrongType = await call('create_task', { projectId: 'AGW', title: 'x', storyPoints: 'three' });
    expectError(wrongType, 422, 'VALIDATION_FAILED');
    expect(wrongType.json.error_details.issues[0].path).toBe('storyPoints');
    expectError(await t.api('POST', '/mcp/tools/create_task/call', { apiKey: adminKey, body: { arguments: [], extra: 1 } }), 422, 'VALIDATION_FAILED');
    expectError(await t.api('POST', '/mcp/tools/Bad-Name/call', { apiKey: adminKey, body: {} }), 422, 'VALIDATION_FAILED');
    // Nothing was created by the refused calls.
    const tasks = expectData(await t.api('GET', `/projects/${project.id}/tasks`, { token: t.adminToken }));
    expect(tasks.items).toHaveLength(2);
  });

  it('applies the route’s permissions: a Viewer reads but may not write, and no credentials is 401', async () => {
    expect(await result('list_tasks', { projectId: 'AGW' }, { token: viewer.token })).toMatchObject({ items: expect.any(Array) });
    expectError(await call('create_task', { projectId: 'AGW', title: 'Nope' }, { token: viewer.token }), 403, 'FORBIDDEN');
    expectError(await call('create_task_status', { projectId: 'AGW', name: 'QA', category: 'inprogress' }, { token: editor.token }), 403, 'FORBIDDEN');
    expectError(await t.api('POST', '/mcp/tools/list_projects/call', { body: { arguments: {} } }), 401, 'AUTH_UNAUTHENTICATED');
    const tasks = expectData(await t.api('GET', `/projects/${project.id}/tasks`, { token: t.adminToken }));
    expect(tasks.items).toHaveLength(2);
  });

  it('keeps a pinned session in its project and fills the project in when left out', async () => {
    const pin = { pinned_project_id: 'AGW' };
    const listed = expectData(await call('list_tasks', {}, { apiKey: adminKey }, pin));
    expect(JSON.parse(listed.content[0].text).items.length).toBe(2);
    const refused = await call('list_tasks', { projectId: 'ELS' }, { apiKey: adminKey }, pin);
    expectError(refused, 403, 'MCP_PROJECT_PINNED');
    expectError(await call('create_task', { projectId: other.id, title: 'Escaped' }, { apiKey: adminKey }, pin), 403, 'MCP_PROJECT_PINNED');
    expect(expectData(await t.api('GET', `/projects/${other.id}/tasks`, { token: t.adminToken })).items).toHaveLength(0);
    expectError(await call('list_projects', {}, { apiKey: adminKey }, { pinned_project_id: 'NOPE' }), 404, 'PROJECT_NOT_FOUND');
  });

  it('runs a plugin’s tool with no code outside the plugin, and stops when the plugin is switched off', async () => {
    const listed = expectData(await t.api('GET', '/mcp/tools', { apiKey: adminKey, query: { project_id: 'AGW' } })).tools as Array<{ name: string }>;
    expect(listed.map((tool) => tool.name)).toContain('echo_say');
    expect(await result('echo_say', { projectId: 'AGW', text: 'hello' })).toMatchObject({ said: 'hello', project_id: project.id });
    expect(await result('echo_say', { projectId: 'AGW', text: 'again', replyTo: 'first' })).toMatchObject({ reply_to: FIRST_ECHO });
    expectError(await call('echo_say', { projectId: 'AGW', text: 'again', replyTo: 'second' }), 404, 'ECHO_NOT_FOUND');
    expectError(await call('echo_say', { projectId: 'AGW', text: 'hi' }, { token: viewer.token }), 403, 'FORBIDDEN');
    expectData(await t.api('PATCH', '/admin/plugins/echo', { token: t.adminToken, body: { enabled: false } }));
    expectError(await call('echo_say', { projectId: 'AGW', text: 'hello' }), 404, 'MCP_TOOL_NOT_FOUND');
    const after = expectData(await t.api('GET', '/mcp/tools', { apiKey: adminKey, query: { project_id: 'AGW' } })).tools as Array<{ name: string }>;
    expect(after.map((tool) => tool.name)).not.toContain('echo_say');
    expectData(await t.api('PATCH', '/admin/plugins/echo', { token: t.adminToken, body: { enabled: true } }));
  });

  it('refuses a plugin that claims an argument another plugin resolves, and keeps the first resolver', async () => {
    const greedy = expectData(await t.api('GET', '/admin/plugins/greedy', { token: t.adminToken }));
    expect(greedy).toMatchObject({ status: 'failed', error: { code: 'PLUGIN_TOOL_REFERENCE_TAKEN' } });
    expect(await result('get_task', { projectId: 'AGW', taskId: 'AGW-1' })).toMatchObject({ task: { key: 'AGW-1' } });
  });
});
