import { coreServices, defineError, definePlugin } from '@paca/plugin-sdk';
import { expectData, expectError } from '@paca/kernel/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tasksService } from './contract.js';
import { createTask, startTasksWorld, type TasksWorld } from './tasks-world.fixture.js';

// The exported contract (D20) as a dependant sees it: a plugin that requires tasks and reaches
// them only through `tasksService`, never through tasks' tables or routes.

const base = '/plugins/board-bot/projects/:projectId';
const boardBot = {
  manifest: {
    id: 'board-bot', name: 'Board bot', version: '0.1.0', kernel: '^0.1.0', runtime: 'native', main: 'index.js',
    requires: { tasks: '^0.1.0' },
    actions: [{ action: 'board_bot:use', description: 'Use the bot' }],
    role_grants: { Admin: ['board_bot:use'], Editor: ['board_bot:use'] },
    routes: [
      { name: 'bot.get', method: 'GET', path: `${base}/tasks/:taskId`, action: 'board_bot:use' },
      { name: 'bot.list', method: 'GET', path: `${base}/tasks`, action: 'board_bot:use', query: { type: 'object', properties: { status_id: { type: 'string', format: 'uuid' }, search: { type: 'string' } }, additionalProperties: false } },
      { name: 'bot.finish', method: 'POST', path: `${base}/tasks/:taskId/finish`, action: 'board_bot:use' },
      { name: 'bot.statuses', method: 'GET', path: `${base}/statuses`, action: 'board_bot:use' },
      { name: 'bot.finish-then-fail', method: 'POST', path: `${base}/tasks/:taskId/finish-then-fail`, action: 'board_bot:use' },
    ],
  },
  definition: definePlugin({
    register(env) {
      env.init({
        deps: { routes: coreServices.routes, tasks: tasksService },
        init({ routes, tasks }) {
          routes.handle('bot.get', async ({ projectId, params }) => tasks.get(projectId!, params.taskId));
          routes.handle('bot.list', async ({ projectId, query }) =>
            tasks.list(projectId!, { pageSize: 50, ...(query.status_id ? { statusIds: [query.status_id] } : {}), ...(query.search ? { search: query.search } : {}) }));
          routes.handle('bot.statuses', async ({ projectId }) => tasks.statuses(projectId!));
          routes.handle('bot.finish', async ({ projectId, params, principal }) => {
            const done = (await tasks.statuses(projectId!)).find((s) => s.category === 'done')!;
            return tasks.update(projectId!, params.taskId, { status_id: done.id, story_points: null }, principal);
          });
          routes.handle('bot.finish-then-fail', async ({ projectId, params, principal }) => {
            const done = (await tasks.statuses(projectId!)).find((s) => s.category === 'done')!;
            await tasks.update(projectId!, params.taskId, { status_id: done.id }, principal);
            throw BotGaveUp({});
          });
        },
      });
    },
  }),
};
const BotGaveUp = defineError('BOT_GAVE_UP', 409, 'the bot changed its mind');

let w: TasksWorld;
beforeAll(async () => {
  w = await startTasksWorld({ plugins: [boardBot] });
});
afterAll(() => w?.t.close());

const url = (path: string, projectId = w.projectId) => `/plugins/board-bot/projects/${projectId}${path}`;

describe('tasksService (the exported contract)', () => {
  it('reads tasks and statuses the way the REST API shows them', async () => {
    const task = await createTask(w.t, w.projectId, { title: 'Read me through the contract', story_points: 3 });
    const viaService = expectData(await w.t.api('GET', url(`/tasks/${task.id}`), { token: w.editor.token }));
    expect(viaService).toEqual(task);
    const statuses = expectData(await w.t.api('GET', url('/statuses'), { token: w.editor.token }));
    expect(statuses.map((s: { category: string }) => s.category)).toEqual(['backlog', 'refinement', 'ready', 'todo', 'inprogress', 'done']);
    const found = expectData(await w.t.api('GET', url('/tasks'), { token: w.editor.token, query: { search: 'through the contract' } }));
    expect(found.items.map((t: { id: string }) => t.id)).toEqual([task.id]);
    // Another project's task is not reachable through this project.
    const other = await createTask(w.t, w.publicProjectId, { title: 'Elsewhere' });
    expect(expectData(await w.t.api('GET', url(`/tasks/${other.id}`), { token: t().adminToken }))).toBeNull();
  });

  it('writes through the same path as PATCH: validation, version, activity and event, attributed to the caller', async () => {
    const task = await createTask(w.t, w.projectId, { title: 'Finish me', story_points: 5 });
    const finished = expectData(await w.t.api('POST', url(`/tasks/${task.id}/finish`), { token: w.editor.token }));
    expect(finished).toMatchObject({ id: task.id, status_id: w.statuses.done, story_points: null, version: task.version + 1 });
    const rest = expectData(await w.t.api('GET', `/projects/${w.projectId}/tasks/${task.id}`, { token: w.viewer.token }));
    expect(rest).toEqual(finished);
    const activities = expectData(await w.t.api('GET', `/projects/${w.projectId}/tasks/${task.id}/activities`, { token: w.viewer.token }));
    const update = activities.items.find((a: { activity_type: string }) => a.activity_type === 'task.updated');
    expect(update.actor).toMatchObject({ type: 'user', id: w.editor.id });
    expect(update.content.changes).toEqual(expect.arrayContaining([
      { field: 'status_id', old: w.statuses.backlog, new: w.statuses.done },
      { field: 'story_points', old: 5, new: null },
    ]));
    const events = await w.t.kernel.database.knex('events').where({ type: 'task.updated' }).whereRaw("payload->>'task_id' = ?", [task.id]);
    expect(events).toHaveLength(1);
  });

  it("joins the caller's transaction: when the caller fails, the task change, its activity and its event are rolled back", async () => {
    const task = await createTask(w.t, w.projectId, { title: 'Almost finished' });
    expectError(await w.t.api('POST', url(`/tasks/${task.id}/finish-then-fail`), { token: w.editor.token }), 409, 'BOT_GAVE_UP');
    expect(expectData(await w.t.api('GET', `/projects/${w.projectId}/tasks/${task.id}`, { token: w.viewer.token }))).toEqual(task);
    const events = await w.t.kernel.database.knex('events').where({ type: 'task.updated' }).whereRaw("payload->>'task_id' = ?", [task.id]);
    expect(events).toHaveLength(0);
    const activities = expectData(await w.t.api('GET', `/projects/${w.projectId}/tasks/${task.id}/activities`, { token: w.viewer.token }));
    expect(activities.items.map((a: { activity_type: string }) => a.activity_type)).toEqual(['task.created']);
  });

  it('is refused where the dependant has no grant, like any plugin route', async () => {
    const task = await createTask(w.t, w.projectId, { title: 'Not for viewers' });
    expectError(await w.t.api('POST', url(`/tasks/${task.id}/finish`), { token: w.viewer.token }), 403, 'FORBIDDEN');
    expect(expectData(await w.t.api('GET', `/projects/${w.projectId}/tasks/${task.id}`, { token: w.viewer.token })).version).toBe(task.version);
  });
});

const t = () => w.t;
