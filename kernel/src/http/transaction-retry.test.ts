import { coreServices, definePlugin } from '@paca/plugin-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectData, startTestKernel, type TestKernel } from '../testing/index.js';

/*
 * A write PostgreSQL aborts to break a deadlock (40P01) or a serialization conflict (40001) is
 * run again in a fresh transaction: the client gets its answer, and the effects land once.
 * The abort is raised by the route itself after its insert, at the point PostgreSQL would.
 */

const manifest = {
  id: 'tally', name: 'Tally', description: 'Counts', version: '0.1.0', kernel: '^0.1.0', runtime: 'native', main: 'index.js',
  actions: [{ action: 'tally:write', description: 'Count' }],
  role_grants: { Admin: ['tally:write'] },
  migrations: ['0001-marks'],
  routes: [
    { name: 'tally.mark', method: 'POST', path: '/plugins/tally/projects/:projectId/marks', action: 'tally:write', status: 201,
      body: { type: 'object', properties: { label: { type: 'string' }, aborts: { type: 'integer', minimum: 0 }, code: { type: 'string' } }, required: ['label', 'aborts', 'code'], additionalProperties: false } },
    { name: 'tally.list', method: 'GET', path: '/plugins/tally/projects/:projectId/marks', action: 'tally:write' },
  ],
};

const attempts = new Map<string, number>();
const plugin = definePlugin({
  migrations: { '0001-marks': { up: (knex) => knex.schema.createTable('marks', (t) => { t.text('label').notNullable(); t.uuid('project_id').notNullable(); }) } },
  register(env) {
    env.init({ deps: { routes: coreServices.routes }, init({ routes }) {
      routes.handle('tally.mark', async ({ db, projectId, body }) => {
        const { label, aborts, code } = body as { label: string; aborts: number; code: string };
        await db('marks').insert({ label, project_id: projectId });
        const attempt = (attempts.get(label) ?? 0) + 1;
        attempts.set(label, attempt);
        if (attempt <= aborts) throw Object.assign(new Error('deadlock detected'), { code });
        return { label, attempt };
      });
      routes.handle('tally.list', async ({ db, projectId }) => ({ labels: await db('marks').where({ project_id: projectId }).pluck('label') }));
    } });
  },
});

describe('transaction retry', () => {
  let t: TestKernel;
  let projectId: string;
  const mark = (label: string, aborts: number, code = '40P01') =>
    t.api('POST', `/plugins/tally/projects/${projectId}/marks`, { token: t.adminToken, body: { label, aborts, code } });
  const labels = async () => expectData(await t.api('GET', `/plugins/tally/projects/${projectId}/marks`, { token: t.adminToken })).labels as string[];

  beforeAll(async () => {
    t = await startTestKernel({ plugins: [{ manifest, definition: plugin }] });
    projectId = expectData(await t.api('POST', '/projects', { token: t.adminToken, body: { name: 'Tally' } }), 201).id;
  });
  afterAll(async () => {
    await t?.close();
  });

  it('retries a deadlocked or serialization-failed write and commits it once', async () => {
    expect(expectData(await mark('deadlock', 1), 201)).toEqual({ label: 'deadlock', attempt: 2 });
    expect(expectData(await mark('serialization', 2, '40001'), 201)).toEqual({ label: 'serialization', attempt: 3 });
    expect((await labels()).sort()).toEqual(['deadlock', 'serialization']);
  });

  it('gives up after three attempts, and other errors are not retried; nothing is left behind', async () => {
    expect((await mark('hopeless', 5)).status).toBe(500);
    expect(attempts.get('hopeless')).toBe(3);
    expect((await mark('unique', 1, '23505')).status).toBe(409);
    expect(attempts.get('unique')).toBe(1);
    expect(await labels()).not.toEqual(expect.arrayContaining(['hopeless']));
    expect(await labels()).not.toContain('unique');
  });
});
