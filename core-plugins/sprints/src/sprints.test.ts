import { expectData, expectError } from '@paca/kernel/testing';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProject, createTask } from '../../tasks/src/tasks-world.fixture.js';
import { createSprint, sprintsUrl, sprintUrl, startSprintsWorld, type SprintsWorld } from './sprints-world.fixture.js';

// Sprint CRUD, the views sprints seeds, and who may do what — as a client sees it.

let w: SprintsWorld;
const db = () => w.t.kernel.database.knex;
const views = (projectId: string, query: Record<string, string>) =>
  w.t.api('GET', `/projects/${projectId}/views`, { token: w.t.adminToken, query });
const lastEvent = async (type: string) => db()('events').where({ type }).orderBy('id', 'desc').first();

beforeAll(async () => { w = await startSprintsWorld(); });
afterAll(async () => { await w?.t.close(); });

describe('sprints', () => {
  it('quick-creates "Sprint N" without a body, numbering per project, never reusing a number', async () => {
    const project = await createProject(w.t, `Quick ${randomUUID().slice(0, 6)}`);
    const first = await createSprint(w.t, project.id);
    expect(first).toMatchObject({ name: 'Sprint 1', sprint_number: 1, status: 'planned', goal: null, start_date: null, end_date: null, committed: null, completed: null, version: 1 });
    const second = await createSprint(w.t, project.id, {});
    expect(second.name).toBe('Sprint 2');
    expectData(await w.t.api('DELETE', sprintUrl(project.id, second.id), { token: w.t.adminToken }), 204);
    expect((await createSprint(w.t, project.id)).name).toBe('Sprint 3');
    // Another project counts on its own.
    const other = await createProject(w.t, `Other ${randomUUID().slice(0, 6)}`);
    expect((await createSprint(w.t, other.id)).name).toBe('Sprint 1');
  });

  it('creates with a name, goal and dates, and refuses bad input without writing anything', async () => {
    const sprint = await createSprint(w.t, w.projectId, { name: '  Launch  ', goal: 'Ship v1', start_date: '2030-01-06', end_date: '2030-01-19' }, w.editor.token);
    expect(sprint).toMatchObject({ name: 'Launch', goal: 'Ship v1', start_date: '2030-01-06', end_date: '2030-01-19', status: 'planned', project_id: w.projectId });
    expect(sprint.created_by).toEqual({ type: 'user', id: w.editor.id });
    const before = await db()('plugin_sprints.sprints').count({ n: '*' }).first();
    const bad = (body: unknown) => w.t.api('POST', sprintsUrl(w.projectId), { token: w.editor.token, body });
    expectError(await bad({ start_date: '2030-01-19', end_date: '2030-01-06' }), 422, 'SPRINT_DATES_INVALID');
    expectError(await bad({ name: '   ' }), 422, 'VALIDATION_FAILED');
    expectError(await bad({ name: 'x'.repeat(121) }), 422, 'VALIDATION_FAILED');
    expectError(await bad({ start_date: '2030-02-30' }), 422, 'VALIDATION_FAILED');
    expectError(await bad({ start_date: 'soon' }), 422, 'VALIDATION_FAILED');
    expectError(await bad({ status: 'active' }), 422, 'VALIDATION_FAILED');
    expectError(await w.t.api('POST', sprintsUrl(w.projectId), { token: w.editor.token, body: '{not json', headers: { 'content-type': 'application/json' } }), 400, 'BAD_REQUEST');
    expect(await db()('plugin_sprints.sprints').count({ n: '*' }).first()).toEqual(before);
  });

  it('emits sprint.created and records it in the project feed', async () => {
    const sprint = await createSprint(w.t, w.projectId, { name: 'Evented' });
    const event = await lastEvent('sprint.created');
    expect(event.project_id).toBe(w.projectId);
    expect(event.payload.sprint).toMatchObject({ id: sprint.id, name: 'Evented', status: 'planned' });
    const feed = expectData(await w.t.api('GET', `/projects/${w.projectId}/activities`, { token: w.t.adminToken, query: { entity_type: 'sprint' } }));
    expect(feed.items.some((a: { entity_id: string; activity_type: string }) => a.entity_id === sprint.id && a.activity_type === 'sprint.created')).toBe(true);
  });

  it('gets one sprint with its live progress; unknown, malformed and foreign ids are 404', async () => {
    const sprint = await createSprint(w.t, w.projectId, { name: 'Progress' });
    await createTask(w.t, w.projectId, { title: 'open', sprint_id: sprint.id, story_points: 3 });
    await createTask(w.t, w.projectId, { title: 'done', sprint_id: sprint.id, story_points: 2, status_id: w.statuses.done });
    await createTask(w.t, w.projectId, { title: 'unestimated', sprint_id: sprint.id });
    const got = await w.t.api('GET', sprintUrl(w.projectId, sprint.id), { token: w.viewer.token });
    expect(expectData(got).progress).toEqual({ task_count: 3, done_task_count: 1, story_points: 5, done_story_points: 2 });
    expect(got.headers.etag).toBe('"1"');
    expectError(await w.t.api('GET', sprintUrl(w.projectId, randomUUID()), { token: w.viewer.token }), 404, 'SPRINT_NOT_FOUND');
    expectError(await w.t.api('GET', sprintUrl(w.projectId, 'nope'), { token: w.viewer.token }), 404, 'SPRINT_NOT_FOUND');
    const foreign = await createSprint(w.t, w.publicProjectId);
    expectError(await w.t.api('GET', sprintUrl(w.projectId, foreign.id), { token: w.t.adminToken }), 404, 'SPRINT_NOT_FOUND');
  });

  it('lists newest first, filters by status and pages with a cursor', async () => {
    const project = await createProject(w.t, `List ${randomUUID().slice(0, 6)}`);
    const made = [];
    for (let i = 0; i < 5; i++) made.push(await createSprint(w.t, project.id));
    expectData(await w.t.api('POST', `${sprintUrl(project.id, made[1].id)}/start`, { token: w.t.adminToken, body: {} }));
    const page1 = expectData(await w.t.api('GET', sprintsUrl(project.id), { token: w.t.adminToken, query: { page_size: '3' } }));
    expect(page1.items.map((s: { name: string }) => s.name)).toEqual(['Sprint 5', 'Sprint 4', 'Sprint 3']);
    const page2 = expectData(await w.t.api('GET', sprintsUrl(project.id), { token: w.t.adminToken, query: { page_size: '3', cursor: page1.next_cursor } }));
    expect(page2.items.map((s: { name: string }) => s.name)).toEqual(['Sprint 2', 'Sprint 1']);
    expect(page2.next_cursor).toBeNull();
    const active = expectData(await w.t.api('GET', sprintsUrl(project.id), { token: w.t.adminToken, query: { status: 'active' } }));
    expect(active.items.map((s: { name: string }) => s.name)).toEqual(['Sprint 2']);
    const open = expectData(await w.t.api('GET', sprintsUrl(project.id), { token: w.t.adminToken, query: { status: 'planned,active' } }));
    expect(open.items).toHaveLength(5);
    expectError(await w.t.api('GET', sprintsUrl(project.id), { token: w.t.adminToken, query: { status: 'done' } }), 422, 'VALIDATION_FAILED');
    expectError(await w.t.api('GET', sprintsUrl(project.id), { token: w.t.adminToken, query: { cursor: 'garbage' } }), 422, 'VALIDATION_FAILED');
  });

  it('updates name, goal and dates three-state, with D4 versions', async () => {
    const sprint = await createSprint(w.t, w.projectId, { name: 'Edit me', goal: 'g', start_date: '2030-05-01' });
    const patch = (body: Record<string, unknown>, headers?: Record<string, string>) =>
      w.t.api('PATCH', sprintUrl(w.projectId, sprint.id), { token: w.editor.token, body, ...(headers ? { headers } : {}) });
    const renamed = expectData(await patch({ name: 'Edited', goal: null, version: 1 }));
    expect(renamed).toMatchObject({ name: 'Edited', goal: null, start_date: '2030-05-01', version: 2 });
    const event = await lastEvent('sprint.updated');
    expect(event.payload.changes).toEqual([{ field: 'name', old: 'Edit me', new: 'Edited' }, { field: 'goal', old: 'g', new: null }]);
    const stale = await patch({ name: 'Lost', version: 1 });
    expectError(stale, 409, 'SPRINT_VERSION_CONFLICT');
    expect(stale.json.error_details.current_version).toBe(2);
    expectError(await patch({ name: 'Lost' }, { 'if-match': '"1"' }), 409, 'SPRINT_VERSION_CONFLICT');
    expectError(await patch({ end_date: '2030-04-01' }), 422, 'SPRINT_DATES_INVALID');
    expect(expectData(await w.t.api('GET', sprintUrl(w.projectId, sprint.id), { token: w.editor.token })).name).toBe('Edited');
    // Unchanged values write nothing.
    expect(expectData(await patch({ name: 'Edited' })).version).toBe(2);
    expect(expectData(await patch({ start_date: null, end_date: '2030-06-01' }))).toMatchObject({ start_date: null, end_date: '2030-06-01', version: 3 });
  });

  it('deletes a sprint: its tasks go back to the backlog with a recorded change, its views go too', async () => {
    const sprint = await createSprint(w.t, w.projectId, { name: 'Doomed' });
    const task = await createTask(w.t, w.projectId, { title: 'in doomed', sprint_id: sprint.id });
    expect(expectData(await views(w.projectId, { context: 'sprint', sprint_id: sprint.id })).items).toHaveLength(2);
    expectError(await w.t.api('DELETE', sprintUrl(w.projectId, sprint.id), { token: w.viewer.token }), 403, 'FORBIDDEN');
    w.t.clock.advance(1_000);
    expectData(await w.t.api('DELETE', sprintUrl(w.projectId, sprint.id), { token: w.editor.token }), 204);
    expectError(await w.t.api('GET', sprintUrl(w.projectId, sprint.id), { token: w.editor.token }), 404, 'SPRINT_NOT_FOUND');
    const after = expectData(await w.t.api('GET', `/projects/${w.projectId}/tasks/${task.id}`, { token: w.editor.token }));
    expect(after.sprint_id).toBeNull();
    const feed = expectData(await w.t.api('GET', `/projects/${w.projectId}/tasks/${task.id}/activities`, { token: w.editor.token }));
    expect(feed.items[0]).toMatchObject({ activity_type: 'task.updated', content: { changes: [{ field: 'sprint_id', old: sprint.id, new: null }] } });
    expect(expectData(await views(w.projectId, { context: 'sprint', sprint_id: sprint.id })).items).toEqual([]);
    expect((await lastEvent('sprint.deleted')).payload).toEqual({ sprint_id: sprint.id, moved_task_count: 1 });
    expectError(await w.t.api('DELETE', sprintUrl(w.projectId, sprint.id), { token: w.editor.token }), 404, 'SPRINT_NOT_FOUND');
  });
});

describe('seeded views (reference 1.6)', () => {
  it('gives a new project a backlog table grouped by sprint and a timeline roadmap of epics', async () => {
    const project = await createProject(w.t, `Seeded ${randomUUID().slice(0, 6)}`);
    const backlog = expectData(await views(project.id, { context: 'backlog' })).items;
    expect(backlog).toHaveLength(1);
    expect(backlog[0]).toMatchObject({ name: 'Backlog', view_type: 'table', view_context: 'backlog', sprint_id: null, created_by: null });
    expect(backlog[0].config).toMatchObject({ column_by: 'sprint', empty_group_label: 'Unassigned' });
    const timeline = expectData(await views(project.id, { context: 'timeline' })).items;
    expect(timeline).toHaveLength(1);
    expect(timeline[0]).toMatchObject({ name: 'Roadmap', view_type: 'roadmap', view_context: 'timeline' });
    expect(timeline[0].config.filters).toEqual({ system_type: 'epic' });
  });

  it('gives a new sprint a Board by status and a Table, in that tab order', async () => {
    const sprint = await createSprint(w.t, w.projectId);
    const tabs = expectData(await views(w.projectId, { context: 'sprint', sprint_id: sprint.id })).items;
    expect(tabs.map((v: { name: string; view_type: string; position: number }) => [v.name, v.view_type, v.position])).toEqual([['Board', 'board', 0], ['Table', 'table', 1]]);
    expect(tabs[0].config.column_by).toBe('status');
  });

  it('refuses sprint views for an unknown or completed sprint (tasks asks sprints, D20)', async () => {
    const body = { name: 'Extra', view_type: 'board', view_context: 'sprint' };
    const unknown = await w.t.api('POST', `/projects/${w.projectId}/views`, { token: w.editor.token, body: { ...body, sprint_id: randomUUID() } });
    expectError(unknown, 422, 'SPRINT_NOT_FOUND');
    expect(unknown.json.error_details).toEqual({ field: 'sprint_id' });
  });
});

describe('permissions', () => {
  it('lets viewers read but not write, outsiders nothing, and anonymous readers public projects only', async () => {
    const sprint = await createSprint(w.t, w.projectId);
    expectData(await w.t.api('GET', sprintsUrl(w.projectId), { token: w.viewer.token }));
    expectData(await w.t.api('GET', `${sprintUrl(w.projectId, sprint.id)}`, { token: w.viewer.token }));
    expectData(await w.t.api('GET', `${sprintsUrl(w.projectId)}/velocity`, { token: w.viewer.token }));
    for (const [method, path] of [
      ['POST', sprintsUrl(w.projectId)], ['PATCH', sprintUrl(w.projectId, sprint.id)], ['DELETE', sprintUrl(w.projectId, sprint.id)],
      ['POST', `${sprintUrl(w.projectId, sprint.id)}/start`], ['POST', `${sprintUrl(w.projectId, sprint.id)}/complete`],
    ] as const) {
      expectError(await w.t.api(method, path, { token: w.viewer.token, body: {} }), 403, 'FORBIDDEN');
    }
    expectError(await w.t.api('POST', `${sprintUrl(w.projectId, sprint.id)}/tasks`, { token: w.viewer.token, body: { task_ids: [randomUUID()] } }), 403, 'FORBIDDEN');
    expectError(await w.t.api('POST', `/projects/${w.projectId}/product-backlog/tasks`, { token: w.viewer.token, body: { task_ids: [randomUUID()] } }), 403, 'FORBIDDEN');
    expectError(await w.t.api('GET', sprintsUrl(w.projectId), { token: w.outsider.token }), 403, 'FORBIDDEN');
    expectError(await w.t.api('GET', sprintsUrl(w.projectId)), 401, 'AUTH_UNAUTHENTICATED');
    // Anonymous readers see a public project's sprints but cannot change them.
    const publicSprint = await createSprint(w.t, w.publicProjectId, { name: 'Open' });
    const listed = expectData(await w.t.api('GET', sprintsUrl(w.publicProjectId)));
    expect(listed.items.map((s: { id: string }) => s.id)).toContain(publicSprint.id);
    expectError(await w.t.api('POST', sprintsUrl(w.publicProjectId), { body: {} }), 401, 'AUTH_UNAUTHENTICATED');
    expect(expectData(await w.t.api('GET', sprintUrl(w.projectId, sprint.id), { token: w.viewer.token })).status).toBe('planned');
  });
});
