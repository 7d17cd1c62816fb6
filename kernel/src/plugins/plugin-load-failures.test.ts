import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { coreServices } from '@paca/plugin-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectData, expectError, startTestKernel, type TestKernel } from '../testing/index.js';
import { KERNEL_VERSION } from '../version.js';
import { greetingsManifest, greetingsPlugin, greetingsServiceRef } from './fixtures/greetings.fixture.js';
import { minimalPlugin } from './fixtures/minimal.fixture.js';

// One kernel boots with greetings and a crowd of broken plugins (DESIGN 4): each broken one is
// reported by GET /admin/plugins with a coded error naming it, and nothing of it is served, while
// greetings and the kernel keep serving.

let t: TestKernel;
let dataDir: string;
let projectId: string;
let firstMigrationRan = false;

const projectRoute = (id: string, tail: string) => ({
  name: `${id}.${tail}`, method: 'GET', path: `/plugins/${id}/projects/:projectId/${tail}`, action: `${id.replace(/-/g, '_')}:read`,
});
const readAction = (id: string) => ({ action: `${id.replace(/-/g, '_')}:read`, description: 'Read' });

const broken = [
  minimalPlugin('needs-ghost', { requires: { ghost: '^1.0.0' } }),
  minimalPlugin('from-future', { kernel: '>=99.0.0' }),
  minimalPlugin('cycle-a', { requires: { 'cycle-b': '*' } }),
  minimalPlugin('cycle-b', { requires: { 'cycle-a': '*' } }),
  minimalPlugin('bad-migration', { migrations: ['0001-kept', '0002-broken'] }, {
    migrations: {
      '0001-kept': {
        up: async (knex) => {
          await knex.schema.createTable('kept', (table) => table.uuid('id').primary());
          firstMigrationRan = true;
        },
      },
      '0002-broken': { up: async (knex) => { await knex.raw('THIS IS NOT SQL'); } },
    },
  }),
  // Declares an action and a route it binds before failing: none of it may be left behind.
  minimalPlugin('init-throws', { actions: [readAction('init-throws')], routes: [projectRoute('init-throws', 'items')] }, {
    register(env) {
      env.init({
        deps: { routes: coreServices.routes },
        init({ routes }) {
          routes.handle('init-throws.items', async () => ({ items: [] }));
          throw new Error('database of greetings is on fire');
        },
      });
    },
  }),
  minimalPlugin('register-throws', {}, {
    register() {
      throw new Error('cannot even register');
    },
  }),
  minimalPlugin('undeclared-route', { actions: [readAction('undeclared-route')], routes: [projectRoute('undeclared-route', 'items')] }, {
    register(env) {
      env.init({
        deps: { routes: coreServices.routes },
        init({ routes }) {
          routes.handle('undeclared-route.items', async () => ({ items: [] }));
          routes.handle('undeclared-route.sneaky', async () => ({ sneaky: true }));
        },
      });
    },
  }),
  minimalPlugin('unbound-route', {
    actions: [readAction('unbound-route')], routes: [projectRoute('unbound-route', 'items'), projectRoute('unbound-route', 'forgotten')],
    mcp: { tools: [{
      name: 'unbound_route_items', title: 'Items', description: 'Items', route: 'unbound-route.items',
      input_schema: { type: 'object', properties: { projectId: { type: 'string' } } }, args: { projectId: { in: 'path', name: 'projectId' } },
    }] },
  }, {
    register(env) {
      env.init({ deps: { routes: coreServices.routes }, init({ routes }) { routes.handle('unbound-route.items', async () => ({ items: [] })); } });
    },
  }),
  minimalPlugin('on-broken', { requires: { 'init-throws': '*' } }),
  minimalPlugin('core-conflict', {
    routes: [{ name: 'core-conflict.projects', method: 'GET', path: '/projects', action: 'projects:read', resource: 'project' }],
  }, {
    origin: 'core',
    register(env) {
      env.init({ deps: { routes: coreServices.routes }, init({ routes }) { routes.handle('core-conflict.projects', async () => ({ items: ['hijacked'] })); } });
    },
  }),
  minimalPlugin('core-tool', {
    routes: [{ name: 'core-tool.things', method: 'GET', path: '/core-tool/things', access: 'authenticated' }],
    mcp: { tools: [{ name: 'list_projects', title: 'List', description: 'Not the kernel’s', route: 'core-tool.things', input_schema: { type: 'object', properties: {} } }] },
  }, {
    origin: 'core',
    register(env) {
      env.init({ deps: { routes: coreServices.routes }, init({ routes }) { routes.handle('core-tool.things', async () => ({ items: [] })); } });
    },
  }),
  minimalPlugin('bad-namespace', { actions: [{ action: 'tasks:read', description: 'Borrowed' }] }),
  // Only core plugins may refuse to be switched off or removed (D21).
  minimalPlugin('sticky', { optional: false }),
  minimalPlugin('no-requires', {}, {
    register(env) {
      env.init({ deps: { greetings: greetingsServiceRef }, init() { /* never reached */ } });
    },
  }),
  minimalPlugin('wasm-thing', { runtime: 'wasm', main: undefined, wasm: 'plugin.wasm' }),
];

/** Requires greetings and calls its typed service from a route. */
const greetingsFan = minimalPlugin('greetings-fan', {
  requires: { greetings: '^1.0.0' },
  actions: [readAction('greetings-fan')],
  routes: [projectRoute('greetings-fan', 'count')],
}, {
  register(env) {
    env.init({
      deps: { greetings: greetingsServiceRef, routes: coreServices.routes },
      init({ greetings, routes }) {
        routes.handle('greetings-fan.count', async ({ projectId }) => ({ greetings: await greetings.count(projectId!) }));
      },
    });
  },
});

const diskManifest = {
  id: 'disk-hello', name: 'Disk hello', version: '0.3.0', kernel: '^0.1.0', runtime: 'native', main: 'index.js',
  routes: [{ name: 'disk-hello.hello', method: 'GET', path: '/plugins/disk-hello/hello', access: 'public' }],
};
// Plain ESM: a plugin under DATA_DIR cannot import @paca/plugin-sdk from the kernel's node_modules.
const diskEntry = `export default {
  $$type: '@paca/plugin',
  migrations: {},
  register(env) {
    env.init({
      deps: { routes: { id: 'kernel.routes', kind: 'service' } },
      init({ routes }) { routes.handle('disk-hello.hello', async () => ({ hello: 'from disk' })); },
    });
  },
};
`;

async function writePlugin(folder: string, manifest: string, entry?: string) {
  const dir = path.join(dataDir, 'plugins', folder);
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, 'plugin.json'), manifest);
  if (entry) await writeFile(path.join(dir, 'index.js'), entry);
}

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'paca-plugin-failures-'));
  await writePlugin('disk-hello', JSON.stringify(diskManifest), diskEntry);
  await writePlugin('broken-json', '{ "id": "broken-json", ', diskEntry);
  await writePlugin('wrong-name', JSON.stringify({ ...diskManifest, id: 'other-name', routes: [] }), diskEntry);
  // A folder claiming the id of a plugin that does load: its failure must still be reported.
  await writePlugin('imposter', JSON.stringify({ ...diskManifest, id: 'greetings', routes: [] }), diskEntry);
  t = await startTestKernel({
    corePlugins: false,
    env: { DATA_DIR: dataDir },
    plugins: [{ manifest: greetingsManifest, definition: greetingsPlugin }, ...broken, greetingsFan],
  });
  projectId = expectData(await t.api('POST', '/projects', { token: t.adminToken, body: { name: 'Still standing' } }), 201).id;
});
afterAll(async () => {
  await t?.close();
  await rm(dataDir, { recursive: true, force: true });
});

interface AdminPlugin {
  id: string;
  status: string;
  enabled: boolean;
  error: { code: string; message: string; details: Record<string, any> | null } | null;
}

async function adminPlugins(): Promise<AdminPlugin[]> {
  return expectData(await t.api('GET', '/admin/plugins', { token: t.adminToken })).plugins;
}

/** The failed entry for `id`: status failed, the code, and details naming it. */
async function failed(id: string, code: string): Promise<NonNullable<AdminPlugin['error']>> {
  const entry = (await adminPlugins()).find((p) => p.id === id);
  expect(entry, `${id} is listed by GET /admin/plugins`).toBeDefined();
  expect(entry!.status).toBe('failed');
  expect(entry!.error?.code).toBe(code);
  expect(entry!.error!.details?.plugin_id).toBe(id);
  expect(entry!.error!.message).toContain(id);
  return entry!.error!;
}

async function schemaTables(schema: string): Promise<string[]> {
  return t.kernel.database.knex('information_schema.tables').where({ table_schema: schema }).orderBy('table_name').pluck('table_name');
}

describe('the kernel and healthy plugins keep serving beside broken ones', () => {
  it('boots, answers healthz and serves greetings', async () => {
    const health = await t.api('GET', '/api/healthz');
    expect(health.status).toBe(200);
    expect(health.json).toEqual({ status: 'ok' });
    const list = expectData(await t.api('GET', `/plugins/greetings/projects/${projectId}/greetings`, { token: t.adminToken }));
    expect(list.items.map((g: { text: string }) => g.text)).toEqual(['Welcome to Still standing']);
    expectData(await t.api('POST', `/plugins/greetings/projects/${projectId}/greetings`, { token: t.adminToken, body: { text: 'still here' } }), 201);
    const greetings = (await adminPlugins()).find((p) => p.id === 'greetings');
    expect(greetings).toMatchObject({ status: 'active', error: null });
  });

  it('reports exactly the broken plugins as failed', async () => {
    const failures = (await adminPlugins()).filter((p) => p.status === 'failed').map((p) => p.id).sort();
    expect(failures).toEqual([
      'bad-migration', 'bad-namespace', 'broken-json', 'core-conflict', 'core-tool', 'cycle-a', 'cycle-b', 'from-future', 'imposter',
      'init-throws', 'needs-ghost', 'no-requires', 'on-broken', 'register-throws', 'sticky', 'unbound-route', 'undeclared-route', 'wasm-thing', 'wrong-name',
    ]);
    const active = (await adminPlugins()).filter((p) => p.status === 'active').map((p) => p.id).sort();
    expect(active).toEqual(['disk-hello', 'greetings', 'greetings-fan']);
  });

  it('serves no route, tool or action of a failed plugin', async () => {
    // Bound before the failure, but a plugin's registrations apply only when its whole load succeeds.
    for (const id of ['init-throws', 'undeclared-route', 'unbound-route']) {
      expectError(await t.api('GET', `/plugins/${id}/projects/${projectId}/items`, { token: t.adminToken }), 404, 'NOT_FOUND');
    }
    const tools = expectData(await t.api('GET', '/mcp/tools', { token: t.adminToken })).tools as Array<{ name: string; owner: string }>;
    expect(tools.map((tool) => tool.name)).not.toContain('unbound_route_items');
    expect(tools.find((tool) => tool.name === 'list_projects')?.owner).toBe('kernel');
    const catalogue = JSON.stringify(expectData(await t.api('GET', '/roles/actions', { token: t.adminToken })));
    expect(catalogue).toContain('greetings:read');
    for (const action of ['init_throws:read', 'undeclared_route:read', 'unbound_route:read']) expect(catalogue).not.toContain(action);
    const { hostFunctions } = t.kernel.plugins;
    expect(hostFunctions.names()).toEqual(['greetings.count', 'members.list', 'projects.get']);
  });
});

describe('each failure is coded and names the plugin', () => {
  it('requires a plugin that is not installed → PLUGIN_DEPENDENCY_MISSING', async () => {
    const error = await failed('needs-ghost', 'PLUGIN_DEPENDENCY_MISSING');
    expect(error.details).toEqual({ plugin_id: 'needs-ghost', dependency: 'ghost', required_version: '^1.0.0' });
  });

  it('needs another kernel → PLUGIN_INCOMPATIBLE_HOST_VERSION with both versions', async () => {
    const error = await failed('from-future', 'PLUGIN_INCOMPATIBLE_HOST_VERSION');
    expect(error.details).toEqual({ plugin_id: 'from-future', required_version: '>=99.0.0', host_version: KERNEL_VERSION });
  });

  it('two plugins requiring each other → PLUGIN_DEPENDENCY_CYCLE for both', async () => {
    expect((await failed('cycle-a', 'PLUGIN_DEPENDENCY_CYCLE')).details!.cycle).toEqual(['cycle-a', 'cycle-b', 'cycle-a']);
    expect((await failed('cycle-b', 'PLUGIN_DEPENDENCY_CYCLE')).details!.cycle).toEqual(['cycle-b', 'cycle-a', 'cycle-b']);
  });

  it('a failing migration → PLUGIN_MIGRATION_FAILED, and none of its migrations is applied', async () => {
    const error = await failed('bad-migration', 'PLUGIN_MIGRATION_FAILED');
    expect(error.details).toEqual({ plugin_id: 'bad-migration', migration: '0002-broken' });
    // The first migration ran and created its table; it was rolled back with the second.
    expect(firstMigrationRan).toBe(true);
    expect(await schemaTables('plugin_bad_migration')).not.toContain('kept');
    const history = await t.kernel.database.knex.withSchema('plugin_bad_migration').from('plugin_migrations').pluck('name');
    expect(history).toEqual([]);
    expect(t.kernel.plugins.registry.get('bad-migration')!.migrationsApplied).toEqual([]);
  });

  it('init throws → PLUGIN_INIT_FAILED with the cause in the message', async () => {
    const error = await failed('init-throws', 'PLUGIN_INIT_FAILED');
    expect(error.message).toContain('database of greetings is on fire');
  });

  it('register throws → PLUGIN_INIT_FAILED', async () => {
    const error = await failed('register-throws', 'PLUGIN_INIT_FAILED');
    expect(error.message).toContain('cannot even register');
  });

  it('a route not declared in the manifest is refused at registration → PLUGIN_ROUTE_UNDECLARED', async () => {
    const error = await failed('undeclared-route', 'PLUGIN_ROUTE_UNDECLARED');
    expect(error.details).toEqual({ plugin_id: 'undeclared-route', route: 'undeclared-route.sneaky' });
  });

  it('a declared route never bound → PLUGIN_ROUTE_UNBOUND naming it', async () => {
    const error = await failed('unbound-route', 'PLUGIN_ROUTE_UNBOUND');
    expect(error.details).toEqual({ plugin_id: 'unbound-route', routes: ['unbound-route.forgotten'] });
  });

  it('requires a plugin that failed → PLUGIN_DEPENDENCY_MISSING whose reason names the failure', async () => {
    const error = await failed('on-broken', 'PLUGIN_DEPENDENCY_MISSING');
    expect(error.details).toMatchObject({ plugin_id: 'on-broken', dependency: 'init-throws', required_version: '*' });
    expect(error.details!.reason).toContain('PLUGIN_INIT_FAILED');
    expect(error.message).toContain('PLUGIN_INIT_FAILED');
  });

  it('a core plugin declaring a kernel route (GET /projects) → PLUGIN_ROUTE_CONFLICT; the kernel keeps it', async () => {
    const error = await failed('core-conflict', 'PLUGIN_ROUTE_CONFLICT');
    expect(error.details).toEqual({ plugin_id: 'core-conflict', route: 'GET /projects', owner: 'kernel' });
    const projects = expectData(await t.api('GET', '/projects', { token: t.adminToken }));
    expect(JSON.stringify(projects)).not.toContain('hijacked');
    expect(JSON.stringify(projects)).toContain(projectId);
  });

  it('a core plugin declaring a kernel tool name (list_projects) → PLUGIN_TOOL_NAME_TAKEN', async () => {
    const error = await failed('core-tool', 'PLUGIN_TOOL_NAME_TAKEN');
    expect(error.details).toEqual({ plugin_id: 'core-tool', tool: 'list_projects', owner: 'kernel' });
    // Its route was never mounted either.
    expectError(await t.api('GET', '/core-tool/things', { token: t.adminToken }), 404, 'NOT_FOUND');
  });

  it('an installed plugin with an action outside its namespace → PLUGIN_INVALID_MANIFEST with issues', async () => {
    const error = await failed('bad-namespace', 'PLUGIN_INVALID_MANIFEST');
    expect(error.details!.issues).toEqual([{ path: 'actions.0.action', message: expect.stringContaining('bad_namespace:') }]);
  });

  it('an installed plugin declaring optional: false → PLUGIN_INVALID_MANIFEST (only core plugins may)', async () => {
    const error = await failed('sticky', 'PLUGIN_INVALID_MANIFEST');
    expect(error.details!.issues).toEqual([{ path: 'optional', message: expect.stringContaining('only core plugins') }]);
  });

  it('a service of a plugin it does not require → PLUGIN_SERVICE_UNAVAILABLE', async () => {
    const error = await failed('no-requires', 'PLUGIN_SERVICE_UNAVAILABLE');
    expect(error.details).toMatchObject({ plugin_id: 'no-requires', service: 'greetings.service' });
    expect(error.details!.reason).toContain('requires');
  });

  it('a plugin requiring greetings gets its typed service in deps and can call it', async () => {
    const url = `/plugins/greetings-fan/projects/${projectId}/count`;
    const before = expectData(await t.api('GET', url, { token: t.adminToken })).greetings as number;
    expect(before).toBeGreaterThanOrEqual(1); // at least the seeded welcome
    expectData(await t.api('POST', `/plugins/greetings/projects/${projectId}/greetings`, { token: t.adminToken, body: { text: 'one more' } }), 201);
    expect(expectData(await t.api('GET', url, { token: t.adminToken }))).toEqual({ greetings: before + 1 });
  });

  it('a WASM plugin that comes without its folder and module → PLUGIN_INVALID_MODULE', async () => {
    const error = await failed('wasm-thing', 'PLUGIN_INVALID_MODULE');
    expect(error.details).toMatchObject({ plugin_id: 'wasm-thing', reason: expect.stringContaining('folder') });
  });
});

describe('plugins found on disk under DATA_DIR/plugins', () => {
  it('loads a plain ESM plugin from its folder and serves its route', async () => {
    expect((await adminPlugins()).find((p) => p.id === 'disk-hello')).toMatchObject({ status: 'active', error: null, version: '0.3.0' });
    expect(expectData(await t.api('GET', '/plugins/disk-hello/hello'))).toEqual({ hello: 'from disk' });
    const row = await t.kernel.database.knex('plugins').where({ id: 'disk-hello' }).first('origin', 'version');
    expect(row).toEqual({ origin: 'installed', version: '0.3.0' });
  });

  it('a folder whose plugin.json is not JSON → PLUGIN_INVALID_MANIFEST naming the folder', async () => {
    const error = await failed('broken-json', 'PLUGIN_INVALID_MANIFEST');
    expect(error.details!.issues).toEqual([{ path: 'plugin.json', message: expect.stringContaining('not valid JSON') }]);
  });

  it('a folder whose plugin.json id differs from the folder name → PLUGIN_INVALID_MANIFEST under the folder name', async () => {
    const error = await failed('wrong-name', 'PLUGIN_INVALID_MANIFEST');
    expect(error.details!.issues).toEqual([{ path: 'id', message: 'is other-name; must equal its folder name wrong-name' }]);
    expect((await adminPlugins()).map((p) => p.id)).not.toContain('other-name');
  });

  it('a folder claiming the id of a plugin that loads is still reported, and does not replace it', async () => {
    const error = await failed('imposter', 'PLUGIN_INVALID_MANIFEST');
    expect(error.details!.issues).toEqual([{ path: 'id', message: 'is greetings; must equal its folder name imposter' }]);
    expect((await adminPlugins()).find((p) => p.id === 'greetings')).toMatchObject({ status: 'active', version: '1.2.0' });
  });
});
