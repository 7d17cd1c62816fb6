import { expectData, expectError } from '@paca/kernel/testing';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProject, createTask, startTasksWorld, type TasksWorld } from './tasks-world.fixture.js';

// Saved views as a client sees them: tabs per context, shared config plus a personal override.

let w: TasksWorld;
const onPostgres = !!process.env.DATABASE_URL;
const views = (projectId: string) => `/projects/${projectId}/views`;
const view = (projectId: string, viewId: string) => `/projects/${projectId}/views/${viewId}`;
const outbox = (type: string) => w.t.kernel.database.knex('events').where({ type }).orderBy('id');

async function createView(body: Record<string, unknown>, options: { projectId?: string; query?: Record<string, string>; token?: string } = {}) {
  return expectData(await w.t.api('POST', views(options.projectId ?? w.projectId), {
    token: options.token ?? w.editor.token, body, ...(options.query ? { query: options.query } : {}),
  }), 201);
}

async function listViews(query: Record<string, string> = {}, options: { projectId?: string; token?: string } = {}) {
  return expectData(await w.t.api('GET', views(options.projectId ?? w.projectId), { token: options.token ?? w.editor.token, query })).items as Array<Record<string, any>>;
}

/** A project without the tabs the sprints plugin seeds (tested there), so these suites start from no views. */
async function bareProject(name: string) {
  const project = await createProject(w.t, name);
  await w.t.kernel.database.knex('plugin_tasks.views').where({ project_id: project.id }).delete();
  return project;
}

beforeAll(async () => { w = await startTasksWorld(); });
afterAll(() => w?.t.close());

describe('views', () => {
  it('creates views appended to their context, lists them in tab order and announces each', async () => {
    const projectId = (await bareProject('Tabs')).id;
    const board = await createView({ name: 'Board', view_type: 'board', config: { column_by: 'status', fields: ['title'] } }, { projectId, token: w.t.adminToken });
    expect(board).toMatchObject({
      project_id: projectId, sprint_id: null, name: 'Board', view_type: 'board', view_context: 'backlog', position: 0,
      config: { column_by: 'status', fields: ['title'] }, plugin_id: null, plugin_component: null, version: 1,
      personal_config: null, effective_config: { column_by: 'status', fields: ['title'] },
    });
    const table = await createView({ name: 'Table', view_type: 'table' }, { projectId, query: { context: 'backlog' }, token: w.t.adminToken });
    expect(table.position).toBe(1);
    const roadmap = await createView({ name: 'Roadmap', view_type: 'roadmap', view_context: 'timeline' }, { projectId, token: w.t.adminToken });
    expect(roadmap).toMatchObject({ view_context: 'timeline', position: 0 });

    const backlog = await listViews({}, { projectId, token: w.t.adminToken });
    expect(backlog.map((v) => v.name)).toEqual(['Board', 'Table']);
    expect(backlog[0]).toEqual(board);
    expect((await listViews({ context: 'timeline' }, { projectId, token: w.t.adminToken })).map((v) => v.id)).toEqual([roadmap.id]);

    // After the tabs sprints seeded (and this suite removed) when the project was created.
    const created = (await outbox('view.created').where({ project_id: projectId })).slice(-3);
    expect(created.map((e) => e.payload.view.id)).toEqual([board.id, table.id, roadmap.id]);
    expect(created[0].payload.view).not.toHaveProperty('personal_config');
    expect(created[0].actor_id).toBe(expectData(await w.t.api('GET', '/users/me', { token: w.t.adminToken })).id);
  });

  it('validates the context: sprint views need a sprint the sprints plugin knows, others have none', async () => {
    const before = await listViews({ context: 'backlog' });
    expectError(await w.t.api('POST', views(w.projectId), { token: w.editor.token, query: { context: 'sprint' }, body: { name: 'S', view_type: 'board' } }), 422, 'VIEW_CONTEXT_INVALID');
    // The sprints plugin owns sprint ids (D20): an id it does not know is refused with its code.
    expectError(await w.t.api('POST', views(w.projectId), { token: w.editor.token, query: { context: 'sprint', sprint_id: randomUUID() }, body: { name: 'S', view_type: 'board' } }), 422, 'SPRINT_NOT_FOUND');
    expectError(await w.t.api('POST', views(w.projectId), { token: w.editor.token, body: { name: 'S', view_type: 'board', view_context: 'sprint', sprint_id: randomUUID() } }), 422, 'SPRINT_NOT_FOUND');
    expectError(await w.t.api('POST', views(w.projectId), { token: w.editor.token, query: { context: 'backlog', sprint_id: randomUUID() }, body: { name: 'S', view_type: 'board' } }), 422, 'VIEW_CONTEXT_INVALID');
    expectError(await w.t.api('POST', views(w.projectId), { token: w.editor.token, query: { context: 'timeline' }, body: { name: 'S', view_type: 'board', view_context: 'backlog' } }), 422, 'VIEW_CONTEXT_INVALID');
    expectError(await w.t.api('GET', views(w.projectId), { token: w.editor.token, query: { context: 'sprint' } }), 422, 'VIEW_CONTEXT_INVALID');
    expect(await listViews({ context: 'sprint', sprint_id: randomUUID() })).toEqual([]);
    expect(await listViews({ context: 'backlog' })).toEqual(before);
  });

  it('accepts plugin fields only on plugin views, and there only together', async () => {
    const refused = [
      { name: 'P', view_type: 'plugin' },
      { name: 'P', view_type: 'plugin', plugin_id: 'dashboards' },
      { name: 'P', view_type: 'plugin', plugin_id: 'dashboards', plugin_component: null },
      { name: 'T', view_type: 'table', plugin_id: 'dashboards', plugin_component: 'Chart' },
      { name: 'T', view_type: 'table', plugin_component: 'Chart' },
    ];
    for (const body of refused) expectError(await w.t.api('POST', views(w.projectId), { token: w.editor.token, body }), 422, 'VIEW_TYPE_INVALID');
    const plugin = await createView({ name: 'Dashboard', view_type: 'plugin', plugin_id: 'dashboards', plugin_component: 'Chart' });
    expect(plugin).toMatchObject({ view_type: 'plugin', plugin_id: 'dashboards', plugin_component: 'Chart' });
    expect((await listViews()).filter((v) => v.view_type === 'plugin').map((v) => v.id)).toEqual([plugin.id]);
  });

  it('refuses malformed bodies with 422 VALIDATION_FAILED and stores nothing', async () => {
    const before = await listViews();
    for (const body of [{ view_type: 'board' }, { name: '', view_type: 'board' }, { name: ' \t ', view_type: 'board' }, { name: 'X', view_type: 'kanban' }, { name: 'X', view_type: 'board', colour: 'red' },
      { name: 'X', view_type: 'board', config: { sort_order: 'sideways' } }, { name: 'X', view_type: 'board', plugin_id: 'Not An Id' }]) {
      expectError(await w.t.api('POST', views(w.projectId), { token: w.editor.token, body }), 422, 'VALIDATION_FAILED');
    }
    expectError(await w.t.api('GET', views(w.projectId), { token: w.editor.token, query: { context: 'kanban' } }), 422, 'VALIDATION_FAILED');
    expect(await listViews()).toEqual(before);

    const named = await createView({ name: '  Spaced  ', view_type: 'board' });
    expect(named.name).toBe('Spaced');
    expectError(await w.t.api('PATCH', view(w.projectId, named.id), { token: w.editor.token, body: { name: '   ' } }), 422, 'VALIDATION_FAILED');
    expect(expectData(await w.t.api('GET', view(w.projectId, named.id), { token: w.editor.token })).name).toBe('Spaced');
  });

  it('lets Viewers and anonymous readers of a public project read, never write', async () => {
    const board = await createView({ name: 'Readable', view_type: 'board' });
    expect((await listViews({}, { token: w.viewer.token })).map((v) => v.id)).toContain(board.id);
    expectError(await w.t.api('POST', views(w.projectId), { token: w.viewer.token, body: { name: 'No', view_type: 'board' } }), 403, 'FORBIDDEN');
    expectError(await w.t.api('PATCH', view(w.projectId, board.id), { token: w.viewer.token, body: { name: 'No' } }), 403, 'FORBIDDEN');
    expectError(await w.t.api('DELETE', view(w.projectId, board.id), { token: w.viewer.token }), 403, 'FORBIDDEN');
    expectError(await w.t.api('PUT', `${views(w.projectId)}/positions`, { token: w.viewer.token, body: { view_ids: [board.id] } }), 403, 'FORBIDDEN');
    expectError(await w.t.api('GET', views(w.projectId)), 401, 'AUTH_UNAUTHENTICATED');
    expect([403, 404]).toContain((await w.t.api('GET', view(w.projectId, board.id), { token: w.outsider.token })).status);

    const open = await createView({ name: 'Public board', view_type: 'board' }, { projectId: w.publicProjectId, token: w.t.adminToken });
    expect(expectData(await w.t.api('GET', view(w.publicProjectId, open.id)))).toMatchObject({ id: open.id, personal_config: null });
    expect((await listViews({}, { projectId: w.publicProjectId, token: '' })).map((v) => v.id)).toContain(open.id);
    expectError(await w.t.api('POST', views(w.publicProjectId), { body: { name: 'No', view_type: 'board' } }), 401, 'AUTH_UNAUTHENTICATED');
    // Personal configs need only views:read, but anonymous readers are nobody to keep one for.
    expectError(await w.t.api('PUT', `${view(w.publicProjectId, open.id)}/config`, { body: { config: { sort_by: 'title' } } }), 401, 'AUTH_UNAUTHENTICATED');
    expectError(await w.t.api('DELETE', `${view(w.publicProjectId, open.id)}/config`), 401, 'AUTH_UNAUTHENTICATED');
  });

  it('answers views of other projects and malformed ids with 404 VIEW_NOT_FOUND', async () => {
    const foreign = await createView({ name: 'Elsewhere', view_type: 'board' }, { projectId: w.publicProjectId, token: w.t.adminToken });
    for (const id of [foreign.id, randomUUID(), 'not-a-uuid']) {
      expectError(await w.t.api('GET', view(w.projectId, id), { token: w.editor.token }), 404, 'VIEW_NOT_FOUND');
      expectError(await w.t.api('PATCH', view(w.projectId, id), { token: w.editor.token, body: { name: 'Mine' } }), 404, 'VIEW_NOT_FOUND');
      expectError(await w.t.api('DELETE', view(w.projectId, id), { token: w.editor.token }), 404, 'VIEW_NOT_FOUND');
      expectError(await w.t.api('PUT', `${view(w.projectId, id)}/config`, { token: w.editor.token, body: { config: {} } }), 404, 'VIEW_NOT_FOUND');
    }
    expect(expectData(await w.t.api('GET', view(w.publicProjectId, foreign.id), { token: w.t.adminToken })).name).toBe('Elsewhere');
  });

  it('reorders the views of a context when every one is listed exactly once', async () => {
    const projectId = (await bareProject('Reorder')).id;
    const [a, b, c] = [
      await createView({ name: 'A', view_type: 'board' }, { projectId, token: w.t.adminToken }),
      await createView({ name: 'B', view_type: 'table' }, { projectId, token: w.t.adminToken }),
      await createView({ name: 'C', view_type: 'roadmap' }, { projectId, token: w.t.adminToken }),
    ];
    const timeline = await createView({ name: 'T', view_type: 'roadmap', view_context: 'timeline' }, { projectId, token: w.t.adminToken });
    const reorder = (view_ids: string[], query: Record<string, string> = {}) =>
      w.t.api('PUT', `${views(projectId)}/positions`, { token: w.t.adminToken, query, body: { view_ids } });

    const reordered = expectData(await reorder([c.id, a.id, b.id]));
    expect(reordered.items.map((v: { id: string; position: number }) => [v.id, v.position])).toEqual([[c.id, 0], [a.id, 1], [b.id, 2]]);
    expect((await listViews({}, { projectId, token: w.t.adminToken })).map((v) => v.name)).toEqual(['C', 'A', 'B']);
    const [event] = await outbox('view.reordered').where({ project_id: projectId });
    expect(event.payload).toEqual({ view_context: 'backlog', sprint_id: null, view_ids: [c.id, a.id, b.id] });

    for (const ids of [[a.id, b.id], [c.id, a.id, b.id, timeline.id], [c.id, a.id, randomUUID()]]) {
      expectError(await reorder(ids), 422, 'VIEW_REORDER_INVALID');
    }
    expectError(await reorder([c.id, a.id, a.id]), 422, 'VALIDATION_FAILED');
    expectError(await reorder([c.id, a.id, b.id], { context: 'timeline' }), 422, 'VIEW_REORDER_INVALID');
    expectData(await reorder([timeline.id], { context: 'timeline' }));
    expect((await listViews({}, { projectId, token: w.t.adminToken })).map((v) => v.name)).toEqual(['C', 'A', 'B']);
  });

  it('keeps a personal config per principal: GET shows it and the effective config, others do not see it', async () => {
    const board = await createView({ name: 'Team board', view_type: 'board', config: { column_by: 'status', sort_by: 'importance', filters: { tags: ['api'] } } });
    const put = await w.t.api('PUT', `${view(w.projectId, board.id)}/config`, { token: w.viewer.token, body: { config: { sort_by: 'due_date', swimlanes: 'assignee' } } });
    const mine = expectData(put);
    expect(mine).toMatchObject({
      id: board.id, version: 1,
      config: { column_by: 'status', sort_by: 'importance', filters: { tags: ['api'] } },
      personal_config: { sort_by: 'due_date', swimlanes: 'assignee' },
      effective_config: { column_by: 'status', sort_by: 'due_date', swimlanes: 'assignee', filters: { tags: ['api'] } },
    });
    expect(expectData(await w.t.api('GET', view(w.projectId, board.id), { token: w.viewer.token }))).toEqual(mine);
    expect((await listViews({}, { token: w.viewer.token })).find((v) => v.id === board.id)).toEqual(mine);
    const others = expectData(await w.t.api('GET', view(w.projectId, board.id), { token: w.editor.token }));
    expect(others).toMatchObject({ personal_config: null, effective_config: board.config });

    // Replaced whole on a second PUT; the shared config is untouched by either.
    expectData(await w.t.api('PUT', `${view(w.projectId, board.id)}/config`, { token: w.viewer.token, body: { config: { fields: ['title', 'status'] } } }));
    const again = expectData(await w.t.api('GET', view(w.projectId, board.id), { token: w.viewer.token }));
    expect(again.personal_config).toEqual({ fields: ['title', 'status'] });
    expect(again.effective_config).toEqual({ ...board.config, fields: ['title', 'status'] });
    expect(again.version).toBe(1);

    expectError(await w.t.api('PUT', `${view(w.projectId, board.id)}/config`, { token: w.viewer.token, body: { config: { sort_order: 'up' } } }), 422, 'VALIDATION_FAILED');
    expectError(await w.t.api('PUT', `${view(w.projectId, board.id)}/config`, { token: w.viewer.token, body: {} }), 422, 'VALIDATION_FAILED');

    expect((await w.t.api('DELETE', `${view(w.projectId, board.id)}/config`, { token: w.viewer.token })).status).toBe(204);
    expect(expectData(await w.t.api('GET', view(w.projectId, board.id), { token: w.viewer.token }))).toMatchObject({ personal_config: null, effective_config: board.config });
    expect((await w.t.api('DELETE', `${view(w.projectId, board.id)}/config`, { token: w.viewer.token })).status).toBe(204);
  });

  it('updates three-state with ETag and D4 versions: stale writes get 409 VIEW_VERSION_CONFLICT, unconditional ones win', async () => {
    const board = await createView({ name: 'Sprint board', view_type: 'board', config: { column_by: 'status' } });
    const read = await w.t.api('GET', view(w.projectId, board.id), { token: w.editor.token });
    expect(read.headers.etag).toBe('"1"');

    const renamed = await w.t.api('PATCH', view(w.projectId, board.id), { token: w.editor.token, body: { name: 'Delivery board', version: 1 } });
    expect(expectData(renamed)).toMatchObject({ name: 'Delivery board', version: 2, config: { column_by: 'status' } });
    expect(renamed.headers.etag).toBe('"2"');

    const stale = await w.t.api('PATCH', view(w.projectId, board.id), { token: w.editor.token, body: { name: 'Lost', version: 1 } });
    expectError(stale, 409, 'VIEW_VERSION_CONFLICT');
    expect(stale.json.error_details).toEqual({ current_version: 2 });
    expectError(await w.t.api('PATCH', view(w.projectId, board.id), { token: w.editor.token, headers: { 'if-match': '"1"' }, body: { name: 'Lost' } }), 409, 'VIEW_VERSION_CONFLICT');
    const viaHeader = expectData(await w.t.api('PATCH', view(w.projectId, board.id), { token: w.editor.token, headers: { 'if-match': '"2"' }, body: { config: { column_by: 'assignee' } } }));
    expect(viaHeader).toMatchObject({ name: 'Delivery board', version: 3, config: { column_by: 'assignee' } });
    const unconditional = expectData(await w.t.api('PATCH', view(w.projectId, board.id), { token: w.editor.token, body: { view_type: 'table' } }));
    expect(unconditional).toMatchObject({ view_type: 'table', version: 4 });

    // Nothing changes: no new version, no event.
    const eventsBefore = (await outbox('view.updated').whereRaw("payload->'view'->>'id' = ?", [board.id])).length;
    expect(expectData(await w.t.api('PATCH', view(w.projectId, board.id), { token: w.editor.token, body: { name: 'Delivery board' } })).version).toBe(4);
    const updates = await outbox('view.updated').whereRaw("payload->'view'->>'id' = ?", [board.id]).orderBy('id');
    expect(updates).toHaveLength(eventsBefore);
    expect(updates.map((e) => e.payload.view.version)).toEqual([2, 3, 4]);

    // Plugin fields follow the type: set together, cleared with null.
    expectError(await w.t.api('PATCH', view(w.projectId, board.id), { token: w.editor.token, body: { view_type: 'plugin' } }), 422, 'VIEW_TYPE_INVALID');
    const plugin = expectData(await w.t.api('PATCH', view(w.projectId, board.id), { token: w.editor.token, body: { view_type: 'plugin', plugin_id: 'dashboards', plugin_component: 'Chart' } }));
    expect(plugin).toMatchObject({ view_type: 'plugin', plugin_id: 'dashboards', plugin_component: 'Chart', version: 5 });
    expectError(await w.t.api('PATCH', view(w.projectId, board.id), { token: w.editor.token, body: { view_type: 'board' } }), 422, 'VIEW_TYPE_INVALID');
    expectError(await w.t.api('PATCH', view(w.projectId, board.id), { token: w.editor.token, body: { plugin_component: null } }), 422, 'VIEW_TYPE_INVALID');
    const back = expectData(await w.t.api('PATCH', view(w.projectId, board.id), { token: w.editor.token, body: { view_type: 'board', plugin_id: null, plugin_component: null } }));
    expect(back).toMatchObject({ view_type: 'board', plugin_id: null, plugin_component: null, version: 6 });

    for (const body of [{ name: null }, { name: '' }, { view_type: 'kanban' }, { config: null }, { version: 0 }, { view_context: 'timeline' }]) {
      expectError(await w.t.api('PATCH', view(w.projectId, board.id), { token: w.editor.token, body }), 422, 'VALIDATION_FAILED');
    }
    expect(expectData(await w.t.api('GET', view(w.projectId, board.id), { token: w.editor.token }))).toMatchObject({ name: 'Delivery board', version: 6 });
  });

  it('deletes a view with its positions and personal configs, but never the last of its context', async () => {
    const projectId = (await bareProject('Deletes')).id;
    const only = await createView({ name: 'Only', view_type: 'board', view_context: 'timeline' }, { projectId, token: w.t.adminToken });
    const keep = await createView({ name: 'Keep', view_type: 'board' }, { projectId, token: w.t.adminToken });
    const drop = await createView({ name: 'Drop', view_type: 'table' }, { projectId, token: w.t.adminToken });
    expectError(await w.t.api('DELETE', view(projectId, only.id), { token: w.t.adminToken }), 409, 'VIEW_IS_LAST_VIEW');

    const task = await createTask(w.t, projectId, { title: 'Card' });
    expectData(await w.t.api('PUT', `${view(projectId, drop.id)}/task-positions/${task.id}`, { token: w.t.adminToken, body: { group_key: 'todo' } }));
    expectData(await w.t.api('PUT', `${view(projectId, drop.id)}/config`, { token: w.t.adminToken, body: { config: { sort_by: 'title' } } }));

    expect((await w.t.api('DELETE', view(projectId, drop.id), { token: w.t.adminToken })).status).toBe(204);
    expectError(await w.t.api('GET', view(projectId, drop.id), { token: w.t.adminToken }), 404, 'VIEW_NOT_FOUND');
    const db = w.t.kernel.database.knex;
    expect(await db('plugin_tasks.task_positions').where({ view_id: drop.id })).toEqual([]);
    expect(await db('plugin_tasks.user_view_configs').where({ view_id: drop.id })).toEqual([]);
    const [deleted] = await outbox('view.deleted').where({ project_id: projectId });
    expect(deleted.payload).toEqual({ view_id: drop.id });

    expectError(await w.t.api('DELETE', view(projectId, keep.id), { token: w.t.adminToken }), 409, 'VIEW_IS_LAST_VIEW');
    expect((await listViews({}, { projectId, token: w.t.adminToken })).map((v) => v.id)).toEqual([keep.id]);
  });

  it.runIf(onPostgres)('lets only one of two concurrent deletes through when two views are left', async () => {
    const projectId = (await bareProject('Racing deletes')).id;
    const first = await createView({ name: 'First', view_type: 'board' }, { projectId, token: w.t.adminToken });
    const second = await createView({ name: 'Second', view_type: 'table' }, { projectId, token: w.t.adminToken });
    const [a, b] = await Promise.all([first, second].map((v) => w.t.api('DELETE', view(projectId, v.id), { token: w.t.adminToken })));
    expect([a!.status, b!.status].sort()).toEqual([204, 409]);
    expectError([a!, b!].find((r) => r.status === 409)!, 409, 'VIEW_IS_LAST_VIEW');
    expect(await listViews({}, { projectId, token: w.t.adminToken })).toHaveLength(1);
  });
});
