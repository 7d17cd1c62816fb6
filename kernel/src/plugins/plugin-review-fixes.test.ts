import { coreServices, createServiceRef, defineEvent, type PluginDb } from '@paca/plugin-sdk';
import { Type } from '@sinclair/typebox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PolicySet } from '../iam/policy-set.js';
import { expectData, expectError, startTestKernel, type TestKernel } from '../testing/index.js';
import { greetingsManifest, greetingsPlugin } from './fixtures/greetings.fixture.js';
import { minimalPlugin } from './fixtures/minimal.fixture.js';

// Behaviour a review of the plugin host found missing: each case failed before its fix.

interface Counter {
  count(projectId: string): Promise<number>;
}
const counterRef = createServiceRef<Counter>({ id: 'counter.service' });

/** Provides a service that queries through the `db` it kept from deps, like a real plugin would. */
const counter = minimalPlugin('counter', {
  migrations: ['0001-items'],
  routes: [{ name: 'items', method: 'GET', path: '/plugins/counter/items', access: 'authenticated' }],
}, {
  migrations: { '0001-items': { up: (knex) => knex.schema.createTable('items', (t) => { t.uuid('project_id'); t.text('label'); }) } },
  register(env) {
    const kept: { db?: PluginDb } = {};
    env.registerService(counterRef, {
      async count(projectId) {
        const [row] = await kept.db!('items').where({ project_id: projectId }).count<{ n: number }[]>({ n: '*' });
        return Number(row!.n);
      },
    });
    env.init({ deps: { db: coreServices.db, routes: coreServices.routes }, init({ db, routes }) {
      kept.db = db;
      routes.handle('items', async () => ({ items: await db('items').select('label') }));
    } });
  },
});

const Poked = defineEvent('poker.poked', Type.Object({ n: Type.Integer() }));
/** Writes through the provider's service inside its own write transaction; also names a route `items`, like counter. */
const poker = minimalPlugin('poker', {
  requires: { counter: '^1.0.0' },
  events: [{ name: 'poker.poked' }],
  routes: [
    { name: 'poke', method: 'POST', path: '/plugins/poker/projects/:projectId/poke', action: 'projects:read' },
    { name: 'items', method: 'GET', path: '/plugins/poker/projects/:projectId/emit-in-a-read', action: 'projects:read' },
  ],
}, {
  register(env) {
    env.init({ deps: { routes: coreServices.routes, counter: counterRef, events: coreServices.events }, init({ routes, counter: service, events }) {
      routes.handle('poke', async ({ db, projectId }) => {
        await db.raw(`INSERT INTO "plugin_counter"."items" (project_id, label) VALUES (?, 'poke')`, [projectId]);
        // The provider's kept handle must follow this transaction: on PGlite the pool would wait for
        // it forever, and on PostgreSQL it would not see the row just written.
        return { count: await service.count(projectId!) };
      });
      routes.handle('items', async ({ db, projectId, principal }) => {
        await events.emit(db, Poked, { projectId, actor: principal, payload: { n: 1 } });
        return {};
      });
    } });
  },
});

let t: TestKernel;
let publicProjectId: string;
let ownProjectId: string;

beforeAll(async () => {
  t = await startTestKernel({ plugins: [{ manifest: greetingsManifest, definition: greetingsPlugin }, counter, poker] });
  ownProjectId = expectData(await t.api('POST', '/projects', { token: t.adminToken, body: { name: 'Agent home' } }), 201).id;
  publicProjectId = expectData(await t.api('POST', '/projects', { token: t.adminToken, body: { name: 'Open to all', is_public: true } }), 201).id;
});
afterAll(() => t.close());

describe('plugin host review fixes', () => {
  it('runs a provider\'s kept db handle on the caller\'s transaction', async () => {
    const response = await t.api('POST', `/plugins/poker/projects/${ownProjectId}/poke`, { token: t.adminToken });
    expect(expectData(response)).toEqual({ count: 1 });
  });

  it('lets two plugins name a route alike', async () => {
    const active = expectData(await t.api('GET', '/admin/plugins', { token: t.adminToken })).plugins
      .filter((p: { status: string }) => p.status === 'active').map((p: { id: string }) => p.id);
    expect(active).toEqual(expect.arrayContaining(['counter', 'poker']));
    expectData(await t.api('GET', '/plugins/counter/items', { token: t.adminToken }));
  });

  it('refuses an event emitted outside a transaction', async () => {
    expectError(await t.api('GET', `/plugins/poker/projects/${ownProjectId}/emit-in-a-read`, { token: t.adminToken }), 500, 'PLUGIN_EVENT_OUTSIDE_TRANSACTION');
    expect(await t.kernel.database.knex('events').where({ type: 'poker.poked' })).toHaveLength(0);
  });

  it('applies subtree rules on an entity to list scopes (D15)', () => {
    const { iam } = t.kernel.services;
    const denied = new PolicySet([
      { effect: 'Allow', actions: ['greetings:read'], resources: ['project/p1/*'] },
      { effect: 'Deny', actions: ['greetings:read'], resources: ['project/p1/greeting/secret/*'] },
    ]);
    expect(iam.listScope(denied, 'greetings:read', 'p1', 'greeting')).toEqual({ all: true, except: ['secret'] });
    const allowed = new PolicySet([{ effect: 'Allow', actions: ['greetings:read'], resources: ['project/p1/greeting/mine/*'] }]);
    expect(iam.listScope(allowed, 'greetings:read', 'p1', 'greeting')).toEqual({ all: false, ids: ['mine'] });
  });

  it('keeps a project agent inside its project when listing tools and slots of a public project (D14)', async () => {
    const agent = expectData(await t.api('POST', `/projects/${ownProjectId}/agents`, { token: t.adminToken, body: { handle: 'confined-bot', name: 'Confined' } }), 201);
    const key = expectData(await t.api('POST', `/projects/${ownProjectId}/agents/${agent.id}/api-keys`, { token: t.adminToken, body: { name: 'k' } }), 201).key;
    expectError(await t.api('GET', '/mcp/tools', { apiKey: key, query: { project_id: publicProjectId } }), 404, 'PROJECT_NOT_FOUND');
    expectError(await t.api('GET', '/plugins', { apiKey: key, query: { project_id: publicProjectId } }), 404, 'PROJECT_NOT_FOUND');
    // A user who is not a member still reads the public project's catalogue.
    const user = await t.createUser();
    expectData(await t.api('GET', '/mcp/tools', { token: user.token, query: { project_id: publicProjectId } }));
  });

  it('serialises switches of a plugin and its dependant (D21 holds under concurrency)', async () => {
    expectData(await t.api('PATCH', '/admin/plugins/poker', { token: t.adminToken, body: { enabled: false } }));
    const [disableCounter, enablePoker] = await Promise.all([
      t.api('PATCH', '/admin/plugins/counter', { token: t.adminToken, body: { enabled: false } }),
      t.api('PATCH', '/admin/plugins/poker', { token: t.adminToken, body: { enabled: true } }),
    ]);
    const rows = Object.fromEntries((await t.kernel.database.knex('plugins').whereIn('id', ['counter', 'poker']).select('id', 'enabled'))
      .map((r: { id: string; enabled: boolean }) => [r.id, r.enabled]));
    // Whatever the order, poker never ends up on while counter is off.
    expect(rows.poker && !rows.counter).toBe(false);
    expect([disableCounter.status, enablePoker.status].sort()).toEqual([200, 409]);
  });
});
