import { expectData, expectError } from '@paca/kernel/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventsOf, insertTaskRow, readTaskRow, taskActivities } from './settings-task-rows.fixture.js';
import { createProject, startTasksWorld, type TasksWorld } from './tasks-world.fixture.js';

// Task types (reference 1.4) as a client sees them: the seeded set, CRUD, the default, D4
// versions and D28-style deletes that move tasks, through the HTTP API.

const onPostgres = !!process.env.DATABASE_URL;

let w: TasksWorld;
beforeAll(async () => {
  w = await startTasksWorld();
});
afterAll(() => w?.t.close());

const url = (projectId: string, suffix = '') => `/projects/${projectId}/task-types${suffix}`;
type TypeView = { id: string; name: string; is_default: boolean; is_system: boolean; system_kind: string | null; position: number; version: number };

async function listTypes(projectId: string, token = w.admin.token): Promise<TypeView[]> {
  return expectData(await w.t.api('GET', url(projectId), { token })).items;
}

async function newProject() {
  return (await createProject(w.t, `Types ${Math.random().toString(36).slice(2, 8)}`)).id;
}

async function createType(projectId: string, body: Record<string, unknown>): Promise<TypeView> {
  return expectData(await w.t.api('POST', url(projectId), { token: w.admin.token, body }), 201);
}

describe('seeding', () => {
  it('gives a new project Task (the default) and the read-only system types Epic and Subtask', async () => {
    const types = await listTypes(await newProject());
    expect(types.map((x) => [x.name, x.is_default, x.is_system, x.system_kind])).toEqual([
      ['Task', true, false, null], ['Epic', false, true, 'epic'], ['Subtask', false, true, 'subtask'],
    ]);
    expect(types[0]).toMatchObject({ position: 0, version: 1, icon: 'square-check', color: '#3b82f6', description: null });
    expect(typeof (types[0] as unknown as { created_at: string }).created_at).toBe('string');
  });
});

describe('reading', () => {
  it('lets members and anonymous readers of a public project list types, and nobody else', async () => {
    expect((await listTypes(w.projectId, w.viewer.token)).map((x) => x.id)).toContain(w.types.task);
    expect(expectData(await w.t.api('GET', url(w.projectId), { token: w.admin.token })).next_cursor).toBeNull();
    expectError(await w.t.api('GET', url(w.projectId)), 401, 'AUTH_UNAUTHENTICATED');
    // The kernel answers a private project's outsider 403, whether or not the project exists.
    expectError(await w.t.api('GET', url(w.projectId), { token: w.outsider.token }), 403, 'FORBIDDEN');
    expect((await w.t.api('GET', url(w.publicProjectId))).status).toBe(200);
    expect(expectData(await w.t.api('GET', url(w.publicProjectId))).items).toHaveLength(3);
  });
});

describe('creating', () => {
  it('appends a type, answers it with an ETag and announces it', async () => {
    const projectId = await newProject();
    const res = await w.t.api('POST', url(projectId), { token: w.admin.token, body: { name: ' Bug ', icon: 'bug', color: '#ff0000', description: 'Broken things' } });
    const bug = expectData(res, 201);
    expect(bug).toMatchObject({ name: 'Bug', icon: 'bug', color: '#ff0000', description: 'Broken things', project_id: projectId,
      is_default: false, is_system: false, system_kind: null, position: 3, version: 1 });
    expect(res.headers.etag).toBe('"1"');
    expect((await listTypes(projectId)).map((x) => x.name)).toEqual(['Task', 'Epic', 'Subtask', 'Bug']);
    const [event] = await eventsOf(w.t, projectId, 'task.type.created');
    expect(event!.payload.task_type).toEqual(bug);
  });

  it('refuses a name in use (case-insensitively) and the reserved Epic and Subtask', async () => {
    const projectId = await newProject();
    expectError(await w.t.api('POST', url(projectId), { token: w.admin.token, body: { name: 'tASK' } }), 409, 'TASK_TYPE_NAME_TAKEN');
    expectError(await w.t.api('POST', url(projectId), { token: w.admin.token, body: { name: 'epic' } }), 409, 'TASK_TYPE_NAME_RESERVED');
    expectError(await w.t.api('POST', url(projectId), { token: w.admin.token, body: { name: ' Subtask ' } }), 409, 'TASK_TYPE_NAME_RESERVED');
    expect(await listTypes(projectId)).toHaveLength(3);
  });

  it('answers bad input with 422 and stores nothing', async () => {
    const projectId = await newProject();
    for (const body of [{ name: '   ' }, { name: '' }, {}, { name: 'X', color: 'red' }, { name: 'X', extra: 1 }, { name: 'x'.repeat(101) }]) {
      expectError(await w.t.api('POST', url(projectId), { token: w.admin.token, body }), 422, 'VALIDATION_FAILED');
    }
    expect(await listTypes(projectId)).toHaveLength(3);
    expect(await eventsOf(w.t, projectId, 'task.type.created')).toHaveLength(0);
  });

  it('is for project admins: Editor and Viewer get 403, anonymous 401', async () => {
    expectError(await w.t.api('POST', url(w.projectId), { token: w.editor.token, body: { name: 'Editor type' } }), 403, 'FORBIDDEN');
    expectError(await w.t.api('POST', url(w.projectId), { token: w.viewer.token, body: { name: 'Viewer type' } }), 403, 'FORBIDDEN');
    expectError(await w.t.api('POST', url(w.projectId), { body: { name: 'Anonymous type' } }), 401, 'AUTH_UNAUTHENTICATED');
    expectError(await w.t.api('POST', url(w.publicProjectId), { body: { name: 'Anonymous type' } }), 401, 'AUTH_UNAUTHENTICATED');
    expect((await listTypes(w.projectId)).map((x) => x.name)).not.toEqual(expect.arrayContaining(['Editor type']));
    expect(await listTypes(w.projectId)).toHaveLength(3);
  });
});

describe('updating', () => {
  it('changes what is sent (null clears), bumps the version once and announces it', async () => {
    const projectId = await newProject();
    const story = await createType(projectId, { name: 'Story', icon: 'book', color: '#00ff00', description: 'User value' });
    w.t.clock.advance(60_000);
    const res = await w.t.api('PATCH', url(projectId, `/${story.id}`), { token: w.admin.token, body: { name: 'User story', color: null } });
    const updated = expectData(res);
    expect(updated).toMatchObject({ name: 'User story', icon: 'book', color: null, description: 'User value', version: 2 });
    expect(updated.updated_at).toBe(w.t.clock.now().toISOString());
    expect(res.headers.etag).toBe('"2"');
    expect((await listTypes(projectId)).find((x) => x.id === story.id)).toEqual(updated);
    const events = await eventsOf(w.t, projectId, 'task.type.updated');
    expect(events.map((e) => e.payload.task_type)).toEqual([updated]);

    // Renaming to its own name in another case is fine; nothing else changed = no new version.
    expect(expectData(await w.t.api('PATCH', url(projectId, `/${story.id}`), { token: w.admin.token, body: { name: 'User Story' } })).version).toBe(3);
    expect(expectData(await w.t.api('PATCH', url(projectId, `/${story.id}`), { token: w.admin.token, body: { icon: 'book' } })).version).toBe(3);
  });

  it('refuses stale versions (body or If-Match) with the current one (D4)', async () => {
    const projectId = await newProject();
    const bug = await createType(projectId, { name: 'Bug' });
    expectData(await w.t.api('PATCH', url(projectId, `/${bug.id}`), { token: w.admin.token, body: { icon: 'bug', version: 1 } }));
    const stale = await w.t.api('PATCH', url(projectId, `/${bug.id}`), { token: w.admin.token, body: { name: 'Defect', version: 1 } });
    expectError(stale, 409, 'TASK_TYPE_VERSION_CONFLICT');
    expect(stale.json.error_details).toEqual({ current_version: 2 });
    expectError(await w.t.api('PATCH', url(projectId, `/${bug.id}`), { token: w.admin.token, headers: { 'if-match': '"1"' }, body: { name: 'Defect' } }), 409, 'TASK_TYPE_VERSION_CONFLICT');
    expectError(await w.t.api('PATCH', url(projectId, `/${bug.id}`), { token: w.admin.token, headers: { 'if-match': 'soon' }, body: { name: 'Defect' } }), 422, 'VALIDATION_FAILED');
    expect((await listTypes(projectId)).find((x) => x.id === bug.id)?.name).toBe('Bug');
    expect(expectData(await w.t.api('PATCH', url(projectId, `/${bug.id}`), { token: w.admin.token, headers: { 'if-match': 'W/"2"' }, body: { name: 'Defect' } })).name).toBe('Defect');
  });

  it('refuses system types, taken and reserved names, other projects\' types and bad input', async () => {
    const projectId = await newProject();
    const [task, epic] = await listTypes(projectId);
    const bug = await createType(projectId, { name: 'Bug' });
    expectError(await w.t.api('PATCH', url(projectId, `/${epic!.id}`), { token: w.admin.token, body: { color: '#000000' } }), 409, 'TASK_TYPE_IS_SYSTEM');
    expectError(await w.t.api('PATCH', url(projectId, `/${bug.id}`), { token: w.admin.token, body: { name: 'task' } }), 409, 'TASK_TYPE_NAME_TAKEN');
    expectError(await w.t.api('PATCH', url(projectId, `/${bug.id}`), { token: w.admin.token, body: { name: 'Epic' } }), 409, 'TASK_TYPE_NAME_RESERVED');
    expectError(await w.t.api('PATCH', url(projectId, `/${bug.id}`), { token: w.admin.token, body: { name: ' ' } }), 422, 'VALIDATION_FAILED');
    expectError(await w.t.api('PATCH', url(projectId, `/${bug.id}`), { token: w.admin.token, body: { is_default: true } }), 422, 'VALIDATION_FAILED');
    expectError(await w.t.api('PATCH', url(projectId, `/${w.types.task}`), { token: w.admin.token, body: { name: 'Mine now' } }), 404, 'TASK_TYPE_NOT_FOUND');
    expectError(await w.t.api('PATCH', url(projectId, '/not-a-uuid'), { token: w.admin.token, body: { name: 'X' } }), 404, 'TASK_TYPE_NOT_FOUND');
    expectError(await w.t.api('PATCH', url(projectId, `/${task!.id}`), { token: w.editor.token, body: { name: 'X' } }), 403, 'FORBIDDEN');
    const after = await listTypes(projectId);
    expect(after.map((x) => [x.name, x.version])).toEqual([['Task', 1], ['Epic', 1], ['Subtask', 1], ['Bug', 1]]);
    expect((await listTypes(w.projectId)).find((x) => x.id === w.types.task)?.name).toBe('Task');
  });

  it('is for project admins: Editor and Viewer get 403', async () => {
    expectError(await w.t.api('PATCH', url(w.projectId, `/${w.types.task}`), { token: w.editor.token, body: { name: 'Nope' } }), 403, 'FORBIDDEN');
    expectError(await w.t.api('PATCH', url(w.projectId, `/${w.types.task}`), { token: w.viewer.token, body: { name: 'Nope' } }), 403, 'FORBIDDEN');
    expect((await listTypes(w.projectId)).find((x) => x.id === w.types.task)?.name).toBe('Task');
  });
});

describe('the default type', () => {
  it('moves to the type set as default; exactly one stays default', async () => {
    const projectId = await newProject();
    const [task] = await listTypes(projectId);
    const bug = await createType(projectId, { name: 'Bug' });
    const res = await w.t.api('PUT', url(projectId, `/${bug.id}/set-default`), { token: w.admin.token });
    expect(expectData(res)).toMatchObject({ id: bug.id, is_default: true, version: 2 });
    expect(res.headers.etag).toBe('"2"');
    const types = await listTypes(projectId);
    expect(types.filter((x) => x.is_default).map((x) => x.id)).toEqual([bug.id]);
    expect(types.find((x) => x.id === task!.id)).toMatchObject({ is_default: false, version: 2 });
    const events = await eventsOf(w.t, projectId, 'task.type.updated');
    expect(events.map((e) => [e.payload.task_type.id, e.payload.task_type.is_default])).toEqual([[task!.id, false], [bug.id, true]]);

    // Setting it again changes nothing.
    expect(expectData(await w.t.api('PUT', url(projectId, `/${bug.id}/set-default`), { token: w.admin.token })).version).toBe(2);
    expect(await eventsOf(w.t, projectId, 'task.type.updated')).toHaveLength(2);
  });

  it('cannot be a system type, a stale version, another project\'s type, or set by an Editor', async () => {
    const projectId = await newProject();
    const [task, epic] = await listTypes(projectId);
    const bug = await createType(projectId, { name: 'Bug' });
    expectError(await w.t.api('PUT', url(projectId, `/${epic!.id}/set-default`), { token: w.admin.token }), 409, 'TASK_TYPE_IS_SYSTEM');
    expectError(await w.t.api('PUT', url(projectId, `/${bug.id}/set-default`), { token: w.admin.token, headers: { 'if-match': '"7"' } }), 409, 'TASK_TYPE_VERSION_CONFLICT');
    expectError(await w.t.api('PUT', url(projectId, `/${w.types.task}/set-default`), { token: w.admin.token }), 404, 'TASK_TYPE_NOT_FOUND');
    expectError(await w.t.api('PUT', url(w.projectId, `/${w.types.task}/set-default`), { token: w.editor.token }), 403, 'FORBIDDEN');
    expectError(await w.t.api('PUT', url(w.projectId, `/${w.types.task}/set-default`), { token: w.viewer.token }), 403, 'FORBIDDEN');
    expect((await listTypes(projectId)).filter((x) => x.is_default).map((x) => x.id)).toEqual([task!.id]);
  });

  it.runIf(onPostgres)('stays single when two admins set different defaults at once', async () => {
    const projectId = await newProject();
    const a = await createType(projectId, { name: 'A' });
    const b = await createType(projectId, { name: 'B' });
    const results = await Promise.all([a, b].map((x) => w.t.api('PUT', url(projectId, `/${x.id}/set-default`), { token: w.admin.token })));
    expect(results.map((r) => r.status)).toEqual([200, 200]);
    expect((await listTypes(projectId)).filter((x) => x.is_default)).toHaveLength(1);
  });
});

describe('deleting', () => {
  it('removes an unused type and announces it', async () => {
    const projectId = await newProject();
    const bug = await createType(projectId, { name: 'Bug' });
    expectData(await w.t.api('DELETE', url(projectId, `/${bug.id}`), { token: w.admin.token }), 204);
    expect((await listTypes(projectId)).map((x) => x.name)).toEqual(['Task', 'Epic', 'Subtask']);
    const [event] = await eventsOf(w.t, projectId, 'task.type.deleted');
    expect(event!.payload).toEqual({ task_type_id: bug.id, moved_to_type_id: null });
    expectError(await w.t.api('DELETE', url(projectId, `/${bug.id}`), { token: w.admin.token }), 404, 'TASK_TYPE_NOT_FOUND');
  });

  it('never deletes Epic, Subtask or the default type', async () => {
    const projectId = await newProject();
    const [task, epic, subtask] = await listTypes(projectId);
    expectError(await w.t.api('DELETE', url(projectId, `/${epic!.id}`), { token: w.admin.token }), 409, 'TASK_TYPE_IS_SYSTEM');
    expectError(await w.t.api('DELETE', url(projectId, `/${subtask!.id}`), { token: w.admin.token }), 409, 'TASK_TYPE_IS_SYSTEM');
    expectError(await w.t.api('DELETE', url(projectId, `/${task!.id}`), { token: w.admin.token }), 409, 'TASK_TYPE_IS_DEFAULT');
    expect(await listTypes(projectId)).toHaveLength(3);
  });

  it('refuses a type in use without move_to_type_id, counting live tasks only', async () => {
    const projectId = await newProject();
    const statusId = ((await w.t.kernel.database.knex('plugin_tasks.task_statuses').where({ project_id: projectId, is_default: true }).first()) as { id: string }).id;
    const bug = await createType(projectId, { name: 'Bug' });
    for (const deleted of [false, false, true]) await insertTaskRow(w.t, projectId, { statusId, typeId: bug.id, deleted });
    const res = await w.t.api('DELETE', url(projectId, `/${bug.id}`), { token: w.admin.token });
    expectError(res, 409, 'TASK_TYPE_IN_USE');
    expect(res.json.error_details).toEqual({ task_count: 2 });
    expect((await listTypes(projectId)).map((x) => x.id)).toContain(bug.id);
  });

  it('moves the tasks to move_to_type_id: each one bumped and recorded as a task.updated activity', async () => {
    const projectId = await newProject();
    const [task] = await listTypes(projectId);
    const statusId = ((await w.t.kernel.database.knex('plugin_tasks.task_statuses').where({ project_id: projectId, is_default: true }).first()) as { id: string }).id;
    const bug = await createType(projectId, { name: 'Bug' });
    const story = await createType(projectId, { name: 'Story' });
    const moving = [await insertTaskRow(w.t, projectId, { statusId, typeId: bug.id }), await insertTaskRow(w.t, projectId, { statusId, typeId: bug.id })];
    const staying = await insertTaskRow(w.t, projectId, { statusId, typeId: task!.id });
    w.t.clock.advance(5_000);

    expectData(await w.t.api('DELETE', url(projectId, `/${bug.id}`), { token: w.admin.token, query: { move_to_type_id: story.id } }), 204);

    for (const before of moving) {
      const after = await readTaskRow(w.t, before.id);
      expect(after).toMatchObject({ task_type_id: story.id, version: before.version + 1 });
      expect(new Date(after.updated_at).toISOString()).toBe(w.t.clock.now().toISOString());
      const activities = await taskActivities(w.t, before.id);
      expect(activities.map((a) => [a.activity_type, a.content])).toEqual([['task.updated', { changes: [{ field: 'task_type_id', old: bug.id, new: story.id }] }]]);
      expect(activities[0]!.actor_id).toBe((await w.t.api('GET', '/users/me', { token: w.admin.token })).json.data.id);
    }
    expect(await readTaskRow(w.t, staying.id)).toMatchObject({ task_type_id: task!.id, version: 1 });
    expect(await taskActivities(w.t, staying.id)).toHaveLength(0);
    const events = await eventsOf(w.t, projectId, 'task.type.deleted');
    expect(events.map((e) => e.payload)).toEqual([{ task_type_id: bug.id, moved_to_type_id: story.id }]);
  });

  it('refuses a move target that is the type itself, a system type or not of this project, and changes nothing', async () => {
    const projectId = await newProject();
    const [, epic] = await listTypes(projectId);
    const statusId = ((await w.t.kernel.database.knex('plugin_tasks.task_statuses').where({ project_id: projectId, is_default: true }).first()) as { id: string }).id;
    const bug = await createType(projectId, { name: 'Bug' });
    const row = await insertTaskRow(w.t, projectId, { statusId, typeId: bug.id });
    for (const target of [bug.id, epic!.id, w.types.task, '00000000-0000-4000-8000-000000000000']) {
      expectError(await w.t.api('DELETE', url(projectId, `/${bug.id}`), { token: w.admin.token, query: { move_to_type_id: target } }), 422, 'TASK_TYPE_MOVE_TARGET_INVALID');
    }
    expectError(await w.t.api('DELETE', url(projectId, `/${bug.id}`), { token: w.admin.token, query: { move_to_type_id: 'nope' } }), 422, 'VALIDATION_FAILED');
    expect(await readTaskRow(w.t, row.id)).toMatchObject({ task_type_id: bug.id, version: 1 });
    expect((await listTypes(projectId)).map((x) => x.id)).toContain(bug.id);
  });

  it('honours If-Match and is for project admins only', async () => {
    const projectId = await newProject();
    const bug = await createType(projectId, { name: 'Bug' });
    expectError(await w.t.api('DELETE', url(projectId, `/${bug.id}`), { token: w.admin.token, headers: { 'if-match': '"2"' } }), 409, 'TASK_TYPE_VERSION_CONFLICT');
    const mine = await createType(w.projectId, { name: `Mine ${Math.random()}` });
    expectError(await w.t.api('DELETE', url(w.projectId, `/${mine.id}`), { token: w.editor.token }), 403, 'FORBIDDEN');
    expectError(await w.t.api('DELETE', url(w.projectId, `/${mine.id}`), { token: w.viewer.token }), 403, 'FORBIDDEN');
    expectError(await w.t.api('DELETE', url(w.projectId, `/${mine.id}`)), 401, 'AUTH_UNAUTHENTICATED');
    expect((await listTypes(w.projectId)).map((x) => x.id)).toContain(mine.id);
    expectData(await w.t.api('DELETE', url(projectId, `/${bug.id}`), { token: w.admin.token, headers: { 'if-match': '"1"' } }), 204);
    expectData(await w.t.api('DELETE', url(w.projectId, `/${mine.id}`), { token: w.admin.token }), 204);
  });
});

describe('concurrency', () => {
  it.runIf(onPostgres)('lets only one of two simultaneous creates with the same name through', async () => {
    const projectId = await newProject();
    const results = await Promise.all([1, 2].map(() => w.t.api('POST', url(projectId), { token: w.admin.token, body: { name: 'Race' } })));
    expect(results.map((r) => r.status).sort()).toEqual([201, 409]);
    expect(results.find((r) => r.status === 409)!.json.error_code).toBe('TASK_TYPE_NAME_TAKEN');
    const types = await listTypes(projectId);
    expect(types.filter((x) => x.name === 'Race')).toHaveLength(1);
    expect(new Set(types.map((x) => x.position)).size).toBe(types.length);
  });
});
