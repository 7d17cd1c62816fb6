import { expectData, expectError } from '@paca/kernel/testing';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProject, createTask } from '../../tasks/src/tasks-world.fixture.js';
import { completeSprint, createSprint, moveIntoSprint, sprintUrl, startSprint, startSprintsWorld, type SprintsWorld } from './sprints-world.fixture.js';

// D29's lifecycle and the planning moves, including every refusal a client can hit.

let w: SprintsWorld;
const db = () => w.t.kernel.database.knex;
const getTask = async (id: string) => expectData(await w.t.api('GET', `/projects/${w.projectId}/tasks/${id}`, { token: w.t.adminToken }));
const start = (sprintId: string, body: Record<string, unknown> = {}, token = w.editor.token) =>
  w.t.api('POST', `${sprintUrl(w.projectId, sprintId)}/start`, { token, body });
const complete = (sprintId: string, body: Record<string, unknown> = {}, token = w.editor.token) =>
  w.t.api('POST', `${sprintUrl(w.projectId, sprintId)}/complete`, { token, body });

beforeAll(async () => { w = await startSprintsWorld({ now: '2030-03-04T09:00:00Z' }); });
afterAll(async () => { await w?.t.close(); });

describe('start', () => {
  it('starts a planned sprint with defaults (today UTC, two weeks) and freezes the committed scope', async () => {
    const sprint = await createSprint(w.t, w.projectId);
    await createTask(w.t, w.projectId, { title: 'a', sprint_id: sprint.id, story_points: 3 });
    await createTask(w.t, w.projectId, { title: 'b', sprint_id: sprint.id, story_points: 5 });
    await createTask(w.t, w.projectId, { title: 'c', sprint_id: sprint.id });
    const started = expectData(await start(sprint.id, { goal: 'Go', version: 1 }));
    expect(started).toMatchObject({
      status: 'active', goal: 'Go', start_date: '2030-03-04', end_date: '2030-03-18', started_at: '2030-03-04T09:00:00.000Z',
      committed: { story_points: 8, task_count: 3 }, completed: null, version: 2,
    });
    const event = await db()('events').where({ type: 'sprint.started' }).orderBy('id', 'desc').first();
    expect(event.payload.sprint.id).toBe(sprint.id);
    // Only a planned sprint starts.
    const again = await start(sprint.id);
    expectError(again, 409, 'SPRINT_NOT_PLANNED');
    expect(again.json.error_details).toEqual({ status: 'active' });
  });

  it('takes the dates given, keeps an end date set before, and refuses an end before the start', async () => {
    const dated = await createSprint(w.t, w.projectId, { end_date: '2030-03-10' });
    expect(expectData(await start(dated.id, { start_date: '2030-03-05' }))).toMatchObject({ start_date: '2030-03-05', end_date: '2030-03-10' });
    const bad = await createSprint(w.t, w.projectId);
    expectError(await start(bad.id, { start_date: '2030-03-10', end_date: '2030-03-01' }), 422, 'SPRINT_DATES_INVALID');
    expectError(await start(bad.id, { name: '' }), 422, 'VALIDATION_FAILED');
    expectError(await start(bad.id, { version: 7 }), 409, 'SPRINT_VERSION_CONFLICT');
    expect(expectData(await w.t.api('GET', sprintUrl(w.projectId, bad.id), { token: w.editor.token })).status).toBe('planned');
  });

  it('allows several active sprints at once', async () => {
    const a = await createSprint(w.t, w.projectId);
    const b = await createSprint(w.t, w.projectId);
    expectData(await start(a.id));
    expectData(await start(b.id));
    const active = expectData(await w.t.api('GET', `/projects/${w.projectId}/sprints`, { token: w.viewer.token, query: { status: 'active', page_size: '200' } }));
    expect(active.items.map((s: { id: string }) => s.id)).toEqual(expect.arrayContaining([a.id, b.id]));
  });
});

describe('complete', () => {
  it('moves unfinished tasks to the target sprint, keeps done tasks for history and freezes the figures', async () => {
    const sprint = await createSprint(w.t, w.projectId);
    const next = await createSprint(w.t, w.projectId, { name: 'Next' });
    const done = await createTask(w.t, w.projectId, { title: 'done', sprint_id: sprint.id, story_points: 2, status_id: w.statuses.done });
    const open = await createTask(w.t, w.projectId, { title: 'open', sprint_id: sprint.id, story_points: 3, status_id: w.statuses.inprogress });
    const todo = await createTask(w.t, w.projectId, { title: 'todo', sprint_id: sprint.id });
    expectData(await start(sprint.id));
    w.t.clock.advance(60_000);
    const completed = expectData(await complete(sprint.id, { move_to_sprint_id: next.id }));
    expect(completed).toMatchObject({
      status: 'completed', completed_at: new Date(w.t.clock.now()).toISOString(),
      committed: { story_points: 5, task_count: 3 },
      completed: { story_points: 2, task_count: 1, moved_task_count: 2, moved_to_sprint_id: next.id },
    });
    expect((await getTask(done.id)).sprint_id).toBe(sprint.id);
    expect((await getTask(open.id)).sprint_id).toBe(next.id);
    expect((await getTask(todo.id)).sprint_id).toBe(next.id);
    const event = await db()('events').where({ type: 'sprint.completed' }).orderBy('id', 'desc').first();
    expect(event.payload).toMatchObject({ moved_task_count: 2, move_to_sprint_id: next.id });
    // Completing twice is refused and changes nothing.
    expectError(await complete(sprint.id), 409, 'SPRINT_ALREADY_COMPLETE');
    expectError(await start(sprint.id), 409, 'SPRINT_NOT_PLANNED');
    // A completed sprint takes no more tasks, through any path.
    expectError(await w.t.api('PATCH', `/projects/${w.projectId}/tasks/${todo.id}`, { token: w.editor.token, body: { sprint_id: sprint.id } }), 409, 'SPRINT_ALREADY_COMPLETE');
    expectError(await w.t.api('POST', `${sprintUrl(w.projectId, sprint.id)}/tasks`, { token: w.editor.token, body: { task_ids: [todo.id] } }), 409, 'SPRINT_ALREADY_COMPLETE');
    expect((await getTask(todo.id)).sprint_id).toBe(next.id);
    // Editing a done task that stayed behind still works: its sprint is not re-validated.
    expect(expectData(await w.t.api('PATCH', `/projects/${w.projectId}/tasks/${done.id}`, { token: w.editor.token, body: { title: 'done!' } })).sprint_id).toBe(sprint.id);
  });

  it('completes once when two clients complete at the same moment (the sprint row is locked)', async () => {
    const sprint = await createSprint(w.t, w.projectId);
    const open = await createTask(w.t, w.projectId, { title: 'raced', sprint_id: sprint.id });
    expectData(await start(sprint.id));
    const results = await Promise.all([complete(sprint.id), complete(sprint.id)]);
    expect(results.map((r) => r.status).sort()).toEqual([200, 409]);
    expect(results.find((r) => r.status === 409)!.json.error_code).toBe('SPRINT_ALREADY_COMPLETE');
    expect(await db()('events').where({ type: 'sprint.completed' }).whereRaw("payload->'sprint'->>'id' = ?", [sprint.id]).count({ n: '*' }).first()).toEqual({ n: 1 });
    const feed = expectData(await w.t.api('GET', `/projects/${w.projectId}/tasks/${open.id}/activities`, { token: w.editor.token }));
    expect(feed.items.filter((a: { activity_type: string }) => a.activity_type === 'task.updated')).toHaveLength(1);
  });

  it('sends unfinished tasks back to the backlog without a target', async () => {
    const sprint = await createSprint(w.t, w.projectId);
    const open = await createTask(w.t, w.projectId, { title: 'open', sprint_id: sprint.id });
    expectData(await start(sprint.id));
    expect(expectData(await complete(sprint.id, { move_to_sprint_id: null })).completed).toEqual({ story_points: 0, task_count: 0, moved_task_count: 1, moved_to_sprint_id: null });
    expect((await getTask(open.id)).sprint_id).toBeNull();
  });

  it('refuses a planned sprint and bad targets, leaving everything as it was', async () => {
    const planned = await createSprint(w.t, w.projectId);
    const notActive = await complete(planned.id);
    expectError(notActive, 409, 'SPRINT_NOT_ACTIVE');
    expect(notActive.json.error_details).toEqual({ status: 'planned' });
    const sprint = await createSprint(w.t, w.projectId);
    const open = await createTask(w.t, w.projectId, { title: 'stays', sprint_id: sprint.id });
    expectData(await start(sprint.id));
    const finished = await createSprint(w.t, w.projectId);
    expectData(await start(finished.id));
    expectData(await complete(finished.id));
    const foreign = await createSprint(w.t, w.publicProjectId);
    for (const target of [sprint.id, finished.id, foreign.id, randomUUID()]) {
      expectError(await complete(sprint.id, { move_to_sprint_id: target }), 422, 'SPRINT_MOVE_TARGET_INVALID');
    }
    expectError(await complete(sprint.id, { move_to_sprint_id: 'next' }), 422, 'VALIDATION_FAILED');
    expect(expectData(await w.t.api('GET', sprintUrl(w.projectId, sprint.id), { token: w.editor.token })).status).toBe('active');
    expect((await getTask(open.id)).sprint_id).toBe(sprint.id);
    expectError(await complete(randomUUID()), 404, 'SPRINT_NOT_FOUND');
  });
});

describe('moving tasks between sprints and the backlog', () => {
  it('moves many tasks in one request, each with its own recorded change, and back to the backlog', async () => {
    const sprint = await createSprint(w.t, w.projectId);
    const a = await createTask(w.t, w.projectId, { title: 'a' });
    const b = await createTask(w.t, w.projectId, { title: 'b' });
    const moved = await moveIntoSprint(w.t, w.projectId, sprint.id, [a.id, b.id], w.editor.token);
    expect(moved.items.map((t: { id: string; sprint_id: string }) => [t.id, t.sprint_id])).toEqual([[a.id, sprint.id], [b.id, sprint.id]]);
    const event = await db()('events').where({ type: 'sprint.tasks.moved' }).orderBy('id', 'desc').first();
    expect(event.payload).toEqual({ sprint_id: sprint.id, task_ids: [a.id, b.id] });
    expect(await db()('events').where({ type: 'task.updated' }).whereRaw("payload->>'task_id' in (?, ?)", [a.id, b.id]).count({ n: '*' }).first()).toEqual({ n: 2 });
    const list = expectData(await w.t.api('GET', `/projects/${w.projectId}/tasks`, { token: w.editor.token, query: { sprint_id: sprint.id } }));
    expect(list.items.map((t: { id: string }) => t.id)).toEqual([a.id, b.id]);
    const back = expectData(await w.t.api('POST', `/projects/${w.projectId}/product-backlog/tasks`, { token: w.editor.token, body: { task_ids: [b.id] } }));
    expect(back.items[0].sprint_id).toBeNull();
    expect((await getTask(b.id)).sprint_id).toBeNull();
  });

  it('is all or nothing: an unknown, foreign or deleted task refuses the whole move', async () => {
    const sprint = await createSprint(w.t, w.projectId);
    const a = await createTask(w.t, w.projectId, { title: 'a' });
    const gone = await createTask(w.t, w.projectId, { title: 'gone' });
    expectData(await w.t.api('DELETE', `/projects/${w.projectId}/tasks/${gone.id}`, { token: w.t.adminToken }), 204);
    const other = await createProject(w.t, `Other ${randomUUID().slice(0, 6)}`);
    const foreign = await createTask(w.t, other.id, { title: 'foreign' });
    for (const bad of [randomUUID(), gone.id, foreign.id]) {
      expectError(await w.t.api('POST', `${sprintUrl(w.projectId, sprint.id)}/tasks`, { token: w.editor.token, body: { task_ids: [a.id, bad] } }), 404, 'TASK_NOT_FOUND');
    }
    expect((await getTask(a.id)).sprint_id).toBeNull();
    const bad = (body: unknown) => w.t.api('POST', `${sprintUrl(w.projectId, sprint.id)}/tasks`, { token: w.editor.token, body });
    expectError(await bad({ task_ids: [] }), 422, 'VALIDATION_FAILED');
    expectError(await bad({ task_ids: ['PRJ-1'] }), 422, 'VALIDATION_FAILED');
    expectError(await bad({ task_ids: [a.id, a.id] }), 422, 'VALIDATION_FAILED');
    expectError(await bad({}), 422, 'VALIDATION_FAILED');
    expectError(await w.t.api('POST', `${sprintUrl(w.projectId, randomUUID())}/tasks`, { token: w.editor.token, body: { task_ids: [a.id] } }), 404, 'SPRINT_NOT_FOUND');
  });

  it('names unknown sprints in task writes with sprints’ own code (D20)', async () => {
    const response = await w.t.api('POST', `/projects/${w.projectId}/tasks`, { token: w.editor.token, body: { title: 'x', sprint_id: randomUUID() } });
    expectError(response, 422, 'SPRINT_NOT_FOUND');
    const foreign = await createSprint(w.t, w.publicProjectId);
    expectError(await w.t.api('POST', `/projects/${w.projectId}/tasks`, { token: w.editor.token, body: { title: 'x', sprint_id: foreign.id } }), 422, 'SPRINT_NOT_FOUND');
    const sprint = await createSprint(w.t, w.projectId, { name: 'Context' });
    const task = await createTask(w.t, w.projectId, { title: 'ctx', sprint_id: sprint.id });
    const context = expectData(await w.t.api('GET', `/projects/${w.projectId}/tasks/${task.id}/context`, { token: w.viewer.token }));
    expect(context.sprint).toMatchObject({ id: sprint.id, name: 'Context', status: 'planned' });
  });
});
