import { expectData, expectError } from '@paca/kernel/testing';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProject, createTask, startTasksWorld, type TasksWorld } from '../tasks-world.fixture.js';

// The task resource as a client sees it: create, read, three-state PATCH with D4, soft delete,
// with the activity, events and notifications each write leaves behind.

let w: TasksWorld;
const onPostgres = !!process.env.DATABASE_URL;
const tasksUrl = (projectId = w.projectId) => `/projects/${projectId}/tasks`;
const taskUrl = (id: string, projectId = w.projectId) => `/projects/${projectId}/tasks/${id}`;
const db = () => w.t.kernel.database.knex;
const eventsOf = (type: string, taskId: string) =>
  db()('events').where({ type }).whereRaw("payload->>'task_id' = ?", [taskId]).orderBy('id');
const activitiesOf = (taskId: string) => db()('activities').where({ entity_type: 'task', entity_id: taskId }).orderBy('created_at').orderBy('id');
const get = async (id: string, token = w.admin.token) => expectData(await w.t.api('GET', taskUrl(id), { token }));
// Each write a second later than the last, so activities sort in the order they were written.
function patch(id: string, body: Record<string, unknown>, options: { token?: string; headers?: Record<string, string> } = {}) {
  w.t.clock.advance(1_000);
  return w.t.api('PATCH', taskUrl(id), { token: options.token ?? w.editor.token, body, ...(options.headers ? { headers: options.headers } : {}) });
}

beforeAll(async () => { w = await startTasksWorld(); });
afterAll(() => w?.t.close());

describe('POST /tasks', () => {
  it('creates a task with the project defaults, a key, an ETag, a task.created activity and event', async () => {
    const res = await w.t.api('POST', tasksUrl(), { token: w.editor.token, body: { title: 'Write the docs' } });
    const task = expectData(res, 201);
    expect(task).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/), project_id: w.projectId, task_number: expect.any(Number), key: `${w.prefix}-${task.task_number}`,
      title: 'Write the docs', description: null, importance: 0, story_points: null, sprint_id: null,
      status_id: w.statuses.backlog, task_type_id: w.types.task, parent_task_id: null, assignee_ids: [], reporter_id: w.editor.memberId,
      tags: [], custom_fields: {}, start_date: null, due_date: null, assignment_mode: 'manual', version: 1,
      created_by: { type: 'user', id: w.editor.id }, created_at: expect.any(String), updated_at: task.created_at,
    });
    expect(res.headers.etag).toBe('"1"');
    expect(await get(task.id, w.viewer.token)).toEqual(task);

    const [activity] = await activitiesOf(task.id);
    expect(activity).toMatchObject({ activity_type: 'task.created', actor_id: w.editor.id, content: { title: 'Write the docs', task_number: task.task_number } });
    const events = await eventsOf('task.created', task.id);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ project_id: w.projectId, actor_id: w.editor.id, payload: { task_id: task.id, task_number: task.task_number, task } });
  });

  it('stores every field it is given', async () => {
    const parent = await createTask(w.t, w.projectId, { title: 'Parent' });
    const task = await createTask(w.t, w.projectId, {
      title: 'Everything', description: '# Markdown\n\nbody', importance: 7, story_points: 2.5, sprint_id: null,
      status_id: w.statuses.todo, task_type_id: w.types.subtask, parent_task_id: parent.id, assignee_ids: [w.viewer.memberId, w.editor.memberId],
      reporter_id: null, tags: ['api', 'docs'], start_date: '2030-01-02', due_date: '2030-01-31', assignment_mode: 'auto',
    });
    expect(task).toMatchObject({
      description: '# Markdown\n\nbody', importance: 7, story_points: 2.5, status_id: w.statuses.todo, task_type_id: w.types.subtask,
      parent_task_id: parent.id, assignee_ids: [w.viewer.memberId, w.editor.memberId].sort(), reporter_id: null, tags: ['api', 'docs'],
      start_date: '2030-01-02', due_date: '2030-01-31', assignment_mode: 'auto',
    });
    expect(await get(task.id)).toEqual(task);
  });

  it('numbers tasks per project, consecutively, and never reuses a deleted task’s number', async () => {
    const project = await createProject(w.t, `Numbers ${randomUUID().slice(0, 6)}`);
    const first = await createTask(w.t, project.id, { title: 'one' });
    const second = await createTask(w.t, project.id, { title: 'two' });
    expect([first.task_number, second.task_number]).toEqual([1, 2]);
    expect(second.key).toBe(`${project.task_id_prefix}-2`);
    expectData(await w.t.api('DELETE', taskUrl(second.id, project.id), { token: w.admin.token }), 204);
    expect((await createTask(w.t, project.id, { title: 'three' })).task_number).toBe(3);
  });

  it('refuses a Viewer (403), an outsider (403) and anonymous callers (401), storing nothing', async () => {
    const before = await db()('plugin_tasks.tasks').where({ project_id: w.projectId }).count({ n: '*' }).first();
    expectError(await w.t.api('POST', tasksUrl(), { token: w.viewer.token, body: { title: 'no' } }), 403, 'FORBIDDEN');
    expectError(await w.t.api('POST', tasksUrl(), { token: w.outsider.token, body: { title: 'no' } }), 403, 'FORBIDDEN');
    expectError(await w.t.api('POST', tasksUrl(), { body: { title: 'no' } }), 401, 'AUTH_UNAUTHENTICATED');
    expectError(await w.t.api('POST', tasksUrl(w.publicProjectId), { body: { title: 'no' } }), 401, 'AUTH_UNAUTHENTICATED');
    expect(await db()('plugin_tasks.tasks').where({ project_id: w.projectId }).count({ n: '*' }).first()).toEqual(before);
  });

  it('rejects bad input with 422 and a code that names the problem', async () => {
    const create = (body: Record<string, unknown>) => w.t.api('POST', tasksUrl(), { token: w.editor.token, body });
    expectError(await create({}), 422, 'VALIDATION_FAILED');
    expectError(await create({ title: 'x', colour: 'red' }), 422, 'VALIDATION_FAILED');
    expectError(await create({ title: 'x', importance: '3' }), 422, 'VALIDATION_FAILED');
    expectError(await create({ title: 'x', story_points: -1 }), 422, 'VALIDATION_FAILED');
    expectError(await create({ title: 'x', due_date: '2030-02-30' }), 422, 'VALIDATION_FAILED');
    expectError(await create({ title: '   ' }), 422, 'VALIDATION_FAILED');
    const dates = await create({ title: 'x', start_date: '2030-03-02', due_date: '2030-03-01' });
    expectError(dates, 422, 'VALIDATION_FAILED');
    expect(dates.json.error_details.issues[0].path).toBe('due_date');

    const other = await createProject(w.t, `Other ${randomUUID().slice(0, 6)}`);
    const [foreignStatus] = await db()('plugin_tasks.task_statuses').where({ project_id: other.id });
    const foreignTask = await createTask(w.t, other.id, { title: 'foreign' });
    for (const [field, body] of [
      ['status_id', { status_id: foreignStatus.id }],
      ['task_type_id', { task_type_id: randomUUID() }],
      ['assignee_ids', { assignee_ids: [w.editor.memberId, randomUUID()] }],
      ['reporter_id', { reporter_id: randomUUID() }],
    ] as const) {
      const res = await create({ title: 'x', ...body });
      expectError(res, 422, 'TASK_REFERENCE_INVALID');
      expect(res.json.error_details.field).toBe(field);
    }
    // One spelling of an id: `urn:uuid:…` is malformed input (D2), not an unknown reference.
    expectError(await create({ title: 'x', status_id: `urn:uuid:${randomUUID()}` }), 422, 'VALIDATION_FAILED');
    // sprint_id belongs to the sprints plugin (D20), which names an unknown sprint with its own code.
    const sprint = await create({ title: 'x', sprint_id: randomUUID() });
    expectError(sprint, 422, 'SPRINT_NOT_FOUND');
    expect(sprint.json.error_details.field).toBe('sprint_id');
    expectError(await create({ title: 'x', parent_task_id: foreignTask.id }), 422, 'TASK_PARENT_INVALID');
  });

  it('enforces the hierarchy: epics have no parent, subtasks need one and have none of their own', async () => {
    const create = (body: Record<string, unknown>) => w.t.api('POST', tasksUrl(), { token: w.editor.token, body });
    const epic = await createTask(w.t, w.projectId, { title: 'Epic', task_type_id: w.types.epic });
    const story = await createTask(w.t, w.projectId, { title: 'Story', parent_task_id: epic.id });
    const sub = await createTask(w.t, w.projectId, { title: 'Sub', task_type_id: w.types.subtask, parent_task_id: story.id });
    const reason = async (body: Record<string, unknown>) => {
      const res = await create({ title: 'x', ...body });
      expectError(res, 422, 'TASK_PARENT_INVALID');
      return res.json.error_details.reason as string;
    };
    expect(await reason({ task_type_id: w.types.epic, parent_task_id: story.id })).toMatch(/epic/);
    expect(await reason({ task_type_id: w.types.subtask })).toMatch(/needs a parent/);
    expect(await reason({ task_type_id: w.types.subtask, parent_task_id: sub.id })).toMatch(/subtask/);
    expect(await reason({ parent_task_id: sub.id })).toMatch(/subtask/);
    expect(await reason({ parent_task_id: randomUUID() })).toMatch(/not a task/);
  });
});

describe('GET /tasks/:id and /tasks/by-number/:n', () => {
  it('reads a task by id or number, 404 for unknown, deleted, malformed or another project’s ids', async () => {
    const task = await createTask(w.t, w.projectId, { title: 'Find me' });
    const res = await w.t.api('GET', `${tasksUrl()}/by-number/${task.task_number}`, { token: w.viewer.token });
    expect(expectData(res)).toEqual(task);
    expect(res.headers.etag).toBe('"1"');

    const other = await createProject(w.t, `Elsewhere ${randomUUID().slice(0, 6)}`);
    const foreign = await createTask(w.t, other.id, { title: 'foreign' });
    expectError(await w.t.api('GET', taskUrl(foreign.id), { token: w.admin.token }), 404, 'TASK_NOT_FOUND');
    expectError(await w.t.api('GET', taskUrl(randomUUID()), { token: w.admin.token }), 404, 'TASK_NOT_FOUND');
    expectError(await w.t.api('GET', taskUrl('not-a-uuid'), { token: w.admin.token }), 404, 'TASK_NOT_FOUND');
    expectError(await w.t.api('GET', `${tasksUrl()}/by-number/999999`, { token: w.admin.token }), 404, 'TASK_NOT_FOUND');
    expectError(await w.t.api('GET', `${tasksUrl()}/by-number/0`, { token: w.admin.token }), 422, 'VALIDATION_FAILED');
  });

  it('lets anonymous callers read a public project, not a private one; outsiders get 403', async () => {
    const task = await createTask(w.t, w.publicProjectId, { title: 'Open' });
    expect(expectData(await w.t.api('GET', taskUrl(task.id, w.publicProjectId))).title).toBe('Open');
    expectError(await w.t.api('DELETE', taskUrl(task.id, w.publicProjectId)), 401, 'AUTH_UNAUTHENTICATED');
    const secret = await createTask(w.t, w.projectId, { title: 'Secret' });
    expectError(await w.t.api('GET', taskUrl(secret.id)), 401, 'AUTH_UNAUTHENTICATED');
    expectError(await w.t.api('GET', taskUrl(secret.id), { token: w.outsider.token }), 403, 'FORBIDDEN');
  });
});

describe('PATCH /tasks/:id', () => {
  it('is three-state: absent keeps, null clears, a value sets; one activity lists every change', async () => {
    const task = await createTask(w.t, w.projectId, { title: 'Before', description: 'text', story_points: 3, due_date: '2030-05-01', tags: ['a'] });
    const res = patch(task.id, { title: 'After', description: null, story_points: null, tags: ['b', 'a'], status_id: w.statuses.inprogress });
    const updated = expectData(await res);
    expect(updated).toMatchObject({
      title: 'After', description: null, story_points: null, due_date: '2030-05-01', tags: ['b', 'a'], status_id: w.statuses.inprogress, version: 2,
    });
    expect(await get(task.id)).toEqual(updated);
    const activity = (await activitiesOf(task.id)).at(-1);
    expect(activity.activity_type).toBe('task.updated');
    expect(activity.content).toEqual({ changes: [
      { field: 'title', old: 'Before', new: 'After' },
      { field: 'description', old: 'text', new: null },
      { field: 'story_points', old: 3, new: null },
      { field: 'status_id', old: w.statuses.backlog, new: w.statuses.inprogress },
      { field: 'tags', old: ['a'], new: ['b', 'a'] },
    ] });
    const [event] = await eventsOf('task.updated', task.id);
    expect(event.payload).toEqual({ task_id: task.id, task_number: task.task_number, changes: activity.content.changes, task: updated });
  });

  it('changes nothing, records nothing and keeps the version when the patch matches the task', async () => {
    const task = await createTask(w.t, w.projectId, { title: 'Same', importance: 2 });
    const res = await patch(task.id, { title: 'Same', importance: 2 });
    expect(expectData(res)).toEqual(task);
    expect(res.headers.etag).toBe('"1"');
    expect(await eventsOf('task.updated', task.id)).toHaveLength(0);
    expect((await activitiesOf(task.id)).map((a) => a.activity_type)).toEqual(['task.created']);
  });

  it('reads ids in any letter case as the same id: no change, no duplicate assignee', async () => {
    const task = await createTask(w.t, w.projectId, { title: 'Cased', assignee_ids: [w.editor.memberId] });
    const same = await patch(task.id, { status_id: task.status_id.toUpperCase(), assignee_ids: [w.editor.memberId.toUpperCase()] });
    expect(expectData(same)).toEqual(task);
    expect((await activitiesOf(task.id)).map((a) => a.activity_type)).toEqual(['task.created']);
    const added = expectData(await patch(task.id, { assignee_ids: [w.viewer.memberId.toUpperCase(), w.viewer.memberId] }));
    expect(added.assignee_ids).toEqual([w.viewer.memberId]);
    expect((await activitiesOf(task.id)).at(-1).content.changes).toEqual([{ field: 'assignee_ids', old: [w.editor.memberId], new: [w.viewer.memberId] }]);
  });

  it('replaces the assignee set and records it as a sorted list of member ids', async () => {
    const task = await createTask(w.t, w.projectId, { title: 'Team', assignee_ids: [w.editor.memberId] });
    const updated = expectData(await patch(task.id, { assignee_ids: [w.viewer.memberId, w.admin.memberId] }));
    expect(updated.assignee_ids).toEqual([w.viewer.memberId, w.admin.memberId].sort());
    const activity = (await activitiesOf(task.id)).at(-1);
    expect(activity.content.changes).toEqual([{ field: 'assignee_ids', old: [w.editor.memberId], new: [w.viewer.memberId, w.admin.memberId].sort() }]);
    expect(expectData(await patch(task.id, { assignee_ids: [] })).assignee_ids).toEqual([]);
  });

  it('D4: a stale version (body or If-Match) gets 409 with current_version; no version wins', async () => {
    const task = await createTask(w.t, w.projectId, { title: 'v1' });
    const fresh = await patch(task.id, { title: 'v2' }, { headers: { 'if-match': '"1"' } });
    expect(expectData(fresh).version).toBe(2);
    expect(fresh.headers.etag).toBe('"2"');
    const stale = await patch(task.id, { title: 'lost', version: 1 });
    expectError(stale, 409, 'TASK_VERSION_CONFLICT');
    expect(stale.json.error_details.current_version).toBe(2);
    expectError(await patch(task.id, { title: 'lost' }, { headers: { 'if-match': 'W/"1"' } }), 409, 'TASK_VERSION_CONFLICT');
    expectError(await patch(task.id, { title: 'lost' }, { headers: { 'if-match': 'yesterday' } }), 422, 'VALIDATION_FAILED');
    expect((await get(task.id)).title).toBe('v2');
    expect(expectData(await patch(task.id, { title: 'v3', version: 2 })).version).toBe(3);
    expect(expectData(await patch(task.id, { title: 'v4' })).version).toBe(4);
  });

  it('validates like create, including the parent chain, and leaves the task unchanged on failure', async () => {
    const a = await createTask(w.t, w.projectId, { title: 'A', start_date: '2030-01-10' });
    const b = await createTask(w.t, w.projectId, { title: 'B', parent_task_id: a.id });
    const c = await createTask(w.t, w.projectId, { title: 'C', parent_task_id: b.id });
    const cycle = await patch(a.id, { parent_task_id: c.id });
    expectError(cycle, 422, 'TASK_PARENT_INVALID');
    expect(cycle.json.error_details.reason).toMatch(/descendant/);
    expectError(await patch(a.id, { parent_task_id: a.id }), 422, 'TASK_PARENT_INVALID');
    expectError(await patch(b.id, { task_type_id: w.types.epic }), 422, 'TASK_PARENT_INVALID');
    const subWithChildren = await patch(b.id, { task_type_id: w.types.subtask });
    expectError(subWithChildren, 422, 'TASK_PARENT_INVALID');
    expect(subWithChildren.json.error_details.reason).toMatch(/has some/);
    expectError(await patch(a.id, { due_date: '2030-01-09' }), 422, 'VALIDATION_FAILED');
    expectError(await patch(a.id, { sprint_id: randomUUID() }), 422, 'SPRINT_NOT_FOUND');
    expectError(await patch(a.id, { status_id: null }), 422, 'VALIDATION_FAILED');
    expectError(await patch(a.id, { title: 'x', version: 'one' }), 422, 'VALIDATION_FAILED');
    expectError(await patch(a.id, { task_number: 5 }), 422, 'VALIDATION_FAILED');
    expect(await get(a.id)).toEqual(a);
    // Moving C under A keeps the chain acyclic; a task may also leave its parent.
    expect(expectData(await patch(c.id, { parent_task_id: a.id })).parent_task_id).toBe(a.id);
    expect(expectData(await patch(b.id, { parent_task_id: null })).parent_task_id).toBeNull();
  });

  it('refuses a Viewer with 403 and answers 404 for another project’s task', async () => {
    const task = await createTask(w.t, w.projectId, { title: 'Guarded' });
    expectError(await patch(task.id, { title: 'no' }, { token: w.viewer.token }), 403, 'FORBIDDEN');
    const other = await createProject(w.t, `Patch ${randomUUID().slice(0, 6)}`);
    const foreign = await createTask(w.t, other.id, { title: 'foreign' });
    expectError(await patch(foreign.id, { title: 'no' }, { token: w.admin.token }), 404, 'TASK_NOT_FOUND');
    expect((await get(task.id)).title).toBe('Guarded');
  });
});

describe('custom fields on tasks', () => {
  it('validates values against the definitions, merges a patch per key (null removes) and tracks each key', async () => {
    const project = await createProject(w.t, `Fields ${randomUUID().slice(0, 6)}`);
    const now = w.t.clock.now();
    const define = (field_key: string, field_type: string, extra: Record<string, unknown> = {}) => db()('plugin_tasks.custom_fields').insert({
      id: randomUUID(), project_id: project.id, field_key, display_name: field_key, field_type, options: JSON.stringify(extra.options ?? []),
      is_required: extra.is_required ?? false, position: 0, created_at: now, updated_at: now,
    });
    await define('env', 'select', { options: [{ value: 'prod', color: null }, { value: 'dev', color: null }], is_required: true });
    await define('estimate', 'number');
    await define('notes', 'text');
    const create = (body: Record<string, unknown>) => w.t.api('POST', tasksUrl(project.id), { token: w.admin.token, body });

    const missing = await create({ title: 'x' });
    expectError(missing, 422, 'CUSTOM_FIELD_VALUE_INVALID');
    expect(missing.json.error_details.field_key).toBe('env');
    expectError(await create({ title: 'x', custom_fields: { env: 'staging' } }), 422, 'CUSTOM_FIELD_VALUE_INVALID');
    expectError(await create({ title: 'x', custom_fields: { env: 'prod', nope: 1 } }), 422, 'CUSTOM_FIELD_VALUE_INVALID');
    const task = expectData(await create({ title: 'x', custom_fields: { env: 'prod', estimate: 3 } }), 201);
    expect(task.custom_fields).toEqual({ env: 'prod', estimate: 3 });

    w.t.clock.advance(1_000);
    const updated = expectData(await w.t.api('PATCH', taskUrl(task.id, project.id), { token: w.admin.token, body: { custom_fields: { estimate: null, notes: 'hi' } } }));
    expect(updated.custom_fields).toEqual({ env: 'prod', notes: 'hi' });
    expect((await activitiesOf(task.id)).at(-1).content.changes).toEqual([
      { field: 'custom_fields.estimate', old: 3, new: null },
      { field: 'custom_fields.notes', old: null, new: 'hi' },
    ]);
    expectError(await w.t.api('PATCH', taskUrl(task.id, project.id), { token: w.admin.token, body: { custom_fields: { env: null } } }), 422, 'CUSTOM_FIELD_VALUE_INVALID');
    expect(expectData(await w.t.api('GET', taskUrl(task.id, project.id), { token: w.admin.token }))).toEqual(updated);
  });
});

describe('assignment triggers', () => {
  const notifications = (userId: string, taskId: string) =>
    db()('notifications').where({ recipient_user_id: userId, type: 'task.assigned' }).whereRaw("data->>'task_id' = ?", [taskId]);

  it('notifies each newly assigned human once, never the one who assigned themselves', async () => {
    const task = await createTask(w.t, w.projectId, { title: 'Assign me', assignee_ids: [w.viewer.memberId, w.editor.memberId] }, w.editor.token);
    const [created] = await eventsOf('task.created', task.id);
    const [note] = await notifications(w.viewer.id, task.id);
    expect(note).toMatchObject({ event_id: created.id, project_id: w.projectId, actor_id: w.editor.id,
      data: { task_id: task.id, task_number: task.task_number, key: task.key, title: 'Assign me' } });
    expect(await notifications(w.editor.id, task.id)).toHaveLength(0);

    // Re-sending the same set adds nobody; adding the admin notifies only the admin.
    expectData(await patch(task.id, { assignee_ids: [w.viewer.memberId, w.editor.memberId, w.admin.memberId] }));
    const [updated] = await eventsOf('task.updated', task.id);
    const adminUser = expectData(await w.t.api('GET', '/users/me', { token: w.admin.token }));
    expect((await notifications(adminUser.id, task.id)).map((n) => n.event_id)).toEqual([updated.id]);
    expect(await notifications(w.viewer.id, task.id)).toHaveLength(1);
  });

  it('tells the agents plugin when an agent member is assigned', async () => {
    const roles = expectData(await w.t.api('GET', `/projects/${w.projectId}/roles`, { token: w.admin.token }));
    const editorRole = roles.items.find((r: { name: string }) => r.name === 'Editor');
    const agent = expectData(await w.t.api('POST', `/projects/${w.projectId}/agents`, {
      token: w.admin.token, body: { handle: `bot${randomUUID().slice(0, 6)}`, name: 'Bot', role_ids: [editorRole.id] },
    }), 201);
    const member = await db()('project_members').where({ project_id: w.projectId, agent_id: agent.id }).first();
    const task = await createTask(w.t, w.projectId, { title: 'For the bot' });
    expectData(await patch(task.id, { assignee_ids: [member.id] }));
    const events = await eventsOf('agent.task_assigned', task.id);
    expect(events.map((e) => e.payload)).toEqual([{ agent_id: agent.id, member_id: member.id, task_id: task.id, task_number: task.task_number }]);
  });
});

describe('DELETE /tasks/:id', () => {
  it('soft-deletes with an activity and an event; the task is gone from reads and lists', async () => {
    const task = await createTask(w.t, w.projectId, { title: 'Doomed' });
    expectError(await w.t.api('DELETE', taskUrl(task.id), { token: w.viewer.token }), 403, 'FORBIDDEN');
    expectError(await w.t.api('DELETE', taskUrl(task.id), { token: w.editor.token, headers: { 'if-match': '"7"' } }), 409, 'TASK_VERSION_CONFLICT');
    w.t.clock.advance(1_000);
    expectData(await w.t.api('DELETE', taskUrl(task.id), { token: w.editor.token }), 204);
    expectError(await w.t.api('GET', taskUrl(task.id), { token: w.admin.token }), 404, 'TASK_NOT_FOUND');
    expectError(await w.t.api('DELETE', taskUrl(task.id), { token: w.admin.token }), 404, 'TASK_NOT_FOUND');
    expectError(await patch(task.id, { title: 'zombie' }), 404, 'TASK_NOT_FOUND');
    const list = expectData(await w.t.api('GET', tasksUrl(), { token: w.admin.token, query: { search: 'Doomed' } }));
    expect(list.items).toEqual([]);
    expect((await activitiesOf(task.id)).map((a) => a.activity_type)).toEqual(['task.created', 'task.deleted']);
    expect((await eventsOf('task.deleted', task.id)).map((e) => e.payload)).toEqual([{ task_id: task.id, task_number: task.task_number }]);
    expect(await db()('plugin_tasks.tasks').where({ id: task.id }).whereNotNull('deleted_at')).toHaveLength(1);
  });

  it('deletes subtasks with their parent and detaches other children with a recorded change', async () => {
    const epic = await createTask(w.t, w.projectId, { title: 'Epic to delete', task_type_id: w.types.epic });
    const story = await createTask(w.t, w.projectId, { title: 'Story stays', parent_task_id: epic.id });
    const parent = await createTask(w.t, w.projectId, { title: 'Parent to delete' });
    const sub = await createTask(w.t, w.projectId, { title: 'Sub goes', task_type_id: w.types.subtask, parent_task_id: parent.id });
    w.t.clock.advance(1_000);
    expectData(await w.t.api('DELETE', taskUrl(epic.id), { token: w.editor.token }), 204);
    const detached = await get(story.id);
    expect(detached).toMatchObject({ parent_task_id: null, version: 2 });
    expect((await activitiesOf(story.id)).at(-1).content.changes).toEqual([{ field: 'parent_task_id', old: epic.id, new: null }]);
    expectData(await w.t.api('DELETE', taskUrl(parent.id), { token: w.editor.token }), 204);
    expectError(await w.t.api('GET', taskUrl(sub.id), { token: w.admin.token }), 404, 'TASK_NOT_FOUND');
    expect(await eventsOf('task.deleted', sub.id)).toHaveLength(1);
  });
});

describe('under concurrency (PostgreSQL only, D32)', () => {
  it.runIf(onPostgres)('gives 20 parallel creates 20 distinct consecutive numbers', async () => {
    const project = await createProject(w.t, `Parallel ${randomUUID().slice(0, 6)}`);
    const responses = await Promise.all(Array.from({ length: 20 }, (_, i) =>
      w.t.api('POST', tasksUrl(project.id), { token: w.admin.token, body: { title: `parallel ${i}` } })));
    const numbers = responses.map((res) => expectData(res, 201).task_number as number).sort((a, b) => a - b);
    expect(numbers).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
  });

  it.runIf(onPostgres)('lets exactly one of two parallel updates from the same version win', async () => {
    const task = await createTask(w.t, w.projectId, { title: 'contested' });
    const responses = await Promise.all(['left', 'right'].map((title) => patch(task.id, { title, version: 1 })));
    expect(responses.map((res) => res.status).sort()).toEqual([200, 409]);
    const winner = responses.find((res) => res.status === 200)!;
    expectError(responses.find((res) => res.status === 409)!, 409, 'TASK_VERSION_CONFLICT');
    expect(await get(task.id)).toMatchObject({ title: winner.json.data.title, version: 2 });
    expect(await eventsOf('task.updated', task.id)).toHaveLength(1);
  });

  it.runIf(onPostgres)('never lets two parallel moves make a cycle (A under B, B under A)', async () => {
    const a = await createTask(w.t, w.projectId, { title: 'A' });
    const b = await createTask(w.t, w.projectId, { title: 'B' });
    const responses = await Promise.all([patch(a.id, { parent_task_id: b.id }), patch(b.id, { parent_task_id: a.id })]);
    expect(responses.map((res) => res.status).sort()).toEqual([200, 422]);
    expectError(responses.find((res) => res.status === 422)!, 422, 'TASK_PARENT_INVALID');
    const parents = [(await get(a.id)).parent_task_id, (await get(b.id)).parent_task_id];
    expect(parents.filter((p) => p !== null)).toHaveLength(1);
  });
});
