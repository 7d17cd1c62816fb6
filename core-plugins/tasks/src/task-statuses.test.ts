import { expectData, expectError } from '@paca/kernel/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventsOf, insertTaskRow, readTaskRow, taskActivities } from './settings-task-rows.fixture.js';
import { createProject, startTasksWorld, type TasksWorld } from './tasks-world.fixture.js';

// Task statuses (reference 1.4, D28) as a client sees them: the seeded board, dense positions,
// reordering, the default, D4 versions, and deletes that move tasks.

const onPostgres = !!process.env.DATABASE_URL;

let w: TasksWorld;
beforeAll(async () => {
  w = await startTasksWorld();
});
afterAll(() => w?.t.close());

const url = (projectId: string, suffix = '') => `/projects/${projectId}/task-statuses${suffix}`;
type StatusView = { id: string; name: string; category: string; color: string | null; position: number; is_default: boolean; version: number; updated_at: string };

async function listStatuses(projectId: string, token = w.admin.token): Promise<StatusView[]> {
  return expectData(await w.t.api('GET', url(projectId), { token })).items;
}

const names = (statuses: StatusView[]) => statuses.map((s) => s.name);

async function newProject() {
  const projectId = (await createProject(w.t, `Statuses ${Math.random().toString(36).slice(2, 8)}`)).id;
  const statuses = await listStatuses(projectId);
  const typeId = ((await w.t.kernel.database.knex('plugin_tasks.task_types').where({ project_id: projectId, is_default: true }).first()) as { id: string }).id;
  const byName = (name: string) => statuses.find((s) => s.name === name)!;
  return { projectId, statuses, byName, typeId };
}

async function createStatus(projectId: string, body: Record<string, unknown>): Promise<StatusView> {
  return expectData(await w.t.api('POST', url(projectId), { token: w.admin.token, body }), 201);
}

const BOARD = ['Backlog', 'Refinement', 'Ready', 'To Do', 'In Progress', 'Done'];

describe('seeding', () => {
  it('gives a new project six statuses, one per category, Backlog the only default', async () => {
    const { statuses } = await newProject();
    expect(statuses.map((s) => [s.name, s.category, s.position, s.is_default])).toEqual([
      ['Backlog', 'backlog', 0, true], ['Refinement', 'refinement', 1, false], ['Ready', 'ready', 2, false],
      ['To Do', 'todo', 3, false], ['In Progress', 'inprogress', 4, false], ['Done', 'done', 5, false],
    ]);
    expect(statuses.every((s) => s.version === 1 && /^#[0-9a-f]{6}$/.test(s.color!))).toBe(true);
  });
});

describe('reading', () => {
  it('lets members and anonymous readers of a public project list statuses, and nobody else', async () => {
    expect(names(await listStatuses(w.projectId, w.viewer.token))).toEqual(BOARD);
    expect(expectData(await w.t.api('GET', url(w.projectId), { token: w.editor.token })).next_cursor).toBeNull();
    expectError(await w.t.api('GET', url(w.projectId)), 401, 'AUTH_UNAUTHENTICATED');
    expectError(await w.t.api('GET', url(w.projectId), { token: w.outsider.token }), 403, 'FORBIDDEN');
    expect(names(expectData(await w.t.api('GET', url(w.publicProjectId))).items)).toEqual(BOARD);
  });
});

describe('creating', () => {
  it('appends at the end by default and announces the status', async () => {
    const { projectId } = await newProject();
    const res = await w.t.api('POST', url(projectId), { token: w.admin.token, body: { name: ' Review ', category: 'inprogress', color: '#123456' } });
    const review = expectData(res, 201);
    expect(review).toMatchObject({ name: 'Review', category: 'inprogress', color: '#123456', position: 6, is_default: false, version: 1, project_id: projectId });
    expect(res.headers.etag).toBe('"1"');
    expect(names(await listStatuses(projectId))).toEqual([...BOARD, 'Review']);
    expect((await eventsOf(w.t, projectId, 'task.status.created')).map((e) => e.payload.task_status)).toEqual([review]);
    expect(await eventsOf(w.t, projectId, 'task.status.reordered')).toHaveLength(0);
  });

  it('inserts at a position, shifting the statuses after it (each changed one gets a new version)', async () => {
    const { projectId } = await newProject();
    const review = await createStatus(projectId, { name: 'Review', category: 'inprogress', position: 5 });
    const statuses = await listStatuses(projectId);
    expect(statuses.map((s) => [s.name, s.position, s.version])).toEqual([
      ['Backlog', 0, 1], ['Refinement', 1, 1], ['Ready', 2, 1], ['To Do', 3, 1], ['In Progress', 4, 1], ['Review', 5, 1], ['Done', 6, 2],
    ]);
    expect((await eventsOf(w.t, projectId, 'task.status.reordered')).map((e) => e.payload.status_ids)).toEqual([statuses.map((s) => s.id)]);
    expect(review.position).toBe(5);
    // A position past the end appends.
    expect((await createStatus(projectId, { name: 'Archive', category: 'done', position: 99 })).position).toBe(7);
  });

  it('refuses a name in use (case-insensitively) and bad input, storing nothing', async () => {
    const { projectId } = await newProject();
    expectError(await w.t.api('POST', url(projectId), { token: w.admin.token, body: { name: 'done', category: 'done' } }), 409, 'TASK_STATUS_NAME_TAKEN');
    for (const body of [{ name: 'X' }, { name: 'X', category: 'later' }, { name: ' ', category: 'todo' }, { name: 'X', category: 'todo', position: -1 },
      { name: 'X', category: 'todo', color: '#12' }, { name: 'X', category: 'todo', is_default: true }]) {
      expectError(await w.t.api('POST', url(projectId), { token: w.admin.token, body }), 422, 'VALIDATION_FAILED');
    }
    expect((await listStatuses(projectId)).map((s) => [s.name, s.version])).toEqual(BOARD.map((n) => [n, 1]));
  });

  it('is for project admins: Editor and Viewer get 403, anonymous 401', async () => {
    for (const token of [w.editor.token, w.viewer.token]) {
      expectError(await w.t.api('POST', url(w.projectId), { token, body: { name: 'Sneaky', category: 'todo' } }), 403, 'FORBIDDEN');
    }
    expectError(await w.t.api('POST', url(w.projectId), { body: { name: 'Sneaky', category: 'todo' } }), 401, 'AUTH_UNAUTHENTICATED');
    expect(names(await listStatuses(w.projectId))).toEqual(BOARD);
  });
});

describe('reordering', () => {
  it('puts the statuses in the order given and announces it', async () => {
    const { projectId, statuses } = await newProject();
    const reversed = statuses.map((s) => s.id).reverse();
    const res = expectData(await w.t.api('PUT', url(projectId, '/positions'), { token: w.admin.token, body: { status_ids: reversed } }));
    expect(res.items.map((s: StatusView) => s.id)).toEqual(reversed);
    const after = await listStatuses(projectId);
    expect(after.map((s) => [s.name, s.position])).toEqual([...BOARD].reverse().map((n, i) => [n, i]));
    expect((await eventsOf(w.t, projectId, 'task.status.reordered')).map((e) => e.payload)).toEqual([{ status_ids: reversed }]);
  });

  it('refuses a list that is not every status of the project exactly once, and keeps the order', async () => {
    const { projectId, statuses } = await newProject();
    const ids = statuses.map((s) => s.id);
    for (const statusIds of [ids.slice(1), [...ids.slice(1), w.statuses.backlog], [...ids, w.statuses.done]]) {
      expectError(await w.t.api('PUT', url(projectId, '/positions'), { token: w.admin.token, body: { status_ids: statusIds } }), 422, 'TASK_STATUS_REORDER_INVALID');
    }
    for (const statusIds of [[...ids, ids[0]], [], ['not-a-uuid']]) {
      expectError(await w.t.api('PUT', url(projectId, '/positions'), { token: w.admin.token, body: { status_ids: statusIds } }), 422, 'VALIDATION_FAILED');
    }
    expectError(await w.t.api('PUT', url(w.projectId, '/positions'), { token: w.editor.token, body: { status_ids: Object.values(w.statuses) } }), 403, 'FORBIDDEN');
    expect(names(await listStatuses(projectId))).toEqual(BOARD);
    expect(await eventsOf(w.t, projectId, 'task.status.reordered')).toHaveLength(0);
  });
});

describe('updating', () => {
  it('changes name, colour (null clears) and category, bumping the version once', async () => {
    const { projectId, byName } = await newProject();
    const ready = byName('Ready');
    w.t.clock.advance(60_000);
    const res = await w.t.api('PATCH', url(projectId, `/${ready.id}`), { token: w.admin.token, body: { name: 'Groomed', color: null, category: 'todo' } });
    const updated = expectData(res);
    expect(updated).toMatchObject({ id: ready.id, name: 'Groomed', color: null, category: 'todo', position: 2, version: 2, updated_at: w.t.clock.now().toISOString() });
    expect(res.headers.etag).toBe('"2"');
    expect((await listStatuses(projectId))[2]).toEqual(updated);
    expect((await eventsOf(w.t, projectId, 'task.status.updated')).map((e) => e.payload.task_status)).toEqual([updated]);
    // Sending what it already is changes nothing.
    expect(expectData(await w.t.api('PATCH', url(projectId, `/${ready.id}`), { token: w.admin.token, body: { category: 'todo', position: 2 } })).version).toBe(2);
  });

  it('moves a status to a new position, shifting the ones in between', async () => {
    const { projectId, byName } = await newProject();
    const done = byName('Done');
    expect(expectData(await w.t.api('PATCH', url(projectId, `/${done.id}`), { token: w.admin.token, body: { position: 1 } }))).toMatchObject({ position: 1, version: 2 });
    expect((await listStatuses(projectId)).map((s) => [s.name, s.position])).toEqual(
      ['Backlog', 'Done', 'Refinement', 'Ready', 'To Do', 'In Progress'].map((n, i) => [n, i]));
    expect(await eventsOf(w.t, projectId, 'task.status.reordered')).toHaveLength(1);
  });

  it('refuses stale versions, taken names, other projects\' statuses and bad input, changing nothing', async () => {
    const { projectId, byName } = await newProject();
    const ready = byName('Ready');
    const stale = await w.t.api('PATCH', url(projectId, `/${ready.id}`), { token: w.admin.token, body: { name: 'X', version: 3 } });
    expectError(stale, 409, 'TASK_STATUS_VERSION_CONFLICT');
    expect(stale.json.error_details).toEqual({ current_version: 1 });
    expectError(await w.t.api('PATCH', url(projectId, `/${ready.id}`), { token: w.admin.token, headers: { 'if-match': '"2"' }, body: { name: 'X' } }), 409, 'TASK_STATUS_VERSION_CONFLICT');
    expectError(await w.t.api('PATCH', url(projectId, `/${ready.id}`), { token: w.admin.token, body: { name: 'to do' } }), 409, 'TASK_STATUS_NAME_TAKEN');
    expectError(await w.t.api('PATCH', url(projectId, `/${ready.id}`), { token: w.admin.token, body: { category: 'blocked' } }), 422, 'VALIDATION_FAILED');
    expectError(await w.t.api('PATCH', url(projectId, `/${ready.id}`), { token: w.admin.token, body: { name: '  ' } }), 422, 'VALIDATION_FAILED');
    expectError(await w.t.api('PATCH', url(projectId, `/${w.statuses.ready}`), { token: w.admin.token, body: { name: 'X' } }), 404, 'TASK_STATUS_NOT_FOUND');
    expectError(await w.t.api('PATCH', url(projectId, '/42'), { token: w.admin.token, body: { name: 'X' } }), 404, 'TASK_STATUS_NOT_FOUND');
    for (const token of [w.editor.token, w.viewer.token]) {
      expectError(await w.t.api('PATCH', url(w.projectId, `/${w.statuses.ready}`), { token, body: { name: 'X' } }), 403, 'FORBIDDEN');
    }
    expect((await listStatuses(projectId)).map((s) => [s.name, s.version])).toEqual(BOARD.map((n) => [n, 1]));
    expect(names(await listStatuses(w.projectId))).toEqual(BOARD);
    expect(expectData(await w.t.api('PATCH', url(projectId, `/${ready.id}`), { token: w.admin.token, headers: { 'if-match': '"1"' }, body: { name: 'X' } })).name).toBe('X');
  });
});

describe('the default status', () => {
  it('moves to the status set as default; exactly one stays default', async () => {
    const { projectId, byName } = await newProject();
    const todo = byName('To Do');
    const res = await w.t.api('PUT', url(projectId, `/${todo.id}/set-default`), { token: w.admin.token });
    expect(expectData(res)).toMatchObject({ id: todo.id, is_default: true, version: 2 });
    expect(res.headers.etag).toBe('"2"');
    const statuses = await listStatuses(projectId);
    expect(statuses.filter((s) => s.is_default).map((s) => s.name)).toEqual(['To Do']);
    expect(statuses[0]).toMatchObject({ name: 'Backlog', is_default: false, version: 2 });
    expect((await eventsOf(w.t, projectId, 'task.status.updated')).map((e) => [e.payload.task_status.name, e.payload.task_status.is_default]))
      .toEqual([['Backlog', false], ['To Do', true]]);
    expectError(await w.t.api('PUT', url(projectId, `/${w.statuses.done}/set-default`), { token: w.admin.token }), 404, 'TASK_STATUS_NOT_FOUND');
    expectError(await w.t.api('PUT', url(projectId, `/${todo.id}/set-default`), { token: w.admin.token, headers: { 'if-match': '"1"' } }), 409, 'TASK_STATUS_VERSION_CONFLICT');
    expectError(await w.t.api('PUT', url(w.projectId, `/${w.statuses.done}/set-default`), { token: w.editor.token }), 403, 'FORBIDDEN');
    expect((await listStatuses(w.projectId)).filter((s) => s.is_default).map((s) => s.id)).toEqual([w.statuses.backlog]);
  });

  it.runIf(onPostgres)('stays single when two admins set different defaults at once', async () => {
    const { projectId, byName } = await newProject();
    const results = await Promise.all(['Ready', 'Done'].map((n) => w.t.api('PUT', url(projectId, `/${byName(n).id}/set-default`), { token: w.admin.token })));
    expect(results.map((r) => r.status)).toEqual([200, 200]);
    expect((await listStatuses(projectId)).filter((s) => s.is_default)).toHaveLength(1);
  });
});

describe('deleting (D28)', () => {
  it('removes an unused status, closes the gap and announces it', async () => {
    const { projectId, byName } = await newProject();
    const ready = byName('Ready');
    expectData(await w.t.api('DELETE', url(projectId, `/${ready.id}`), { token: w.admin.token }), 204);
    expect((await listStatuses(projectId)).map((s) => [s.name, s.position])).toEqual(
      ['Backlog', 'Refinement', 'To Do', 'In Progress', 'Done'].map((n, i) => [n, i]));
    expect((await eventsOf(w.t, projectId, 'task.status.deleted')).map((e) => e.payload)).toEqual([{ task_status_id: ready.id, moved_to_status_id: null }]);
    expectError(await w.t.api('DELETE', url(projectId, `/${ready.id}`), { token: w.admin.token }), 404, 'TASK_STATUS_NOT_FOUND');
  });

  it('never deletes the default status', async () => {
    const { projectId, byName } = await newProject();
    expectError(await w.t.api('DELETE', url(projectId, `/${byName('Backlog').id}`), { token: w.admin.token, query: { move_to_status_id: byName('Done').id } }), 409, 'TASK_STATUS_IS_DEFAULT');
    expect(names(await listStatuses(projectId))).toEqual(BOARD);
  });

  it('refuses a status in use without move_to_status_id, with the number of live tasks', async () => {
    const { projectId, byName, typeId } = await newProject();
    const ready = byName('Ready');
    for (const deleted of [false, false, false, true]) await insertTaskRow(w.t, projectId, { statusId: ready.id, typeId, deleted });
    const res = await w.t.api('DELETE', url(projectId, `/${ready.id}`), { token: w.admin.token });
    expectError(res, 409, 'TASK_STATUS_IN_USE');
    expect(res.json.error_details).toEqual({ task_count: 3 });
    expect(names(await listStatuses(projectId))).toEqual(BOARD);
  });

  it('moves the tasks to move_to_status_id: each bumped and recorded as a task.updated activity the burndown can replay', async () => {
    const { projectId, byName, typeId } = await newProject();
    const [inProgress, done, todo] = [byName('In Progress'), byName('Done'), byName('To Do')];
    const moving = [await insertTaskRow(w.t, projectId, { statusId: inProgress.id, typeId }), await insertTaskRow(w.t, projectId, { statusId: inProgress.id, typeId })];
    const staying = await insertTaskRow(w.t, projectId, { statusId: todo.id, typeId });
    const gone = await insertTaskRow(w.t, projectId, { statusId: inProgress.id, typeId, deleted: true });
    w.t.clock.advance(3_000);
    const me = expectData(await w.t.api('GET', '/users/me', { token: w.admin.token }));

    expectData(await w.t.api('DELETE', url(projectId, `/${inProgress.id}`), { token: w.admin.token, query: { move_to_status_id: done.id } }), 204);

    for (const before of moving) {
      const after = await readTaskRow(w.t, before.id);
      expect(after).toMatchObject({ status_id: done.id, version: 2 });
      expect(new Date(after.updated_at).toISOString()).toBe(w.t.clock.now().toISOString());
      const activities = await taskActivities(w.t, before.id);
      expect(activities.map((a) => [a.activity_type, a.actor_id, a.content])).toEqual([
        ['task.updated', me.id, { changes: [{ field: 'status_id', old: inProgress.id, new: done.id }] }],
      ]);
    }
    expect(await readTaskRow(w.t, staying.id)).toMatchObject({ status_id: todo.id, version: 1 });
    expect(await readTaskRow(w.t, gone.id)).toMatchObject({ status_id: inProgress.id, version: 1 });
    expect(await taskActivities(w.t, staying.id)).toHaveLength(0);
    expect((await eventsOf(w.t, projectId, 'task.status.deleted')).map((e) => e.payload)).toEqual([{ task_status_id: inProgress.id, moved_to_status_id: done.id }]);
    expect(names(await listStatuses(projectId))).toEqual(['Backlog', 'Refinement', 'Ready', 'To Do', 'Done']);
  });

  it('refuses a move target that is the status itself or not of this project, and changes nothing', async () => {
    const { projectId, byName, typeId } = await newProject();
    const ready = byName('Ready');
    const row = await insertTaskRow(w.t, projectId, { statusId: ready.id, typeId });
    for (const target of [ready.id, w.statuses.done, '00000000-0000-4000-8000-000000000000']) {
      expectError(await w.t.api('DELETE', url(projectId, `/${ready.id}`), { token: w.admin.token, query: { move_to_status_id: target } }), 422, 'TASK_STATUS_MOVE_TARGET_INVALID');
    }
    expectError(await w.t.api('DELETE', url(projectId, `/${ready.id}`), { token: w.admin.token, query: { move_to_status_id: 'done' } }), 422, 'VALIDATION_FAILED');
    expectError(await w.t.api('DELETE', url(projectId, `/${ready.id}`), { token: w.admin.token, query: { move_to: byName('Done').id } }), 422, 'VALIDATION_FAILED');
    expect(await readTaskRow(w.t, row.id)).toMatchObject({ status_id: ready.id, version: 1 });
    expect(names(await listStatuses(projectId))).toEqual(BOARD);
  });

  it('honours If-Match and is for project admins only', async () => {
    const { projectId, byName } = await newProject();
    expectError(await w.t.api('DELETE', url(projectId, `/${byName('Ready').id}`), { token: w.admin.token, headers: { 'if-match': '"4"' } }), 409, 'TASK_STATUS_VERSION_CONFLICT');
    for (const token of [w.editor.token, w.viewer.token]) {
      expectError(await w.t.api('DELETE', url(w.projectId, `/${w.statuses.ready}`), { token }), 403, 'FORBIDDEN');
    }
    expectError(await w.t.api('DELETE', url(w.projectId, `/${w.statuses.ready}`)), 401, 'AUTH_UNAUTHENTICATED');
    expect(names(await listStatuses(w.projectId))).toEqual(BOARD);
    expectData(await w.t.api('DELETE', url(projectId, `/${byName('Ready').id}`), { token: w.admin.token, headers: { 'if-match': '"1"' } }), 204);
  });
});

describe('concurrency', () => {
  it.runIf(onPostgres)('keeps positions dense and names unique under simultaneous writes', async () => {
    const { projectId } = await newProject();
    const results = await Promise.all([
      ...['A', 'B', 'C'].map((name) => w.t.api('POST', url(projectId), { token: w.admin.token, body: { name, category: 'todo', position: 0 } })),
      ...[1, 2].map(() => w.t.api('POST', url(projectId), { token: w.admin.token, body: { name: 'Same', category: 'todo' } })),
    ]);
    expect(results.map((r) => r.status).sort()).toEqual([201, 201, 201, 201, 409]);
    const statuses = await listStatuses(projectId);
    expect(statuses.map((s) => s.position)).toEqual(statuses.map((_, i) => i));
    expect(statuses).toHaveLength(10);
  });
});
