import { expectData, expectError } from '@paca/kernel/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sprintsUrl, sprintUrl, startSprintsWorld, type SprintsWorld } from './sprints-world.fixture.js';

/*
 * D29's acceptance: a whole sprint on the kernel's manual clock. Ten tasks (1, 2, 3, 5, 8, 1, 2,
 * 3, 5, 8 points = 38) go in, the sprint runs Mon 4 – Fri 8 March 2030, six tasks are finished
 * over four days while the scope changes (an estimate cut, a task added, a task dropped), and the
 * rest moves to the next sprint. Every figure below is worked out by hand in the comments.
 * Calls use API keys: the clock jumps days, and access tokens last 15 minutes.
 */

let w: SprintsWorld;
let editorKey: string;
let viewerKey: string;
const at = (iso: string) => w.t.clock.set(new Date(iso));
const asEditor = (method: 'GET' | 'POST' | 'PATCH', path: string, body?: unknown) => w.t.api(method, path, { apiKey: editorKey, ...(body ? { body } : {}) });
const asViewer = (path: string, query?: Record<string, string>) => w.t.api('GET', path, { apiKey: viewerKey, ...(query ? { query } : {}) });
const patchTask = async (id: string, body: Record<string, unknown>) => expectData(await asEditor('PATCH', `/projects/${w.projectId}/tasks/${id}`, body));
const createTask = async (body: Record<string, unknown>) => expectData(await asEditor('POST', `/projects/${w.projectId}/tasks`, body), 201);
const createSprint = async (body: Record<string, unknown>) => expectData(await asEditor('POST', sprintsUrl(w.projectId), body), 201);
const startSprint = async (sprintId: string, body: Record<string, unknown>) => expectData(await asEditor('POST', `${sprintUrl(w.projectId, sprintId)}/start`, body));
const completeSprint = async (sprintId: string, body: Record<string, unknown> = {}) => expectData(await asEditor('POST', `${sprintUrl(w.projectId, sprintId)}/complete`, body));
const apiKey = async (token: string) => expectData(await w.t.api('POST', '/users/me/api-keys', { token, body: { name: 'cycle' } }), 201).key as string;
const day = (date: string, total: [number, number], remaining: [number, number], completed: [number, number]) => ({
  date, total_points: total[0], total_tasks: total[1], remaining_points: remaining[0], remaining_tasks: remaining[1],
  completed_points: completed[0], completed_tasks: completed[1],
});

let sprintA: { id: string };
let sprintB: { id: string };
const tasks: Array<{ id: string }> = [];

beforeAll(async () => {
  w = await startSprintsWorld({ now: '2030-03-01T10:00:00Z' });
  editorKey = await apiKey(w.editor.token);
  viewerKey = await apiKey(w.viewer.token);
  sprintA = await createSprint({ name: 'Sprint A' });
  sprintB = await createSprint({ name: 'Sprint B' });
  for (const points of [1, 2, 3, 5, 8, 1, 2, 3, 5, 8]) tasks.push(await createTask({ title: `${points} pts`, story_points: points }));
});
afterAll(async () => { await w?.t.close(); });

describe('a full sprint cycle (D29)', () => {
  it('plans, runs and completes sprint A; burndown and velocity match the hand-computed values', async () => {
    const done = { status_id: w.statuses.done };
    // Fri 1 March: planning. Ten tasks, 38 points.
    expectData(await asEditor('POST', `${sprintUrl(w.projectId, sprintA.id)}/tasks`, { task_ids: tasks.map((t) => t.id) }));
    expectError(await asViewer(`${sprintUrl(w.projectId, sprintA.id)}/burndown`), 409, 'SPRINT_NOT_STARTED');

    // Mon 4 March 09:00: start. Committed: 38 points, 10 tasks.
    at('2030-03-04T09:00:00Z');
    const started = await startSprint(sprintA.id, { start_date: '2030-03-04', end_date: '2030-03-08' });
    expect(started.committed).toEqual({ story_points: 38, task_count: 10 });
    // Mon 15:00: t0 (1) done.                                  end of Mon: remaining 37 / 9
    at('2030-03-04T15:00:00Z'); await patchTask(tasks[0]!.id, done);
    // Tue: t1 (2) and t2 (3) done; t9's estimate cut 8 → 5.    end of Tue: total 35 / 10, remaining 29 / 7
    at('2030-03-05T10:00:00Z'); await patchTask(tasks[1]!.id, done);
    at('2030-03-05T11:00:00Z'); await patchTask(tasks[2]!.id, done);
    at('2030-03-05T12:00:00Z'); await patchTask(tasks[9]!.id, { story_points: 5 });
    // Wed: t3 (5) done; a new 3-point task is added.          end of Wed: total 38 / 11, remaining 27 / 7
    at('2030-03-06T10:00:00Z'); await patchTask(tasks[3]!.id, done);
    at('2030-03-06T23:59:59Z'); const added = await createTask({ title: 'late', story_points: 3, sprint_id: sprintA.id });
    // Thu: t4 (8) and t5 (1) done — six finished; t8 (5) dropped to the backlog.
    //                                                          end of Thu: total 33 / 10, remaining 13 / 4
    at('2030-03-07T09:00:00Z'); await patchTask(tasks[4]!.id, done);
    at('2030-03-07T09:30:00Z'); await patchTask(tasks[5]!.id, { ...done, title: 'finished one' });
    at('2030-03-07T10:00:00Z'); await patchTask(tasks[8]!.id, { sprint_id: null });
    // Something that happens to a task outside the sprint does not count.
    at('2030-03-07T11:00:00Z'); await patchTask(tasks[8]!.id, done);
    // Fri 17:00: complete; t6 (2), t7 (3), t9 (5) and the late task (3) move to sprint B.
    at('2030-03-08T17:00:00Z');
    const completed = await completeSprint(sprintA.id, { move_to_sprint_id: sprintB.id });
    expect(completed.completed).toEqual({ story_points: 20, task_count: 6, moved_task_count: 4, moved_to_sprint_id: sprintB.id });

    // A day later, the burndown still shows the sprint as it ended (the moves at completion are not progress).
    at('2030-03-09T12:00:00Z');
    const burndown = expectData(await asViewer(`${sprintUrl(w.projectId, sprintA.id)}/burndown`));
    expect(burndown.days).toEqual([
      day('2030-03-04', [38, 10], [37, 9], [1, 1]),
      day('2030-03-05', [35, 10], [29, 7], [6, 3]),
      day('2030-03-06', [38, 11], [27, 7], [11, 4]),
      day('2030-03-07', [33, 10], [13, 4], [20, 6]),
      day('2030-03-08', [33, 10], [13, 4], [20, 6]),
    ]);
    expect(burndown.ideal).toEqual([
      { date: '2030-03-04', remaining_points: 38 }, { date: '2030-03-05', remaining_points: 28.5 }, { date: '2030-03-06', remaining_points: 19 },
      { date: '2030-03-07', remaining_points: 9.5 }, { date: '2030-03-08', remaining_points: 0 },
    ]);
    expect(burndown.sprint).toMatchObject({ id: sprintA.id, status: 'completed' });
    const b = expectData(await asViewer(sprintUrl(w.projectId, sprintB.id)));
    expect(b.progress).toEqual({ task_count: 4, done_task_count: 0, story_points: 13, done_story_points: 0 });
    expect(added.sprint_id).toBe(sprintA.id);
  });

  it('runs sprint B over the moved tasks; its live burndown stops at today; velocity covers both', async () => {
    // Mon 11 March: B starts with what A left (13 points, 4 tasks).
    at('2030-03-11T08:00:00Z');
    const started = await startSprint(sprintB.id, { end_date: '2030-03-15' });
    expect(started).toMatchObject({ start_date: '2030-03-11', committed: { story_points: 13, task_count: 4 } });
    at('2030-03-12T10:00:00Z'); await patchTask(tasks[6]!.id, { status_id: w.statuses.done });
    // Reopened the same day: end of Tue counts it as not done.
    at('2030-03-12T11:00:00Z'); await patchTask(tasks[6]!.id, { status_id: w.statuses.inprogress });
    at('2030-03-13T10:00:00Z'); await patchTask(tasks[6]!.id, { status_id: w.statuses.done });
    at('2030-03-13T10:30:00Z'); await patchTask(tasks[7]!.id, { status_id: w.statuses.done });
    // Wed noon: the live burndown has Mon–Wed (today included), and the ideal line to Fri.
    at('2030-03-13T12:00:00Z');
    const live = expectData(await asViewer(`${sprintUrl(w.projectId, sprintB.id)}/burndown`));
    expect(live.days).toEqual([
      day('2030-03-11', [13, 4], [13, 4], [0, 0]),
      day('2030-03-12', [13, 4], [13, 4], [0, 0]),
      day('2030-03-13', [13, 4], [8, 2], [5, 2]),
    ]);
    expect(live.ideal.map((p: { remaining_points: number }) => p.remaining_points)).toEqual([13, 9.75, 6.5, 3.25, 0]);
    // Thu: complete B to the backlog. Velocity: A 38 → 20 (6 tasks), B 13 → 5 (2 tasks).
    at('2030-03-14T16:00:00Z');
    const completed = await completeSprint(sprintB.id);
    expect(completed.completed).toEqual({ story_points: 5, task_count: 2, moved_task_count: 2, moved_to_sprint_id: null });
    // Later edits to A's tasks do not change its frozen velocity.
    at('2030-03-20T10:00:00Z'); await patchTask(tasks[0]!.id, { story_points: 13 });
    const velocity = expectData(await asViewer(`${sprintsUrl(w.projectId)}/velocity`));
    expect(velocity.items.map((v: Record<string, unknown>) => [v.name, v.committed_points, v.committed_task_count, v.completed_points, v.completed_task_count]))
      .toEqual([['Sprint A', 38, 10, 20, 6], ['Sprint B', 13, 4, 5, 2]]);
    expect(velocity).toMatchObject({ average_completed_points: 12.5, average_completed_task_count: 4, average_committed_points: 25.5 });
    const last = expectData(await asViewer(`${sprintsUrl(w.projectId)}/velocity`, { limit: '1' }));
    expect(last.items.map((v: { name: string }) => v.name)).toEqual(['Sprint B']);
    expectError(await asViewer(`${sprintsUrl(w.projectId)}/velocity`, { limit: '0' }), 422, 'VALIDATION_FAILED');
    // A's burndown is history: the estimate edit after it ended is undone for every day.
    const burndown = expectData(await asViewer(`${sprintUrl(w.projectId, sprintA.id)}/burndown`));
    expect(burndown.days[0]).toEqual(day('2030-03-04', [38, 10], [37, 9], [1, 1]));
  });
});
