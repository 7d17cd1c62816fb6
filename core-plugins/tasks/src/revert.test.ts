import { expectData, expectError } from '@paca/kernel/testing';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTask, startTasksWorld, type TasksWorld } from './tasks-world.fixture.js';

// D27 as a client sees it: any recorded field change can be reverted in one attributed change,
// unless one of its fields has moved on since.

/** Two sprints of the project, made through the sprints core plugin, which owns `sprint_id` (D20). */
const sprintIds: string[] = [];

let w: TasksWorld;
const onPostgres = !!process.env.DATABASE_URL;
let bugTypeId: string;
let parentId: string;
const db = () => w.t.kernel.database.knex;
const taskUrl = (taskId: string, projectId = w.projectId) => `/projects/${projectId}/tasks/${taskId}`;
const revertUrl = (taskId: string, activityId: string, projectId = w.projectId) => `${taskUrl(taskId, projectId)}/activities/${activityId}/revert`;

function patch(taskId: string, body: Record<string, unknown>, token = w.editor.token) {
  w.t.clock.advance(1_000);
  return w.t.api('PATCH', taskUrl(taskId), { token, body });
}
function revert(taskId: string, activityId: string, options: { token?: string; headers?: Record<string, string> } = {}) {
  w.t.clock.advance(1_000);
  return w.t.api('POST', revertUrl(taskId, activityId), { token: options.token ?? w.admin.token, ...(options.headers ? { headers: options.headers } : {}) });
}
/** The task's newest `task.updated` entry, read through the feed. */
async function lastChange(taskId: string) {
  const feed = expectData(await w.t.api('GET', `${taskUrl(taskId)}/activities`, { token: w.viewer.token, query: { page_size: '200' } }));
  return feed.items.find((e: { activity_type: string }) => e.activity_type === 'task.updated');
}
const getTask = async (taskId: string) => expectData(await w.t.api('GET', taskUrl(taskId), { token: w.viewer.token }));

beforeAll(async () => {
  w = await startTasksWorld();
  for (const name of ['One', 'Two']) {
    sprintIds.push(expectData(await w.t.api('POST', `/projects/${w.projectId}/sprints`, { token: w.admin.token, body: { name } }), 201).id);
  }
  bugTypeId = expectData(await w.t.api('POST', `/projects/${w.projectId}/task-types`, { token: w.admin.token, body: { name: 'Bug' } }), 201).id;
  expectData(await w.t.api('POST', `/projects/${w.projectId}/custom-fields`, {
    token: w.admin.token, body: { field_key: 'severity', display_name: 'Severity', field_type: 'text' },
  }), 201);
  expectData(await w.t.api('POST', `/projects/${w.projectId}/custom-fields`, {
    token: w.admin.token, body: { field_key: 'area', display_name: 'Area', field_type: 'text' },
  }), 201);
  parentId = (await createTask(w.t, w.projectId, { title: 'Parent' })).id;
});
afterAll(() => w?.t.close());

describe('POST /tasks/:id/activities/:activityId/revert', () => {
  // Every tracked field: [field, the value the task is created with, the value a PATCH sets].
  const cases: Array<[string, () => unknown, () => unknown]> = [
    ['title', () => 'Before', () => 'After'],
    ['description', () => '# Plan\n\n- step one', () => '# Plan\n\n- step one\n- step two'],
    ['description', () => null, () => 'Now described'],
    ['importance', () => 1, () => 5],
    ['story_points', () => null, () => 3.5],
    ['sprint_id', () => null, () => sprintIds[0]],
    ['sprint_id', () => sprintIds[0], () => sprintIds[1]],
    ['status_id', () => w.statuses.backlog, () => w.statuses.done],
    ['task_type_id', () => w.types.task, () => bugTypeId],
    ['parent_task_id', () => null, () => parentId],
    ['assignee_ids', () => [w.viewer.memberId], () => [w.editor.memberId, w.admin.memberId]],
    ['reporter_id', () => w.editor.memberId, () => w.viewer.memberId],
    ['tags', () => ['api'], () => ['api', 'urgent']],
    ['start_date', () => '2030-01-01', () => '2030-02-01'],
    ['due_date', () => null, () => '2030-03-01'],
    ['assignment_mode', () => 'manual', () => 'auto'],
  ];

  it.each(cases)('reverts a change of %s, attributed to the caller, as a new change', async (field, before, after) => {
    const task = await createTask(w.t, w.projectId, { title: 'Subject', [field]: before() });
    const changed = expectData(await patch(task.id, { [field]: after() }));
    expect(changed[field]).toEqual(field === 'assignee_ids' ? (after() as string[]).sort() : after());
    const change = await lastChange(task.id);
    expect(change.content.changes.map((c: { field: string }) => c.field)).toEqual([field]);

    const res = await revert(task.id, change.id);
    const reverted = expectData(res);
    expect(reverted).toEqual({ ...changed, [field]: before(), version: changed.version + 1, updated_at: w.t.clock.now().toISOString() });
    expect(res.headers.etag).toBe(`"${reverted.version}"`);
    expect(await getTask(task.id)).toEqual(reverted);

    const entry = await lastChange(task.id);
    expect(entry).toMatchObject({
      actor: { type: 'user', id: expect.any(String), username: 'admin' },
      content: { changes: [{ field, old: change.content.changes[0].new, new: change.content.changes[0].old }], reverted_activity_id: change.id },
    });
    const events = await db()('events').where({ type: 'task.updated' }).whereRaw("payload->>'task_id' = ?", [task.id]).orderBy('id');
    expect(events).toHaveLength(2);
    expect(events[1].payload).toMatchObject({ task_id: task.id, changes: entry.content.changes, task: reverted });
  });

  it('reverts a custom field key: back to its old value, or cleared when it had none, other keys untouched', async () => {
    const task = await createTask(w.t, w.projectId, { title: 'Custom', custom_fields: { area: 'ui' } });
    expectData(await patch(task.id, { custom_fields: { severity: 'low' } }));
    const set = await lastChange(task.id);
    expect(set.content.changes).toEqual([{ field: 'custom_fields.severity', old: null, new: 'low' }]);
    expectData(await patch(task.id, { custom_fields: { severity: 'high' } }));
    const raised = await lastChange(task.id);

    const stale = await revert(task.id, set.id);
    expectError(stale, 409, 'TASK_REVERT_STALE');
    expect(stale.json.error_details).toEqual({ fields: ['custom_fields.severity'] });
    expect(expectData(await revert(task.id, raised.id)).custom_fields).toEqual({ area: 'ui', severity: 'low' });
    // The first change set the key from nothing: its revert clears it again.
    expect(expectData(await revert(task.id, set.id)).custom_fields).toEqual({ area: 'ui' });
  });

  it('reverts every field of a multi-field change in one change', async () => {
    const task = await createTask(w.t, w.projectId, { title: 'Many', importance: 2, tags: ['x'] });
    const changed = expectData(await patch(task.id, { title: 'Many more', importance: 9, status_id: w.statuses.inprogress, custom_fields: { severity: 'mid' } }));
    const change = await lastChange(task.id);
    expect(change.content.changes.map((c: { field: string }) => c.field).sort()).toEqual(['custom_fields.severity', 'importance', 'status_id', 'title']);

    const reverted = expectData(await revert(task.id, change.id));
    expect(reverted).toMatchObject({ title: 'Many', importance: 2, status_id: task.status_id, custom_fields: {}, tags: ['x'], version: changed.version + 1 });
    const entry = await lastChange(task.id);
    expect(entry.content.changes).toHaveLength(4);
  });

  it('refuses when a field moved on since (409 TASK_REVERT_STALE naming it) and writes nothing', async () => {
    const task = await createTask(w.t, w.projectId, { title: 'One', importance: 1 });
    expectData(await patch(task.id, { title: 'Two', importance: 2 }));
    const change = await lastChange(task.id);
    const moved = expectData(await patch(task.id, { title: 'Three' }));

    const res = await revert(task.id, change.id);
    expectError(res, 409, 'TASK_REVERT_STALE');
    expect(res.json.error_details).toEqual({ fields: ['title'] });
    expect(await getTask(task.id)).toEqual(moved);
    expect((await lastChange(task.id)).content.changes).toEqual([{ field: 'title', old: 'Two', new: 'Three' }]);

    // Back at the change's new values, the revert goes through.
    expectData(await patch(task.id, { title: 'Two' }));
    expect(expectData(await revert(task.id, change.id))).toMatchObject({ title: 'One', importance: 1 });
  });

  it('reverts a revert, and refuses the original once it has been reverted', async () => {
    const task = await createTask(w.t, w.projectId, { title: 'Original', assignee_ids: [w.viewer.memberId] });
    expectData(await patch(task.id, { title: 'Edited', assignee_ids: [] }));
    const change = await lastChange(task.id);
    expectData(await revert(task.id, change.id));
    const firstRevert = await lastChange(task.id);
    expect(firstRevert.content.reverted_activity_id).toBe(change.id);

    expectError(await revert(task.id, change.id), 409, 'TASK_REVERT_STALE');
    const redone = expectData(await revert(task.id, firstRevert.id, { token: w.editor.token }));
    expect(redone).toMatchObject({ title: 'Edited', assignee_ids: [] });
    const secondRevert = await lastChange(task.id);
    expect(secondRevert).toMatchObject({ actor: { id: w.editor.id }, content: { reverted_activity_id: firstRevert.id } });
  });

  it.runIf(onPostgres)('lets only one of two concurrent reverts of the same change through', async () => {
    for (let round = 0; round < 5; round++) {
      const task = await createTask(w.t, w.projectId, { title: `Race ${round}` });
      expectData(await patch(task.id, { title: `Race ${round} edited` }));
      const change = await lastChange(task.id);
      const responses = await Promise.all([w.admin.token, w.editor.token].map((token) => w.t.api('POST', revertUrl(task.id, change.id), { token })));
      expect(responses.map((r) => r.status).sort()).toEqual([200, 409]);
      expect(responses.find((r) => r.status === 409)!.json.error_code).toBe('TASK_REVERT_STALE');
      expect(await getTask(task.id)).toMatchObject({ title: `Race ${round}`, version: 3 });
    }
  });

  it('honours If-Match (D4): a stale version is a 409 TASK_VERSION_CONFLICT', async () => {
    const task = await createTask(w.t, w.projectId, { title: 'Versioned' });
    const changed = expectData(await patch(task.id, { title: 'Versioned twice' }));
    const change = await lastChange(task.id);
    const res = await revert(task.id, change.id, { headers: { 'if-match': `"${changed.version - 1}"` } });
    expectError(res, 409, 'TASK_VERSION_CONFLICT');
    expect(res.json.error_details).toEqual({ current_version: changed.version });
    expect(expectData(await revert(task.id, change.id, { headers: { 'if-match': `"${changed.version}"` } })).title).toBe('Versioned');
  });

  it('answers 404 TASK_ACTIVITY_NOT_FOUND for unknown entries or another task’s, 422 for entries that are not field changes', async () => {
    const task = await createTask(w.t, w.projectId, { title: 'Target' });
    const other = await createTask(w.t, w.projectId, { title: 'Other' });
    expectData(await patch(other.id, { title: 'Other changed' }));
    const othersChange = await lastChange(other.id);
    for (const id of [randomUUID(), 'not-a-uuid', othersChange.id]) expectError(await revert(task.id, id), 404, 'TASK_ACTIVITY_NOT_FOUND');

    const comment = expectData(await w.t.api('POST', `${taskUrl(task.id)}/activities/comments`, { token: w.editor.token, body: { content: 'hi' } }), 201);
    const created = await db()('activities').where({ entity_id: task.id, activity_type: 'task.created' }).first();
    for (const id of [comment.id, created.id]) expectError(await revert(task.id, id), 422, 'TASK_ACTIVITY_NOT_REVERTIBLE');
    expect((await getTask(task.id)).version).toBe(task.version);
  });

  it('refuses Viewers, outsiders and anonymous callers, and works only on live tasks', async () => {
    const task = await createTask(w.t, w.projectId, { title: 'Guarded' });
    expectData(await patch(task.id, { title: 'Guarded!' }));
    const change = await lastChange(task.id);
    expectError(await revert(task.id, change.id, { token: w.viewer.token }), 403, 'FORBIDDEN');
    expectError(await revert(task.id, change.id, { token: w.outsider.token }), 403, 'FORBIDDEN');
    expectError(await w.t.api('POST', revertUrl(task.id, change.id)), 401, 'AUTH_UNAUTHENTICATED');
    expect((await getTask(task.id)).title).toBe('Guarded!');

    expect(await w.t.api('DELETE', taskUrl(task.id), { token: w.editor.token })).toMatchObject({ status: 204 });
    expectError(await revert(task.id, change.id), 404, 'TASK_NOT_FOUND');

    const open = await createTask(w.t, w.publicProjectId, { title: 'Public' });
    expectError(await w.t.api('POST', revertUrl(open.id, randomUUID(), w.publicProjectId)), 401, 'AUTH_UNAUTHENTICATED');
  });
});
