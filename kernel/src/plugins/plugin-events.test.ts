import { coreServices, defineEvent } from '@paca/plugin-sdk';
import { Type } from '@sinclair/typebox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectData, expectError, startTestKernel, type TestKernel } from '../testing/index.js';
import { minimalPlugin } from './fixtures/minimal.fixture.js';

// Plugin events: only declared ones, as plugin.json describes them, with the origin the plugin
// names; subscriptions of a newly installed plugin start at the end of the log.

const Rang = defineEvent('bell.rang', Type.Object({ times: Type.Integer() }), { clientAction: 'bell:read' });
const RangMislabelled = defineEvent('bell.rang', Type.Object({ times: Type.Integer() }), { clientAction: null });
const Undeclared = defineEvent('bell.melted', Type.Object({}));

const bell = minimalPlugin('bell', {
  actions: [{ action: 'bell:read', description: 'Hear the bell' }],
  events: [{ name: 'bell.rang', client_action: 'bell:read' }],
  routes: [
    { name: 'bell.ring', method: 'POST', path: '/plugins/bell/projects/:projectId/ring', action: 'projects:read',
      body: { type: 'object', properties: { how: { enum: ['properly', 'mislabelled', 'undeclared'] } }, required: ['how'], additionalProperties: false } },
  ],
}, {
  register(env) {
    env.init({ deps: { routes: coreServices.routes, events: coreServices.events }, init({ routes, events }) {
      routes.handle('bell.ring', async ({ db, projectId, principal, body }) => {
        const definition = body.how === 'properly' ? Rang : body.how === 'mislabelled' ? RangMislabelled : Undeclared;
        await events.emit(db, definition as typeof Rang, { projectId, actor: principal, payload: { times: 1 }, origin: 'automation' });
        return { rang: true };
      });
    } });
  },
});

const listenerRows: Array<{ type: string; projectId: string | null }> = [];
const listener = minimalPlugin('listener', {
  subscriptions: [{ name: 'everything', events: ['project.*', 'bell.*'] }],
}, {
  register(env) {
    env.init({ deps: { events: coreServices.events }, init({ events }) {
      events.subscribe('everything', async (_db, event) => void listenerRows.push({ type: event.type, projectId: event.projectId }));
    } });
  },
});

let t: TestKernel;
let projectId: string;
beforeAll(async () => {
  t = await startTestKernel({ plugins: [bell] });
  projectId = expectData(await t.api('POST', '/projects', { token: t.adminToken, body: { name: 'Belfry' } }), 201).id;
});
afterAll(() => t.close());

describe('plugin events', () => {
  it('emits a declared event with the origin the plugin names', async () => {
    expectData(await t.api('POST', `/plugins/bell/projects/${projectId}/ring`, { token: t.adminToken, body: { how: 'properly' } }));
    const event = await t.kernel.database.knex('events').where({ type: 'bell.rang' }).first();
    expect(event).toMatchObject({ project_id: projectId, origin: 'automation', payload: { times: 1 } });
  });

  it('refuses an undeclared event, or one whose client_action disagrees with plugin.json, and rolls the request back', async () => {
    const before = await t.kernel.database.knex('events').count<{ n: number }[]>({ n: '*' });
    const undeclared = await t.api('POST', `/plugins/bell/projects/${projectId}/ring`, { token: t.adminToken, body: { how: 'undeclared' } });
    expectError(undeclared, 500, 'PLUGIN_EVENT_UNDECLARED');
    expect(undeclared.json.error_details).toEqual({ plugin_id: 'bell', event: 'bell.melted' });
    expectError(await t.api('POST', `/plugins/bell/projects/${projectId}/ring`, { token: t.adminToken, body: { how: 'mislabelled' } }), 500, 'PLUGIN_EVENT_UNDECLARED');
    const after = await t.kernel.database.knex('events').count<{ n: number }[]>({ n: '*' });
    expect(Number(after[0]!.n)).toBe(Number(before[0]!.n));
  });

  it('starts a newly installed plugin\'s subscriptions at the end of the log, then delivers what follows', async () => {
    await t.restart({ plugins: [bell, listener] });
    await t.kernel.events.consumers.catchUp();
    expect(listenerRows).toEqual([]); // project.created and bell.rang from before the install are not replayed
    const later = expectData(await t.api('POST', '/projects', { token: t.adminToken, body: { name: 'Second belfry' } }), 201);
    expectData(await t.api('POST', `/plugins/bell/projects/${projectId}/ring`, { token: t.adminToken, body: { how: 'properly' } }));
    await t.kernel.events.consumers.catchUp();
    expect(listenerRows).toEqual(expect.arrayContaining([
      { type: 'project.created', projectId: later.id },
      { type: 'bell.rang', projectId },
    ]));
    expect(listenerRows.filter((r) => r.type === 'bell.rang')).toHaveLength(1);
  });
});
