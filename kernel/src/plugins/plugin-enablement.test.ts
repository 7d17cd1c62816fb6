import { coreServices } from '@paca/plugin-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectData, expectError, startTestKernel, type ApiResponse, type TestKernel, type TestUser } from '../testing/index.js';
import { greetingsManifest, greetingsPlugin } from './fixtures/greetings.fixture.js';
import { minimalPlugin } from './fixtures/minimal.fixture.js';

// D21 enablement: core plugins never switch off, a required plugin cannot switch off under its
// dependant, and a plugin switched off (for a project or the workspace) stops serving there —
// routes, tools, role grants — until switched back on, when projects it missed get their seed.

let t: TestKernel;
let editor: TestUser;
let projectAdmin: TestUser;
let bystander: TestUser;
let switchboard: string;
let neighbour: string;

const greetingsUrl = (projectId: string) => `/plugins/greetings/projects/${projectId}/greetings`;
const plusUrl = (projectId: string) => `/plugins/greetings-plus/projects/${projectId}/echo`;
const coreUrl = (projectId: string) => `/core-thing/projects/${projectId}/things`;

const coreThing = minimalPlugin('core-thing', {
  optional: false,
  actions: [{ action: 'core_thing:read', description: 'Read things' }],
  role_grants: { Admin: ['core_thing:read'], Editor: ['core_thing:read'], Viewer: ['core_thing:read'] },
  routes: [{ name: 'core-thing.list', method: 'GET', path: '/core-thing/projects/:projectId/things', action: 'core_thing:read' }],
}, {
  origin: 'core',
  register(env) {
    env.init({ deps: { routes: coreServices.routes }, init({ routes }) { routes.handle('core-thing.list', async () => ({ items: ['thing'] })); } });
  },
});

const greetingsPlus = minimalPlugin('greetings-plus', {
  requires: { greetings: '^1.0.0' },
  actions: [{ action: 'greetings_plus:read', description: 'Read echoes' }],
  role_grants: { Admin: ['greetings_plus:read'], Editor: ['greetings_plus:read'], Viewer: ['greetings_plus:read'] },
  routes: [{ name: 'greetings-plus.echo', method: 'GET', path: '/plugins/greetings-plus/projects/:projectId/echo', action: 'greetings_plus:read' }],
}, {
  register(env) {
    env.init({ deps: { routes: coreServices.routes }, init({ routes }) { routes.handle('greetings-plus.echo', async ({ projectId }) => ({ echo: projectId })); } });
  },
});

const brokenInit = minimalPlugin('broken-init', {}, {
  register(env) {
    env.init({ deps: {}, init() { throw new Error('never starts'); } });
  },
});

async function addMember(project: string, user: TestUser, roleName: string) {
  const roles = expectData(await t.api('GET', `/projects/${project}/roles`, { token: t.adminToken }));
  const role = roles.items.find((r: { name: string }) => r.name === roleName);
  return expectData(await t.api('POST', `/projects/${project}/members`, { token: t.adminToken, body: { user_id: user.id, role_ids: [role.id] } }), 201);
}

const db = () => t.kernel.database.knex;

async function pluginsRow(id: string) {
  return db()('plugins').where({ id }).first('id', 'enabled', 'updated_at');
}

async function projectSwitch(projectId: string, pluginId: string): Promise<boolean | undefined> {
  const row = await db()('project_plugins').where({ project_id: projectId, plugin_id: pluginId }).first('enabled');
  return row?.enabled;
}

async function pluginEvents(type: string, pluginId: string) {
  const rows = await db()('events').where({ type }).orderBy('id').select('project_id', 'payload', 'actor_id');
  return rows.filter((r: { payload: { plugin_id: string } }) => r.payload.plugin_id === pluginId);
}

async function toolNames(token: string, projectId?: string): Promise<string[]> {
  const data = expectData(await t.api('GET', '/mcp/tools', { token, ...(projectId ? { query: { project_id: projectId } } : {}) }));
  return data.tools.map((tool: { name: string }) => tool.name);
}

async function myActions(token: string, projectId: string): Promise<string[]> {
  const data = expectData(await t.api('GET', `/projects/${projectId}/members/me/permissions`, { token }));
  return data.actions;
}

async function welcomes(projectId: string): Promise<string[]> {
  return db().withSchema('plugin_greetings').from('greetings').where({ project_id: projectId }).where('text', 'like', 'Welcome%').pluck('text');
}

function details(response: ApiResponse) {
  return response.json.error_details;
}

beforeAll(async () => {
  t = await startTestKernel({
    corePlugins: false,
    plugins: [coreThing, { manifest: greetingsManifest, definition: greetingsPlugin }, greetingsPlus, brokenInit],
  });
  editor = await t.createUser();
  projectAdmin = await t.createUser();
  bystander = await t.createUser();
  switchboard = expectData(await t.api('POST', '/projects', { token: t.adminToken, body: { name: 'Switchboard' } }), 201).id;
  neighbour = expectData(await t.api('POST', '/projects', { token: t.adminToken, body: { name: 'Neighbour' } }), 201).id;
  await addMember(switchboard, editor, 'Editor');
  await addMember(switchboard, projectAdmin, 'Admin');
  await addMember(neighbour, editor, 'Editor');
});
afterAll(() => t?.close());

describe('a core plugin (optional: false)', () => {
  it('cannot be switched off workspace-wide, per project, or uninstalled: 409 PLUGIN_IS_CORE, nothing changes', async () => {
    const view = expectData(await t.api('GET', '/admin/plugins/core-thing', { token: t.adminToken }));
    expect(view).toMatchObject({ origin: 'core', optional: false, enabled: true, status: 'active' });
    const before = await pluginsRow('core-thing');

    expectError(await t.api('PATCH', '/admin/plugins/core-thing', { token: t.adminToken, body: { enabled: false } }), 409, 'PLUGIN_IS_CORE');
    expectError(await t.api('PUT', `/projects/${switchboard}/plugins/core-thing`, { token: t.adminToken, body: { enabled: false } }), 409, 'PLUGIN_IS_CORE');
    expectError(await t.api('DELETE', '/admin/plugins/core-thing', { token: t.adminToken }), 409, 'PLUGIN_IS_CORE');
    expectError(await t.api('DELETE', '/admin/plugins/core-thing', { token: t.adminToken, query: { purge: 'true' } }), 409, 'PLUGIN_IS_CORE');

    expect(await pluginsRow('core-thing')).toEqual(before);
    expect(await projectSwitch(switchboard, 'core-thing')).toBeUndefined();
    expect(await pluginEvents('plugin.disabled', 'core-thing')).toEqual([]);
    expect(await pluginEvents('plugin.uninstalled', 'core-thing')).toEqual([]);
    expect(expectData(await t.api('GET', coreUrl(switchboard), { token: editor.token }))).toEqual({ items: ['thing'] });
    expect(expectData(await t.api('GET', '/admin/plugins/core-thing', { token: t.adminToken }))).toMatchObject({ enabled: true, status: 'active' });
  });
});

describe('a plugin another one requires', () => {
  it('cannot be switched off workspace-wide under it: 409 PLUGIN_REQUIRED_BY naming the dependant', async () => {
    const before = await pluginsRow('greetings');
    const response = await t.api('PATCH', '/admin/plugins/greetings', { token: t.adminToken, body: { enabled: false } });
    expectError(response, 409, 'PLUGIN_REQUIRED_BY');
    expect(details(response).required_by).toEqual(['greetings-plus']);
    expect(await pluginsRow('greetings')).toEqual(before);
    expect(await pluginEvents('plugin.disabled', 'greetings')).toEqual([]);
    expectData(await t.api('GET', greetingsUrl(switchboard), { token: editor.token }));
  });

  it('cannot be switched off in a project where the dependant is on: same 409', async () => {
    const response = await t.api('PUT', `/projects/${switchboard}/plugins/greetings`, { token: t.adminToken, body: { enabled: false } });
    expectError(response, 409, 'PLUGIN_REQUIRED_BY');
    expect(details(response).required_by).toEqual(['greetings-plus']);
    expect(await projectSwitch(switchboard, 'greetings')).not.toBe(false);
    expect(await pluginEvents('plugin.disabled', 'greetings')).toEqual([]);
    expectData(await t.api('GET', greetingsUrl(switchboard), { token: editor.token }));
  });

  it('can be switched off in the project once the dependant is off there', async () => {
    expect(expectData(await t.api('PUT', `/projects/${switchboard}/plugins/greetings-plus`, { token: t.adminToken, body: { enabled: false } })))
      .toEqual({ plugin_id: 'greetings-plus', project_id: switchboard, enabled: false });
    expect(expectData(await t.api('PUT', `/projects/${switchboard}/plugins/greetings`, { token: t.adminToken, body: { enabled: false } })))
      .toEqual({ plugin_id: 'greetings', project_id: switchboard, enabled: false });
    expect(await projectSwitch(switchboard, 'greetings')).toBe(false);
    expect(await projectSwitch(switchboard, 'greetings-plus')).toBe(false);
    // Only in that project.
    expect(await projectSwitch(neighbour, 'greetings')).not.toBe(false);
  });

  it('keeps the dependant off while what it requires is off: 409 PLUGIN_DEPENDENCY_DISABLED', async () => {
    const response = await t.api('PUT', `/projects/${switchboard}/plugins/greetings-plus`, { token: t.adminToken, body: { enabled: true } });
    expectError(response, 409, 'PLUGIN_DEPENDENCY_DISABLED');
    expect(details(response)).toMatchObject({ plugin_id: 'greetings-plus', dependency: 'greetings' });
    expect(await projectSwitch(switchboard, 'greetings-plus')).toBe(false);
    expect(await pluginEvents('plugin.enabled', 'greetings-plus')).toEqual([]);
  });
});

describe('an optional plugin switched off in one project', () => {
  it('answers 404 PLUGIN_NOT_ENABLED there, and only there', async () => {
    expectError(await t.api('GET', greetingsUrl(switchboard), { token: t.adminToken }), 404, 'PLUGIN_NOT_ENABLED');
    expectError(await t.api('POST', greetingsUrl(switchboard), { token: t.adminToken, body: { text: 'into the void' } }), 404, 'PLUGIN_NOT_ENABLED');
    expectError(await t.api('GET', plusUrl(switchboard), { token: t.adminToken }), 404, 'PLUGIN_NOT_ENABLED');
    const [welcome] = await db().withSchema('plugin_greetings').from('greetings').where({ project_id: switchboard }).pluck('id');
    expectError(await t.api('GET', `${greetingsUrl(switchboard)}/${welcome}`, { token: t.adminToken }), 404, 'PLUGIN_NOT_ENABLED');
    const written = await db().withSchema('plugin_greetings').from('greetings').where({ text: 'into the void' }).first();
    expect(written).toBeUndefined();

    expectData(await t.api('GET', greetingsUrl(neighbour), { token: editor.token }));
    expectData(await t.api('POST', greetingsUrl(neighbour), { token: editor.token, body: { text: 'next door' } }), 201);
    expect(expectData(await t.api('GET', plusUrl(neighbour), { token: editor.token }))).toEqual({ echo: neighbour });
    // Platform routes do not name a project: they still serve.
    expectData(await t.api('GET', '/plugins/greetings/ping'));
  });

  // A switched-off plugin grants nothing, yet members who may see the project learn why (router gate).
  it('answers 404 PLUGIN_NOT_ENABLED to a project member too, not 403 (D21)', async () => {
    expectError(await t.api('GET', greetingsUrl(switchboard), { token: editor.token }), 404, 'PLUGIN_NOT_ENABLED');
  });

  it('drops its tools from /mcp/tools for that project', async () => {
    const here = await toolNames(t.adminToken, switchboard);
    expect(here).not.toContain('greetings_list');
    expect(here).not.toContain('greetings_create');
    expect(here).toContain('list_project_members');
    expect(await toolNames(t.adminToken, neighbour)).toEqual(expect.arrayContaining(['greetings_list', 'greetings_create']));
    expect(await toolNames(editor.token, switchboard)).not.toContain('greetings_list');
    expect(await toolNames(editor.token, neighbour)).toContain('greetings_list');
  });

  it('drops its actions from the members’ effective permissions there', async () => {
    const here = await myActions(editor.token, switchboard);
    expect(here).toContain('projects:read');
    expect(here).toContain('core_thing:read');
    expect(here).not.toContain('greetings:read');
    expect(here).not.toContain('greetings:write');
    expect(here).not.toContain('greetings_plus:read');
    expect(await myActions(editor.token, neighbour)).toEqual(expect.arrayContaining(['greetings:read', 'greetings:write', 'greetings_plus:read']));
  });

  it('answers PLUGIN_NOT_ENABLED to a project Admin (who holds * there)', async () => {
    expectError(await t.api('GET', greetingsUrl(switchboard), { token: projectAdmin.token }), 404, 'PLUGIN_NOT_ENABLED');
  });

  it('drops its actions from a project Admin’s effective permissions there too', async () => {
    const here = await myActions(projectAdmin.token, switchboard);
    expect(here).toContain('projects:write');
    expect(here).not.toContain('greetings:read');
  });

  it('shows as off in the project’s plugin lists', async () => {
    const { plugins } = expectData(await t.api('GET', `/projects/${switchboard}/plugins`, { token: editor.token }));
    expect(plugins.find((p: { id: string }) => p.id === 'greetings')).toMatchObject({ enabled_globally: true, enabled: false });
    expect(plugins.find((p: { id: string }) => p.id === 'core-thing')).toMatchObject({ optional: false, enabled: true });
    const shell = expectData(await t.api('GET', '/plugins', { token: editor.token, query: { project_id: switchboard } }));
    expect(shell.plugins.find((p: { id: string }) => p.id === 'greetings')).toMatchObject({ enabled_in_project: false });
  });

  it('recorded plugin.disabled in the project’s event stream', async () => {
    const events = await pluginEvents('plugin.disabled', 'greetings');
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ project_id: switchboard, payload: { plugin_id: 'greetings', project_id: switchboard, version: '1.2.0' } });
    expect(await pluginEvents('plugin.disabled', 'greetings-plus')).toMatchObject([{ project_id: switchboard }]);
  });

  it('serves again once switched back on, without seeding the project twice', async () => {
    expect(await welcomes(switchboard)).toEqual(['Welcome to Switchboard']);
    expect(expectData(await t.api('PUT', `/projects/${switchboard}/plugins/greetings`, { token: t.adminToken, body: { enabled: true } })))
      .toEqual({ plugin_id: 'greetings', project_id: switchboard, enabled: true });
    const list = expectData(await t.api('GET', greetingsUrl(switchboard), { token: editor.token }));
    expect(list.items.map((g: { text: string }) => g.text)).toEqual(['Welcome to Switchboard']);
    expect(await welcomes(switchboard)).toEqual(['Welcome to Switchboard']);
    expect(await toolNames(editor.token, switchboard)).toContain('greetings_create');
    expect(await myActions(editor.token, switchboard)).toEqual(expect.arrayContaining(['greetings:read', 'greetings:write']));
    expect(await pluginEvents('plugin.enabled', 'greetings')).toMatchObject([{ project_id: switchboard, payload: { project_id: switchboard } }]);
    // The dependant stays off until switched on itself; now it may be.
    expectError(await t.api('GET', plusUrl(switchboard), { token: t.adminToken }), 404, 'PLUGIN_NOT_ENABLED');
    expectData(await t.api('PUT', `/projects/${switchboard}/plugins/greetings-plus`, { token: t.adminToken, body: { enabled: true } }));
    expect(expectData(await t.api('GET', plusUrl(switchboard), { token: editor.token }))).toEqual({ echo: switchboard });
  });
});

describe('an optional plugin switched off for the whole workspace', () => {
  it('switches off once its dependant is off', async () => {
    expect(expectData(await t.api('PATCH', '/admin/plugins/greetings-plus', { token: t.adminToken, body: { enabled: false } })))
      .toMatchObject({ id: 'greetings-plus', enabled: false });
    expect(expectData(await t.api('PATCH', '/admin/plugins/greetings', { token: t.adminToken, body: { enabled: false } })))
      .toMatchObject({ id: 'greetings', enabled: false });
    expect((await pluginsRow('greetings')).enabled).toBe(false);
  });

  it('answers 404 PLUGIN_NOT_ENABLED on every route, in every project', async () => {
    const [welcome] = await db().withSchema('plugin_greetings').from('greetings').where({ project_id: neighbour }).pluck('id');
    for (const project of [switchboard, neighbour]) {
      expectError(await t.api('GET', greetingsUrl(project), { token: t.adminToken }), 404, 'PLUGIN_NOT_ENABLED');
      expectError(await t.api('POST', greetingsUrl(project), { token: t.adminToken, body: { text: 'anyone?' } }), 404, 'PLUGIN_NOT_ENABLED');
    }
    expectError(await t.api('GET', `${greetingsUrl(neighbour)}/${welcome}`, { token: t.adminToken }), 404, 'PLUGIN_NOT_ENABLED');
    expectError(await t.api('GET', '/plugins/greetings/stats', { token: t.adminToken }), 404, 'PLUGIN_NOT_ENABLED');
    expectError(await t.api('GET', '/plugins/greetings/ping'), 404, 'PLUGIN_NOT_ENABLED');
    expectError(await t.api('GET', plusUrl(neighbour), { token: t.adminToken }), 404, 'PLUGIN_NOT_ENABLED');
    expect(await db().withSchema('plugin_greetings').from('greetings').where({ text: 'anyone?' }).first()).toBeUndefined();
  });

  // A switched-off plugin grants nothing, yet members who may see the project learn why (router gate).
  it('answers 404 PLUGIN_NOT_ENABLED to a project member too, not 403 (D21)', async () => {
    expectError(await t.api('GET', greetingsUrl(neighbour), { token: editor.token }), 404, 'PLUGIN_NOT_ENABLED');
  });

  it('disappears from /mcp/tools, GET /plugins and role grants; /admin/plugins shows it switched off', async () => {
    const tools = await toolNames(t.adminToken);
    expect(tools).not.toContain('greetings_list');
    expect(tools).not.toContain('greetings_create');
    expect(tools).toContain('list_projects');
    expect(await toolNames(t.adminToken, neighbour)).not.toContain('greetings_list');
    const shell = expectData(await t.api('GET', '/plugins', { token: t.adminToken }));
    expect(shell.plugins.map((p: { id: string }) => p.id)).not.toContain('greetings');
    expect(shell.plugins.map((p: { id: string }) => p.id)).toContain('core-thing');
    expect(await myActions(editor.token, neighbour)).not.toContain('greetings:read');
    const { plugins } = expectData(await t.api('GET', '/admin/plugins', { token: t.adminToken }));
    expect(plugins.find((p: { id: string }) => p.id === 'greetings')).toMatchObject({ status: 'active', enabled: false });
    expect(plugins.find((p: { id: string }) => p.id === 'greetings-plus')).toMatchObject({ status: 'active', enabled: false });
  });

  it('recorded a workspace plugin.disabled event (project_id null)', async () => {
    const events = (await pluginEvents('plugin.disabled', 'greetings')).filter((e: { project_id: string | null }) => e.project_id === null);
    expect(events).toHaveLength(1);
    expect(events[0].payload).toEqual({ plugin_id: 'greetings', project_id: null, version: '1.2.0' });
  });

  it('keeps the dependant off while it is off: 409 PLUGIN_DEPENDENCY_DISABLED', async () => {
    const response = await t.api('PATCH', '/admin/plugins/greetings-plus', { token: t.adminToken, body: { enabled: true } });
    expectError(response, 409, 'PLUGIN_DEPENDENCY_DISABLED');
    expect(details(response)).toMatchObject({ plugin_id: 'greetings-plus', dependency: 'greetings' });
    expect((await pluginsRow('greetings-plus')).enabled).toBe(false);
  });

  it('seeds a project created while it was off when switched back on (onProjectEnabled), and no other', async () => {
    const latecomer = expectData(await t.api('POST', '/projects', { token: t.adminToken, body: { name: 'Latecomer' } }), 201).id;
    expect(await welcomes(latecomer)).toEqual([]);
    expectError(await t.api('GET', greetingsUrl(latecomer), { token: t.adminToken }), 404, 'PLUGIN_NOT_ENABLED');

    expect(expectData(await t.api('PATCH', '/admin/plugins/greetings', { token: t.adminToken, body: { enabled: true } })))
      .toMatchObject({ id: 'greetings', enabled: true });
    const list = expectData(await t.api('GET', greetingsUrl(latecomer), { token: t.adminToken }));
    expect(list.items.map((g: { text: string }) => g.text)).toEqual(['Welcome to Latecomer']);
    expect(await welcomes(switchboard)).toEqual(['Welcome to Switchboard']);
    expect(await welcomes(neighbour)).toEqual(['Welcome to Neighbour']);
    expect(await toolNames(t.adminToken)).toContain('greetings_list');
    const enabled = (await pluginEvents('plugin.enabled', 'greetings')).filter((e: { project_id: string | null }) => e.project_id === null);
    expect(enabled).toHaveLength(1);

    expectData(await t.api('PATCH', '/admin/plugins/greetings-plus', { token: t.adminToken, body: { enabled: true } }));
    expect(expectData(await t.api('GET', plusUrl(latecomer), { token: t.adminToken }))).toEqual({ echo: latecomer });
  });
});

describe('denied switches change nothing', () => {
  async function snapshot() {
    return {
      plugins: await db()('plugins').orderBy('id').select('id', 'enabled', 'updated_at'),
      switches: await db()('project_plugins').orderBy(['project_id', 'plugin_id']).select('project_id', 'plugin_id', 'enabled', 'provisioned_at', 'updated_at'),
      events: await db()('events').where('type', 'like', 'plugin.%').count<{ n: number }[]>({ n: '*' }).then((r) => Number(r[0]!.n)),
    };
  }

  it('refuses callers without plugins:write or projects:write, unknown and malformed ids, and bad bodies', async () => {
    const before = await snapshot();
    const off = { enabled: false };

    expectError(await t.api('PATCH', '/admin/plugins/greetings', { token: bystander.token, body: off }), 403, 'FORBIDDEN');
    expectError(await t.api('PATCH', '/admin/plugins/greetings', { token: editor.token, body: off }), 403, 'FORBIDDEN');
    expectError(await t.api('DELETE', '/admin/plugins/greetings', { token: editor.token }), 403, 'FORBIDDEN');
    expectError(await t.api('PATCH', '/admin/plugins/greetings', { body: off }), 401, 'AUTH_UNAUTHENTICATED');
    expectError(await t.api('PUT', `/projects/${switchboard}/plugins/greetings`, { body: off }), 401, 'AUTH_UNAUTHENTICATED');
    expectError(await t.api('PUT', `/projects/${switchboard}/plugins/greetings`, { token: editor.token, body: off }), 403, 'FORBIDDEN');
    expectError(await t.api('PUT', `/projects/${switchboard}/plugins/greetings`, { token: bystander.token, body: off }), 403, 'FORBIDDEN');

    expectError(await t.api('PATCH', '/admin/plugins/no-such-plugin', { token: t.adminToken, body: off }), 404, 'PLUGIN_NOT_FOUND');
    expectError(await t.api('PUT', `/projects/${switchboard}/plugins/no-such-plugin`, { token: t.adminToken, body: off }), 404, 'PLUGIN_NOT_FOUND');
    expectError(await t.api('DELETE', '/admin/plugins/no-such-plugin', { token: t.adminToken }), 404, 'PLUGIN_NOT_FOUND');
    expectError(await t.api('PATCH', '/admin/plugins/Bad_ID', { token: t.adminToken, body: off }), 422, 'VALIDATION_FAILED');
    expectError(await t.api('PUT', `/projects/${switchboard}/plugins/Bad_ID`, { token: t.adminToken, body: off }), 422, 'VALIDATION_FAILED');
    expectError(await t.api('PATCH', '/admin/plugins/greetings', { token: t.adminToken, body: { enabled: 'yes' } }), 422, 'VALIDATION_FAILED');
    expectError(await t.api('PUT', `/projects/${switchboard}/plugins/greetings`, { token: t.adminToken, body: { enabled: 'yes' } }), 422, 'VALIDATION_FAILED');
    expectError(await t.api('PATCH', '/admin/plugins/greetings', { token: t.adminToken, body: { enabled: false, extra: 1 } }), 422, 'VALIDATION_FAILED');
    expectError(await t.api('PATCH', '/admin/plugins/greetings', { token: t.adminToken, body: {} }), 422, 'VALIDATION_FAILED');
    expectError(await t.api('PUT', '/projects/00000000-0000-4000-8000-000000000000/plugins/greetings', { token: t.adminToken, body: off }), 404, 'PROJECT_NOT_FOUND');

    expect(await snapshot()).toEqual(before);
    expectData(await t.api('GET', greetingsUrl(switchboard), { token: editor.token }));
  });

  it('refuses to switch on a plugin that failed to load: 409 PLUGIN_NOT_LOADED', async () => {
    const before = await snapshot();
    expect((await t.api('GET', '/admin/plugins/broken-init', { token: t.adminToken })).json.data).toMatchObject({ status: 'failed', error: { code: 'PLUGIN_INIT_FAILED' } });
    const response = await t.api('PATCH', '/admin/plugins/broken-init', { token: t.adminToken, body: { enabled: true } });
    expectError(response, 409, 'PLUGIN_NOT_LOADED');
    expect(details(response)).toMatchObject({ plugin_id: 'broken-init', load_error: 'PLUGIN_INIT_FAILED' });
    expect(await snapshot()).toEqual(before);
  });
});
