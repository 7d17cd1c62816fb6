import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectData, expectError, startTestKernel, type TestKernel, type TestUser } from '../testing/index.js';
import { greetingsManifest, greetingsPlugin } from './fixtures/greetings.fixture.js';

// A plugin with routes, migrations, an emitted event, a subscription, IAM actions with role grants,
// MCP tools and a seed hook, end to end through startTestKernel (issue 4 acceptance).

let t: TestKernel;
let editor: TestUser;
let viewer: TestUser;
let outsider: TestUser;
let projectId: string;

const greetingsUrl = (id: string) => `/plugins/greetings/projects/${id}/greetings`;

async function addMember(project: string, user: TestUser, roleName: string) {
  const roles = expectData(await t.api('GET', `/projects/${project}/roles`, { token: t.adminToken }));
  const role = roles.items.find((r: { name: string }) => r.name === roleName);
  return expectData(await t.api('POST', `/projects/${project}/members`, { token: t.adminToken, body: { user_id: user.id, role_ids: [role.id] } }), 201);
}

beforeAll(async () => {
  t = await startTestKernel({ plugins: [{ manifest: greetingsManifest, definition: greetingsPlugin }] });
  editor = await t.createUser();
  viewer = await t.createUser();
  outsider = await t.createUser({ platformRoles: [] });
  projectId = expectData(await t.api('POST', '/projects', { token: t.adminToken, body: { name: 'Greeting ground' } }), 201).id;
  await addMember(projectId, editor, 'Editor');
  await addMember(projectId, viewer, 'Viewer');
});
afterAll(() => t.close());

describe('a plugin loaded through the host', () => {
  it('is listed for admins as active with its migrations applied in its own schema', async () => {
    const { plugins } = expectData(await t.api('GET', '/admin/plugins', { token: t.adminToken }));
    const greetings = plugins.find((p: { id: string }) => p.id === 'greetings');
    expect(greetings).toMatchObject({ status: 'active', enabled: true, version: '1.2.0', origin: 'installed', error: null });
    expect(greetings.actions).toEqual(['greetings:read', 'greetings:write', 'greetings:admin']);
    const history = await t.kernel.database.knex.withSchema('plugin_greetings').from('plugin_migrations').orderBy('id').pluck('name');
    expect(history).toEqual(['0001-greetings', '0002-journal']);
    expect(t.kernel.plugins.registry.get('greetings')!.migrationsApplied).toEqual(['0001-greetings', '0002-journal']);
  });

  it('seeds a new project inside the create transaction, so the next request finds the data (D20)', async () => {
    const created = expectData(await t.api('POST', '/projects', { token: t.adminToken, body: { name: 'Fresh start' } }), 201);
    const list = expectData(await t.api('GET', greetingsUrl(created.id), { token: t.adminToken }));
    expect(list.items.map((g: { text: string }) => g.text)).toEqual(['Welcome to Fresh start']);
  });

  it('serves a write with the declared status, header, transaction and event, and runs the subscription once', async () => {
    const response = await t.api('POST', greetingsUrl(projectId), { token: editor.token, body: { text: 'hello there' } });
    const greeting = expectData(response, 201);
    expect(response.headers.location).toBe(`/api/v1${greetingsUrl(projectId)}/${greeting.id}`);
    const event = await t.kernel.database.knex('events').where({ type: 'greetings.created', project_id: projectId }).first();
    expect(event.payload).toEqual({ greeting_id: greeting.id, text: 'hello there' });
    expect(event.actor_id).toBe(editor.id);

    await t.kernel.events.consumers.catchUp();
    const journal = await t.kernel.database.knex.withSchema('plugin_greetings').from('journal').where({ project_id: projectId }).select('type', 'event_id');
    expect(journal.map((j: { type: string }) => j.type).sort()).toEqual(['greetings.created', 'project.created']);
    expect(journal.find((j: { type: string }) => j.type === 'greetings.created').event_id).toBe(event.id);
    // Unsubscribed events (project.member.added) never reach the handler.
    expect(journal.some((j: { type: string }) => j.type.startsWith('project.member'))).toBe(false);

    const fetched = expectData(await t.api('GET', `${greetingsUrl(projectId)}/${greeting.id}`, { token: viewer.token }));
    expect(fetched).toEqual({ id: greeting.id, text: 'hello there' });
  });

  it('grants its actions to the system roles at evaluation time (D16)', async () => {
    expectData(await t.api('GET', greetingsUrl(projectId), { token: viewer.token }));
    expectError(await t.api('POST', greetingsUrl(projectId), { token: viewer.token, body: { text: 'nope' } }), 403, 'FORBIDDEN');
    const editorActions = expectData(await t.api('GET', `/projects/${projectId}/members/me/permissions`, { token: editor.token }));
    expect(editorActions.actions ?? editorActions).toEqual(expect.arrayContaining(['greetings:read', 'greetings:write']));
    const catalogue = expectData(await t.api('GET', '/roles/actions', { token: editor.token }));
    expect(JSON.stringify(catalogue)).toContain('greetings:write');
  });

  it('refuses callers without access: 401 without credentials, 403 for a non-member, nothing written', async () => {
    expectError(await t.api('GET', greetingsUrl(projectId)), 401, 'AUTH_UNAUTHENTICATED');
    expectError(await t.api('GET', greetingsUrl(projectId), { token: outsider.token }), 403, 'FORBIDDEN');
    expectError(await t.api('POST', greetingsUrl(projectId), { token: outsider.token, body: { text: 'sneaky' } }), 403, 'FORBIDDEN');
    const count = await t.kernel.database.knex.withSchema('plugin_greetings').from('greetings').where({ text: 'sneaky' }).count<{ n: number }[]>({ n: '*' });
    expect(Number(count[0]!.n)).toBe(0);
  });

  it('validates against the manifest schemas with the kernel envelope', async () => {
    const empty = await t.api('POST', greetingsUrl(projectId), { token: editor.token, body: { text: '' } });
    expectError(empty, 422, 'VALIDATION_FAILED');
    expect(empty.json.error_details.issues[0].path).toBe('text');
    expectError(await t.api('POST', greetingsUrl(projectId), { token: editor.token, body: { text: 'x', extra: 1 } }), 422, 'VALIDATION_FAILED');
    expectError(await t.api('GET', greetingsUrl(projectId), { token: editor.token, query: { limit: '1000' } }), 422, 'VALIDATION_FAILED');
    expectError(await t.api('GET', `${greetingsUrl(projectId)}/not-a-uuid`, { token: t.adminToken }), 422, 'VALIDATION_FAILED');
    expectError(await t.api('GET', greetingsUrl('not-a-uuid'), { token: t.adminToken }), 422, 'VALIDATION_FAILED');
    expectError(await t.api('GET', greetingsUrl('00000000-0000-4000-8000-000000000000'), { token: t.adminToken }), 404, 'PROJECT_NOT_FOUND');
    expectError(await t.api('GET', `${greetingsUrl(projectId)}/00000000-0000-4000-8000-000000000000`, { token: t.adminToken }), 404, 'GREETING_NOT_FOUND');
  });

  it('checks entity-level Deny through the resource template and the list scope helper (D15)', async () => {
    const hidden = expectData(await t.api('POST', greetingsUrl(projectId), { token: editor.token, body: { text: 'secret' } }), 201);
    const role = expectData(await t.api('POST', `/projects/${projectId}/roles`, {
      token: t.adminToken,
      body: {
        name: 'Greeter without secrets',
        policy: { version: '2026-10-01', statements: [
          { effect: 'Allow', actions: ['greetings:read', 'projects:read'], resources: [`project/${projectId}/*`] },
          { effect: 'Deny', actions: ['greetings:read'], resources: [`project/${projectId}/greeting/${hidden.id}`] },
        ] },
      },
    }), 201);
    const reader = await t.createUser({ platformRoles: [] });
    expectData(await t.api('POST', `/projects/${projectId}/members`, { token: t.adminToken, body: { user_id: reader.id, role_ids: [role.id] } }), 201);
    const list = expectData(await t.api('GET', greetingsUrl(projectId), { token: reader.token }));
    expect(list.items.length).toBeGreaterThan(0);
    expect(list.items.map((g: { id: string }) => g.id)).not.toContain(hidden.id);
    expectError(await t.api('GET', `${greetingsUrl(projectId)}/${hidden.id}`, { token: reader.token }), 403, 'FORBIDDEN');
    expectData(await t.api('GET', `${greetingsUrl(projectId)}/${hidden.id}`, { token: editor.token }));

    // Only named entities: an Allow on one greeting lists exactly that one.
    const one = expectData(await t.api('POST', `/projects/${projectId}/roles`, {
      token: t.adminToken,
      body: { name: 'One greeting', policy: { version: '2026-10-01', statements: [
        { effect: 'Allow', actions: ['greetings:read'], resources: [`project/${projectId}/greeting/${hidden.id}`, `project/${projectId}`] },
      ] } },
    }), 201);
    const narrow = await t.createUser({ platformRoles: [] });
    expectData(await t.api('POST', `/projects/${projectId}/members`, { token: t.adminToken, body: { user_id: narrow.id, role_ids: [one.id] } }), 201);
    const narrowList = expectData(await t.api('GET', greetingsUrl(projectId), { token: narrow.token }));
    expect(narrowList.items.map((g: { id: string }) => g.id)).toEqual([hidden.id]);
  });

  it('serves platform-scoped and public routes with their declared access', async () => {
    expectData(await t.api('GET', '/plugins/greetings/stats', { token: t.adminToken }));
    expectError(await t.api('GET', '/plugins/greetings/stats', { token: editor.token }), 403, 'FORBIDDEN');
    expect(expectData(await t.api('GET', '/plugins/greetings/ping'))).toEqual({ pong: true });
  });

  it('lets anonymous callers read a public project through the public grants, never write', async () => {
    const open = expectData(await t.api('POST', '/projects', { token: t.adminToken, body: { name: 'Open house', is_public: true } }), 201);
    const list = expectData(await t.api('GET', greetingsUrl(open.id)));
    expect(list.items.map((g: { text: string }) => g.text)).toEqual(['Welcome to Open house']);
    expectError(await t.api('POST', greetingsUrl(open.id), { body: { text: 'graffiti' } }), 401, 'AUTH_UNAUTHENTICATED');
    expectError(await t.api('POST', greetingsUrl(open.id), { token: outsider.token, body: { text: 'graffiti' } }), 403, 'FORBIDDEN');
  });

  it('publishes its web slots and tools to callers who may use them', async () => {
    const { plugins } = expectData(await t.api('GET', '/plugins', { token: t.adminToken }));
    const greetings = plugins.find((p: { id: string }) => p.id === 'greetings');
    expect(greetings.web.entry).toBe('web/index.js');
    expect(greetings.web.slots.map((s: { slot: string }) => s.slot)).toEqual(['project.nav', 'admin.page']);
    expect(greetings.mcp_tools).toEqual(['greetings_list', 'greetings_create']);

    const forViewer = expectData(await t.api('GET', '/plugins', { token: viewer.token, query: { project_id: projectId } }));
    const viewerSlots = forViewer.plugins.find((p: { id: string }) => p.id === 'greetings').web.slots;
    expect(viewerSlots.map((s: { slot: string }) => s.slot)).toEqual(['project.nav']);
    const forOutsider = expectData(await t.api('GET', '/plugins', { token: outsider.token }));
    expect(forOutsider.plugins.find((p: { id: string }) => p.id === 'greetings').web.slots).toEqual([]);
    expectError(await t.api('GET', '/plugins', { token: outsider.token, query: { project_id: projectId } }), 404, 'PROJECT_NOT_FOUND');
    expectError(await t.api('GET', '/plugins'), 401, 'AUTH_UNAUTHENTICATED');
  });

  it('lists its MCP tools beside the kernel tools, filtered by the caller (D31)', async () => {
    const names = (data: { tools: Array<{ name: string }> }) => data.tools.map((tool) => tool.name);
    const admin = expectData(await t.api('GET', '/mcp/tools', { token: t.adminToken }));
    expect(names(admin)).toEqual(expect.arrayContaining(['list_projects', 'create_project', 'list_project_members', 'greetings_list', 'greetings_create']));
    const tool = admin.tools.find((x: { name: string }) => x.name === 'greetings_create');
    expect(tool).toMatchObject({
      owner: 'greetings', toolset: 'greetings', annotations: {},
      route: { name: 'greetings.create', method: 'POST', path: '/api/v1/plugins/greetings/projects/:projectId/greetings' },
      args: { projectId: { in: 'path', name: 'projectId' }, text: { in: 'body', name: 'text' } },
    });

    const forViewer = names(expectData(await t.api('GET', '/mcp/tools', { token: viewer.token, query: { project_id: projectId } })));
    expect(forViewer).toContain('greetings_list');
    expect(forViewer).not.toContain('greetings_create');
    expect(forViewer).not.toContain('delete_project');
    const forEditorAnywhere = names(expectData(await t.api('GET', '/mcp/tools', { token: editor.token })));
    expect(forEditorAnywhere).toEqual(expect.arrayContaining(['greetings_list', 'greetings_create', 'list_projects']));
    const forOutsider = names(expectData(await t.api('GET', '/mcp/tools', { token: outsider.token })));
    expect(forOutsider).toContain('list_projects');
    expect(forOutsider).not.toContain('greetings_list');
    expect(forOutsider).not.toContain('create_project');
    expectError(await t.api('GET', '/mcp/tools', { token: outsider.token, query: { project_id: projectId } }), 404, 'PROJECT_NOT_FOUND');
    const onlyGreetings = names(expectData(await t.api('GET', '/mcp/tools', { token: t.adminToken, query: { toolset: 'greetings' } })));
    expect(onlyGreetings.sort()).toEqual(['greetings_create', 'greetings_list']);
  });

  it('checks contributed host functions for permission, project and caller before running them (D20)', async () => {
    const { hostFunctions } = t.kernel.plugins;
    const policies = await t.kernel.services.iam.policySetFor(t.kernel.database.knex, { type: 'user', id: viewer.id });
    const caller = (permissions: string[]) => ({ ...greetingsManifestParsed(), id: 'wasm-guest', permissions });
    const base = { projectId, principal: { type: 'user' as const, id: viewer.id }, policies, disabledPlugins: [], args: {} };

    const ok = await hostFunctions.invoke('greetings.count', { ...base, caller: caller(['core:read:greetings']) });
    expect(ok).toEqual({ ok: true, value: { count: expect.any(Number) } });
    expect((ok as { value: { count: number } }).value.count).toBeGreaterThan(0);

    const ungranted = await hostFunctions.invoke('greetings.count', { ...base, caller: caller([]) });
    expect(ungranted).toMatchObject({ ok: false, error: { code: 'PLUGIN_PERMISSION_DENIED' } });
    const elsewhere = await hostFunctions.invoke('greetings.count', { ...base, caller: caller(['core:read:greetings']), args: { project_id: '00000000-0000-4000-8000-000000000000' } });
    expect(elsewhere).toMatchObject({ ok: false, error: { code: 'PLUGIN_PERMISSION_DENIED' } });
    const outsiderPolicies = await t.kernel.services.iam.policySetFor(t.kernel.database.knex, { type: 'user', id: outsider.id });
    const noAction = await hostFunctions.invoke('greetings.count', { ...base, policies: outsiderPolicies, caller: caller(['core:read:greetings']) });
    expect(noAction).toMatchObject({ ok: false, error: { code: 'PLUGIN_PERMISSION_DENIED' } });
    const switchedOff = await hostFunctions.invoke('greetings.count', { ...base, disabledPlugins: ['greetings'], caller: caller(['core:read:greetings']) });
    expect(switchedOff).toMatchObject({ ok: false, error: { code: 'PLUGIN_NOT_ENABLED' } });
    const unknown = await hostFunctions.invoke('greetings.nothing', { ...base, caller: caller(['core:read:greetings']) });
    expect(unknown).toMatchObject({ ok: false, error: { code: 'PLUGIN_HOST_FUNCTION_NOT_FOUND' } });

    const members = await hostFunctions.invoke('members.list', { ...base, caller: caller(['core:read:members']) });
    expect(members.ok).toBe(true);
    expect((members as { value: Array<{ user_id: string }> }).value.map((m) => m.user_id)).toContain(viewer.id);
    // The kernel's own, greetings', and those of the core plugins (tasks contributes tasks.list and tasks.get).
    expect(hostFunctions.names()).toEqual(['greetings.count', 'members.list', 'projects.get', 'tasks.get', 'tasks.list']);
  });
});

describe('restart and uninstall', () => {
  it('never re-runs recorded migrations and keeps data across restarts', async () => {
    await t.restart();
    expect(t.kernel.plugins.registry.get('greetings')).toMatchObject({ status: 'active', migrationsApplied: [] });
    const list = expectData(await t.api('GET', greetingsUrl(projectId), { token: editor.token }));
    expect(list.items.some((g: { text: string }) => g.text === 'hello there')).toBe(true);
    // Projects that already had their seed are not seeded again.
    const welcomes = list.items.filter((g: { text: string }) => g.text.startsWith('Welcome'));
    expect(welcomes).toHaveLength(1);
  });

  it('uninstalls keeping data unless purged; routes answer PLUGIN_NOT_FOUND', async () => {
    const denied = await t.api('DELETE', '/admin/plugins/greetings', { token: editor.token });
    expectError(denied, 403, 'FORBIDDEN');
    expectData(await t.api('DELETE', '/admin/plugins/greetings', { token: t.adminToken }), 204);
    expectError(await t.api('GET', greetingsUrl(projectId), { token: t.adminToken }), 404, 'PLUGIN_NOT_FOUND');
    expectError(await t.api('GET', '/admin/plugins/greetings', { token: t.adminToken }), 404, 'PLUGIN_NOT_FOUND');
    const tools = expectData(await t.api('GET', '/mcp/tools', { token: t.adminToken })).tools.map((x: { name: string }) => x.name);
    expect(tools).not.toContain('greetings_list');
    const uninstalled = await t.kernel.database.knex('events').where({ type: 'plugin.uninstalled' }).first();
    expect(uninstalled.payload).toEqual({ plugin_id: 'greetings', version: '1.2.0', purged: false });
    const kept = await t.kernel.database.knex.withSchema('plugin_greetings').from('greetings').count<{ n: number }[]>({ n: '*' });
    expect(Number(kept[0]!.n)).toBeGreaterThan(0);

    // Installing it again (here: booting with it) finds its data and history.
    await t.restart();
    expect(t.kernel.plugins.registry.get('greetings')!.migrationsApplied).toEqual([]);
    const list = expectData(await t.api('GET', greetingsUrl(projectId), { token: editor.token }));
    expect(list.items.some((g: { text: string }) => g.text === 'hello there')).toBe(true);

    expectData(await t.api('DELETE', '/admin/plugins/greetings', { token: t.adminToken, query: { purge: 'true' } }), 204);
    const schema = await t.kernel.database.knex('information_schema.schemata').where({ schema_name: 'plugin_greetings' }).first();
    expect(schema).toBeUndefined();
  });
});

function greetingsManifestParsed() {
  return t.kernel.plugins.registry.get('greetings')!.manifest!;
}
