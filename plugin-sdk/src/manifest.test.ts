import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseManifest, PluginManifest, pluginNamespace, pluginSchemaName, type ManifestIssue } from './manifest.js';

const minimal = { id: 'hello', name: 'Hello', version: '1.0.0', kernel: '^0.1.0', runtime: 'native', main: 'index.js' } as const;

const projectRoute = (overrides: Record<string, unknown> = {}) => ({
  name: 'hello.messages.list', method: 'GET', path: '/plugins/hello/projects/:projectId/messages', action: 'hello:read', ...overrides,
});

const tool = (overrides: Record<string, unknown> = {}) => ({
  name: 'hello_list', title: 'List', description: 'Lists messages.', route: 'hello.messages.list',
  input_schema: { type: 'object', properties: { projectId: { type: 'string' } } },
  args: { projectId: { in: 'path', name: 'projectId' } },
  ...overrides,
});

const withActions = { actions: [{ action: 'hello:read', description: 'Read' }] };

/** The issues of a manifest that must be refused; fails the test when it parses. */
function issuesOf(overrides: Record<string, unknown>): ManifestIssue[] {
  const result = parseManifest({ ...minimal, ...overrides });
  if (result.success) throw new Error('expected the manifest to be refused');
  return result.issues;
}

describe('PluginManifest', () => {
  it('fills the defaults of a minimal manifest', () => {
    const result = parseManifest(minimal);
    expect(result).toEqual({
      success: true,
      manifest: {
        ...minimal, description: '', optional: true, requires: {}, permissions: [], actions: [], role_grants: {}, routes: [], events: [],
        subscriptions: [], migrations: [], secrets: [], collections: [], mcp: { tools: [] },
      },
    });
  });

  it('fills the defaults inside routes, actions, events and tools', () => {
    const manifest = PluginManifest.parse({
      ...minimal, ...withActions,
      routes: [projectRoute(), { name: 'hello.ping', method: 'GET', path: '/plugins/hello/ping', access: 'public' }],
      events: [{ name: 'hello.message_posted' }],
      mcp: { tools: [tool({ args: undefined, input_schema: { type: 'object' }, route: 'hello.ping' })] },
    });
    expect(manifest.routes[0]).toMatchObject({ access: 'gated', status: 200 });
    expect(manifest.actions[0]!.scope).toBe('project');
    expect(manifest.events[0]!.client_action).toBeNull();
    expect(manifest.events[0]!.client_entity).toBeNull();
    expect(manifest.mcp.tools[0]).toMatchObject({ annotations: {}, args: {} });
  });

  it('accepts the example plugin of this package', () => {
    const json = JSON.parse(readFileSync(new URL('../examples/hello/plugin.json', import.meta.url), 'utf8')) as unknown;
    expect(parseManifest(json)).toMatchObject({ success: true, manifest: { id: 'hello' } });
  });

  it('takes a client_entity only beside a client_action, and only well-formed', () => {
    const entity = { kind: 'message', field: 'message_id' };
    const manifest = PluginManifest.parse({ ...minimal, ...withActions, events: [{ name: 'hello.message_posted', client_action: 'hello:read', client_entity: entity }] });
    expect(manifest.events[0]!.client_entity).toEqual(entity);
    expect(issuesOf({ ...withActions, events: [{ name: 'hello.message_posted', client_entity: entity }] }))
      .toEqual([{ path: 'events.0.client_entity', message: 'event hello.message_posted names a client_entity but no client_action' }]);
    expect(issuesOf({ ...withActions, events: [{ name: 'hello.message_posted', client_action: 'hello:read', client_entity: { kind: 'Message', field: 'id', extra: 1 } }] })
      .map((i) => i.path)).toEqual(expect.arrayContaining(['events.0.client_entity.kind', 'events.0.client_entity']));
  });

  it('reports issues with dotted paths', () => {
    expect(issuesOf({ routes: [projectRoute({ action: undefined })] })).toEqual([{ path: 'routes.0.action', message: 'a gated route names its action' }]);
  });

  // Each case is refused with exactly one issue, at this path.
  const refused: Array<[string, Record<string, unknown>, string, RegExp?]> = [
    ['an id with capitals', { id: 'Hello' }, 'id'],
    ['an id with an underscore', { id: 'hello_world' }, 'id'],
    ['a one-letter id', { id: 'h' }, 'id'],
    ['a version that is not semver', { version: '1.0' }, 'version'],
    ['a kernel range that does not parse', { kernel: 'the latest' }, 'kernel'],
    ['a requires range that does not parse', { requires: { tasks: 'soon' } }, 'requires.tasks'],
    ['a gated route without an action', { ...withActions, routes: [projectRoute({ action: undefined })] }, 'routes.0.action'],
    ['a public route with an action', { ...withActions, routes: [projectRoute({ access: 'public' })] }, 'routes.0.action'],
    [
      'a resource template placeholder that is not a path param',
      { ...withActions, routes: [projectRoute({ resource: 'project/{projectId}/message/{messageId}' })] },
      'routes.0.resource', /\{messageId\} is not a path param/,
    ],
    [
      'a gated route outside /projects/:projectId without a resource',
      { ...withActions, routes: [projectRoute({ path: '/plugins/hello/stats' })] },
      'routes.0.resource',
    ],
    ['role_grants granting an undeclared action', { ...withActions, role_grants: { Viewer: ['hello:read'], Editor: ['hello:read', 'hello:write'] } }, 'role_grants.Editor.1'],
    [
      'role_grants giving a platform action',
      { ...withActions, actions: [...withActions.actions, { action: 'hello:admin', description: 'Admin', scope: 'platform' }], role_grants: { Admin: ['hello:admin'] } },
      'role_grants.Admin.0', /platform action/,
    ],
    ['a role_grants key that is not a system role', { ...withActions, role_grants: { Owner: ['hello:read'] } }, 'role_grants'],
    ['an action declared twice', { actions: [{ action: 'hello:read', description: 'Read' }, { action: 'hello:read', description: 'Again' }] }, 'actions'],
    [
      'two routes with the same name',
      { ...withActions, routes: [projectRoute(), projectRoute({ method: 'POST' })] },
      'routes.1.name', /used twice/,
    ],
    ['two routes with the same method and path', { ...withActions, routes: [projectRoute(), projectRoute({ name: 'hello.other' })] }, 'routes'],
    ['a GET route answering 204', { ...withActions, routes: [projectRoute({ status: 204 })] }, 'routes.0.status'],
    ['a tool whose route is not declared', { ...withActions, routes: [projectRoute()], mcp: { tools: [tool({ route: 'hello.nothing' })] } }, 'mcp.tools.0.route'],
    [
      'a tool argument mapped to a path param the route lacks',
      {
        ...withActions, routes: [projectRoute()],
        mcp: { tools: [tool({
          input_schema: { type: 'object', properties: { projectId: { type: 'string' }, messageId: { type: 'string' } } },
          args: { projectId: { in: 'path', name: 'projectId' }, messageId: { in: 'path', name: 'messageId' } },
        })] },
      },
      'mcp.tools.0', /maps to path param messageId, which the route does not have/,
    ],
    [
      'a tool that does not supply a path param',
      { ...withActions, routes: [projectRoute()], mcp: { tools: [tool({ args: {} })] } },
      'mcp.tools.0', /path param projectId is not supplied/,
    ],
    [
      'a tool argument missing from its input schema',
      { ...withActions, routes: [projectRoute()], mcp: { tools: [tool({ input_schema: { type: 'object', properties: {} } })] } },
      'mcp.tools.0', /argument projectId is not in the input schema/,
    ],
    ['a tool argument that is not camelCase', { ...withActions, routes: [projectRoute()], mcp: { tools: [tool({ args: { project_id: { in: 'path', name: 'projectId' } } })] } }, 'mcp.tools.0.args.project_id'],
    ['a tool description over 400 characters', { ...withActions, routes: [projectRoute()], mcp: { tools: [tool({ description: 'x'.repeat(401) })] } }, 'mcp.tools.0.description'],
    ['a WASM plugin with a native entry', { runtime: 'wasm', wasm: 'backend.wasm' }, 'main'],
    ['a native plugin without an entry', { main: undefined }, 'main'],
    ['collections on a native plugin', { collections: [{ name: 'notes' }] }, 'collections'],
    ['a plugin that requires itself', { requires: { hello: '^1.0.0' } }, 'requires.hello'],
    ['an entry outside the plugin folder', { main: '../index.js' }, 'main'],
    ['an unknown field', { homepage: 'https://example.com' }, ''],
    ['a web slot that does not exist', { web: { entry: 'web/index.js', slots: [{ slot: 'footer', component: 'Footer' }] } }, 'web.slots.0.slot'],
    ['a stylesheet outside the entry folder', { web: { entry: 'web/dist/index.js', styles: ['web/other/index.css'], slots: [] } }, 'web.styles.0'],
    ['a stylesheet that climbs out of the plugin', { web: { entry: 'web/dist/index.js', styles: ['web/dist/../../x.css'], slots: [] } }, 'web.styles.0'],
    ['a project.nav slot without a slug', { web: { entry: 'web/index.js', slots: [{ slot: 'project.nav', component: 'Page' }] } }, 'web.slots.0.slug'],
    ['a project.view slot without a view type', { web: { entry: 'web/index.js', slots: [{ slot: 'project.view', component: 'Board' }] } }, 'web.slots.0.view_type'],
    ['two nav entries with one slug', { web: { entry: 'web/index.js', slots: [{ slot: 'project.nav', component: 'A', slug: 'docs' }, { slot: 'project.nav', component: 'B', slug: 'docs' }] } }, 'web.slots'],
  ];

  it.each(refused)('refuses %s', (_case, overrides, path, message) => {
    const issues = issuesOf(overrides);
    expect(issues.map((i) => i.path)).toEqual([path]);
    if (message) expect(issues[0]!.message).toMatch(message);
  });

  it('accepts a WASM plugin with collections and no main', () => {
    const result = parseManifest({ ...minimal, main: undefined, runtime: 'wasm', wasm: 'backend.wasm', collections: [{ name: 'notes', indexes: [{ field: 'created_at', type: 'date' }] }] });
    expect(result.success).toBe(true);
  });

  it('accepts a gated non-project route that names its resource', () => {
    const result = parseManifest({
      ...minimal, actions: [{ action: 'hello:admin', description: 'Stats', scope: 'platform' }],
      routes: [{ name: 'hello.stats', method: 'GET', path: '/plugins/hello/stats', action: 'hello:admin', resource: 'plugin/hello' }],
    });
    expect(result.success).toBe(true);
  });
});

describe('names derived from the plugin id (D17)', () => {
  it('uses the id with - as _ for the namespace and the schema', () => {
    expect(pluginNamespace('time-tracking')).toBe('time_tracking');
    expect(pluginSchemaName('time-tracking')).toBe('plugin_time_tracking');
  });
});
