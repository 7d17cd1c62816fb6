import { expectData, expectError } from '@paca/kernel/testing';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addMember, createProject, createTask, startTasksWorld, type TasksWorld } from '../tasks-world.fixture.js';

// Reading tasks in bulk: the filtered, searched and paged project list, the cross-project
// "assigned to me" list and the agent's task context.

let w: TasksWorld;
const db = () => w.t.kernel.database.knex;
const list = async (projectId: string, query: string, token = w.admin.token) =>
  expectData(await w.t.api('GET', `/projects/${projectId}/tasks?${query}`, { token }));
const titles = (page: { items: Array<{ title: string }> }) => page.items.map((t) => t.title);
const unique = (name: string) => `${name} ${randomUUID().slice(0, 6)}`;

async function statusesOf(projectId: string) {
  const rows = (await db()('plugin_tasks.task_statuses').where({ project_id: projectId })) as Array<{ id: string; category: string }>;
  return Object.fromEntries(rows.map((s) => [s.category, s.id])) as Record<string, string>;
}
async function typesOf(projectId: string) {
  const rows = (await db()('plugin_tasks.task_types').where({ project_id: projectId })) as Array<{ id: string; name: string }>;
  return Object.fromEntries(rows.map((s) => [s.name, s.id])) as Record<string, string>;
}

beforeAll(async () => { w = await startTasksWorld(); });
afterAll(() => w?.t.close());

describe('GET /tasks', () => {
  it('pages by task number with next_cursor until the last page', async () => {
    const project = await createProject(w.t, unique('Paging'));
    for (const title of ['one', 'two', 'three', 'four', 'five']) await createTask(w.t, project.id, { title });
    const first = await list(project.id, 'page_size=2');
    expect(titles(first)).toEqual(['one', 'two']);
    const second = await list(project.id, `page_size=2&cursor=${first.next_cursor}`);
    expect(titles(second)).toEqual(['three', 'four']);
    const third = await list(project.id, `page_size=2&cursor=${second.next_cursor}`);
    expect(titles(third)).toEqual(['five']);
    expect(third.next_cursor).toBeNull();
    expect(titles(await list(project.id, ''))).toEqual(['one', 'two', 'three', 'four', 'five']);

    const bad = (query: string) => w.t.api('GET', `/projects/${project.id}/tasks?${query}`, { token: w.admin.token });
    expectError(await bad('cursor=nonsense'), 422, 'VALIDATION_FAILED');
    expectError(await bad('page_size=201'), 422, 'VALIDATION_FAILED');
    expectError(await bad('sprint_id=soon'), 422, 'VALIDATION_FAILED');
    expectError(await bad('status_id=nope'), 422, 'VALIDATION_FAILED');
    expectError(await bad('colour=red'), 422, 'VALIDATION_FAILED');
  });

  it('filters by status, assignee, type, parent, sprint and system types, in SQL', async () => {
    const project = await createProject(w.t, unique('Filters'));
    const statuses = await statusesOf(project.id);
    const types = await typesOf(project.id);
    const member = await addMember(w.t, project.id, w.editor, 'Editor');
    const epic = await createTask(w.t, project.id, { title: 'epic', task_type_id: types.Epic });
    await createTask(w.t, project.id, { title: 'doing', status_id: statuses.inprogress, assignee_ids: [member], parent_task_id: epic.id });
    await createTask(w.t, project.id, { title: 'done', status_id: statuses.done, parent_task_id: epic.id });
    const todo = await createTask(w.t, project.id, { title: 'todo', status_id: statuses.todo, assignee_ids: [member] });
    await createTask(w.t, project.id, { title: 'sub', task_type_id: types.Subtask, parent_task_id: todo.id });

    expect(titles(await list(project.id, `status_id=${statuses.done}`))).toEqual(['done']);
    expect(titles(await list(project.id, `status_ids=${statuses.done}&status_ids=${statuses.todo}`))).toEqual(['done', 'todo']);
    expect(titles(await list(project.id, `status_id=${statuses.done}&status_ids=${statuses.inprogress}`))).toEqual(['doing', 'done']);
    expect(titles(await list(project.id, `assignee_id=${member}`))).toEqual(['doing', 'todo']);
    expect(titles(await list(project.id, `assignee_ids=${randomUUID()}`))).toEqual([]);
    expect(titles(await list(project.id, `task_type_ids=${types.Epic}&task_type_ids=${types.Subtask}`))).toEqual(['epic', 'sub']);
    expect(titles(await list(project.id, `parent_task_id=${epic.id}`))).toEqual(['doing', 'done']);
    expect(titles(await list(project.id, 'exclude_system_types=true'))).toEqual(['doing', 'done', 'todo']);
    expect(titles(await list(project.id, 'sprint_id=null'))).toHaveLength(5);
    expect(titles(await list(project.id, `sprint_id=${randomUUID()}`))).toEqual([]);
    expect(titles(await list(project.id, `sprint_ids=${randomUUID()}`))).toEqual([]);
    expect(titles(await list(project.id, `status_id=${statuses.done}&assignee_id=${member}`))).toEqual([]);
  });

  it('searches titles case-insensitively, numbers as 12, #12 or PREFIX-12, and descriptions on request', async () => {
    const project = await createProject(w.t, unique('Search'));
    const login = await createTask(w.t, project.id, { title: 'Fix the LOGIN page', description: 'cookies expire' });
    await createTask(w.t, project.id, { title: 'Logout button' });
    await createTask(w.t, project.id, { title: 'Reach 50% coverage' });
    await createTask(w.t, project.id, { title: 'Ship it', description: 'after the login fix' });
    expect(titles(await list(project.id, 'search=login'))).toEqual(['Fix the LOGIN page']);
    expect(titles(await list(project.id, 'search=log'))).toEqual(['Fix the LOGIN page', 'Logout button']);
    expect(titles(await list(project.id, 'search=login&search_content=true'))).toEqual(['Fix the LOGIN page', 'Ship it']);
    expect(titles(await list(project.id, 'search=cookies'))).toEqual([]);
    expect(titles(await list(project.id, `search=${login.task_number}`))).toEqual(['Fix the LOGIN page']);
    expect(titles(await list(project.id, `search=%23${login.task_number}`))).toEqual(['Fix the LOGIN page']);
    expect(titles(await list(project.id, `search=${project.task_id_prefix.toLowerCase()}-${login.task_number}`))).toEqual(['Fix the LOGIN page']);
    // LIKE wildcards are text: `%` matches only a literal percent sign.
    expect(titles(await list(project.id, 'search=0%25'))).toEqual(['Reach 50% coverage']);
    expect(titles(await list(project.id, 'search=_'))).toEqual([]);
  });

  it('adds view_position and view_group_key for a view of the project, 404 for another project’s view', async () => {
    const project = await createProject(w.t, unique('Views'));
    const a = await createTask(w.t, project.id, { title: 'placed' });
    await createTask(w.t, project.id, { title: 'unplaced' });
    const now = w.t.clock.now();
    const viewId = randomUUID();
    await db()('plugin_tasks.views').insert({
      id: viewId, project_id: project.id, name: 'Board', view_type: 'board', view_context: 'backlog', position: 99, created_at: now, updated_at: now,
    });
    await db()('plugin_tasks.task_positions').insert({ view_id: viewId, task_id: a.id, project_id: project.id, group_key: 'todo', position: 'a0', updated_at: now });
    const page = await list(project.id, `view_id=${viewId}`);
    expect(page.items.map((t: Record<string, unknown>) => [t.title, t.view_position, t.view_group_key])).toEqual([['placed', 'a0', 'todo'], ['unplaced', null, null]]);
    expect(page.items[0]).toMatchObject({ ...a, view_position: 'a0' });
    expectError(await w.t.api('GET', `/projects/${w.projectId}/tasks?view_id=${viewId}`, { token: w.admin.token }), 404, 'VIEW_NOT_FOUND');
    expectError(await w.t.api('GET', `/projects/${project.id}/tasks?view_id=${randomUUID()}`, { token: w.admin.token }), 404, 'VIEW_NOT_FOUND');
  });

  it('applies entity-level denies (D15) to the list, the task, its number and the context’s subtasks', async () => {
    const project = await createProject(w.t, unique('Scoped'));
    const open = await createTask(w.t, project.id, { title: 'open' });
    const hidden = await createTask(w.t, project.id, { title: 'hidden', parent_task_id: open.id });
    const role = expectData(await w.t.api('POST', `/projects/${project.id}/roles`, {
      token: w.admin.token,
      body: { name: 'No hidden task', policy: { version: '2026-10-01', statements: [{ effect: 'Deny', actions: ['tasks:read'], resources: [`project/${project.id}/task/${hidden.id}`] }] } },
    }), 201);
    const reader = await w.t.createUser();
    const roles = expectData(await w.t.api('GET', `/projects/${project.id}/roles`, { token: w.admin.token }));
    const viewerRole = roles.items.find((r: { name: string }) => r.name === 'Viewer');
    expectData(await w.t.api('POST', `/projects/${project.id}/members`, { token: w.admin.token, body: { user_id: reader.id, role_ids: [viewerRole.id, role.id] } }), 201);
    expect(titles(await list(project.id, '', reader.token))).toEqual(['open']);
    expect(titles(await list(project.id, 'search=hidden', reader.token))).toEqual([]);
    expectError(await w.t.api('GET', `/projects/${project.id}/tasks/${hidden.id}`, { token: reader.token }), 403, 'FORBIDDEN');
    expectError(await w.t.api('GET', `/projects/${project.id}/tasks/by-number/${hidden.task_number}`, { token: reader.token }), 404, 'TASK_NOT_FOUND');
    expect(expectData(await w.t.api('GET', `/projects/${project.id}/tasks/by-number/${open.task_number}`, { token: reader.token })).id).toBe(open.id);
    const context = (token: string) => w.t.api('GET', `/projects/${project.id}/tasks/${open.id}/context`, { token });
    expect(expectData(await context(reader.token)).subtasks).toEqual([]);
    expect(expectData(await context(w.admin.token)).subtasks).toEqual([hidden]);
  });

  it('keeps a denied task (D15) out of /users/me/tasks, links, activities, context and new parents, whatever the policy names', async () => {
    const project = await createProject(w.t, unique('Denied'));
    const open = await createTask(w.t, project.id, { title: 'open' });
    const hidden = await createTask(w.t, project.id, { title: 'hidden' });
    expectData(await w.t.api('POST', `/projects/${project.id}/tasks/${open.id}/links`, { token: w.admin.token, body: { target_task_id: hidden.id, link_type: 'blocks' } }), 201);
    // Policies may name entities by any text; a name that is not a task id must not break the lists.
    const role = expectData(await w.t.api('POST', `/projects/${project.id}/roles`, {
      token: w.admin.token,
      body: { name: 'No hidden task', policy: { version: '2026-10-01', statements: [
        { effect: 'Deny', actions: ['tasks:read'], resources: [`project/${project.id}/task/${hidden.id}`, `project/${project.id}/task/${project.task_id_prefix}-99`] },
      ] } },
    }), 201);
    const member = await w.t.createUser();
    const roles = expectData(await w.t.api('GET', `/projects/${project.id}/roles`, { token: w.admin.token }));
    const editorRole = roles.items.find((r: { name: string }) => r.name === 'Editor');
    const { id: memberId } = expectData(await w.t.api('POST', `/projects/${project.id}/members`, {
      token: w.admin.token, body: { user_id: member.id, role_ids: [editorRole.id, role.id] },
    }), 201);
    for (const task of [open, hidden]) {
      w.t.clock.advance(1_000);
      expectData(await w.t.api('PATCH', `/projects/${project.id}/tasks/${task.id}`, { token: w.admin.token, body: { assignee_ids: [memberId] } }));
    }

    expect(titles(expectData(await w.t.api('GET', '/users/me/tasks', { token: member.token })))).toEqual(['open']);
    // The hidden task is the newest: a page of one skips it and still ends on the visible one.
    const firstPage = expectData(await w.t.api('GET', '/users/me/tasks', { token: member.token, query: { page_size: '1' } }));
    expect(titles(firstPage)).toEqual(['open']);
    expect(expectData(await w.t.api('GET', `/projects/${project.id}/tasks/${open.id}/links`, { token: member.token })).items).toEqual([]);
    const context = expectData(await w.t.api('GET', `/projects/${project.id}/tasks/${open.id}/context`, { token: member.token }));
    expect(context.links).toEqual([]);
    const feed = expectData(await w.t.api('GET', `/projects/${project.id}/tasks/${open.id}/activities`, { token: member.token }));
    for (const activities of [context.activities, feed.items]) {
      expect(activities.map((a: { activity_type: string }) => a.activity_type)).toEqual(['task.updated', 'task.created']);
    }
    expect(expectData(await w.t.api('GET', `/projects/${project.id}/tasks/${open.id}/activities`, { token: w.admin.token })).items).toHaveLength(3);

    const refused = await w.t.api('PATCH', `/projects/${project.id}/tasks/${open.id}`, { token: member.token, body: { parent_task_id: hidden.id } });
    expectError(refused, 422, 'TASK_PARENT_INVALID');
    expect(refused.json.error_details.reason).toMatch(/not a task/);
    expectError(await w.t.api('POST', `/projects/${project.id}/tasks`, { token: member.token, body: { title: 'child', parent_task_id: hidden.id } }), 422, 'TASK_PARENT_INVALID');
    expect(expectData(await w.t.api('GET', `/projects/${project.id}/tasks/${open.id}`, { token: w.admin.token })).parent_task_id).toBeNull();
    // Someone who may read it can still nest under it.
    expect(expectData(await w.t.api('PATCH', `/projects/${project.id}/tasks/${open.id}`, { token: w.admin.token, body: { parent_task_id: hidden.id } })).parent_task_id).toBe(hidden.id);
  });

  it('is readable anonymously on a public project only', async () => {
    await createTask(w.t, w.publicProjectId, { title: 'public work' });
    expect(titles(await list(w.publicProjectId, 'search=public work', undefined as unknown as string))).toEqual(['public work']);
    expectError(await w.t.api('GET', `/projects/${w.projectId}/tasks`), 401, 'AUTH_UNAUTHENTICATED');
    expectError(await w.t.api('GET', `/projects/${w.projectId}/tasks`, { token: w.outsider.token }), 403, 'FORBIDDEN');
  });
});

describe('GET /users/me/tasks', () => {
  it('lists my open tasks across projects, most recently updated first, done ones on request', async () => {
    const me = await w.t.createUser();
    const first = await createProject(w.t, unique('Mine A'));
    const second = await createProject(w.t, unique('Mine B'));
    const memberA = await addMember(w.t, first.id, me, 'Editor');
    const memberB = await addMember(w.t, second.id, me, 'Viewer');
    const doneA = (await statusesOf(first.id)).done;
    w.t.clock.advance(1_000);
    const a1 = await createTask(w.t, first.id, { title: 'a1', assignee_ids: [memberA] });
    w.t.clock.advance(1_000);
    await createTask(w.t, first.id, { title: 'not mine' });
    w.t.clock.advance(1_000);
    const b1 = await createTask(w.t, second.id, { title: 'b1', assignee_ids: [memberB] });
    w.t.clock.advance(1_000);
    await createTask(w.t, first.id, { title: 'finished', status_id: doneA, assignee_ids: [memberA] });
    w.t.clock.advance(1_000);
    const deleted = await createTask(w.t, second.id, { title: 'deleted', assignee_ids: [memberB] });
    expectData(await w.t.api('DELETE', `/projects/${second.id}/tasks/${deleted.id}`, { token: w.admin.token }), 204);

    const mine = expectData(await w.t.api('GET', '/users/me/tasks', { token: me.token }));
    expect(titles(mine)).toEqual(['b1', 'a1']);
    expect(mine.items[0]).toEqual(b1);
    expect(mine.items[1]).toMatchObject({ project_id: first.id, key: `${first.task_id_prefix}-${a1.task_number}` });

    // Touching a1 brings it to the top.
    w.t.clock.advance(1_000);
    expectData(await w.t.api('PATCH', `/projects/${first.id}/tasks/${a1.id}`, { token: me.token, body: { importance: 5 } }));
    const page1 = expectData(await w.t.api('GET', '/users/me/tasks', { token: me.token, query: { include_done: 'true', page_size: '2' } }));
    expect(titles(page1)).toEqual(['a1', 'finished']);
    const page2 = expectData(await w.t.api('GET', '/users/me/tasks', { token: me.token, query: { include_done: 'true', page_size: '2', cursor: page1.next_cursor } }));
    expect(titles(page2)).toEqual(['b1']);
    expect(page2.next_cursor).toBeNull();

    expect(expectData(await w.t.api('GET', '/users/me/tasks', { token: w.outsider.token }))).toEqual({ items: [], next_cursor: null });
    expectError(await w.t.api('GET', '/users/me/tasks'), 401, 'AUTH_UNAUTHENTICATED');
    expectError(await w.t.api('GET', '/users/me/tasks', { token: me.token, query: { cursor: 'bogus' } }), 422, 'VALIDATION_FAILED');
  });
});

describe('GET /tasks/:id/context', () => {
  it('returns the task with its project, workflow, people, family, links, files, activity and sprint', async () => {
    const epic = await createTask(w.t, w.projectId, { title: 'Context epic', task_type_id: w.types.epic });
    const task = await createTask(w.t, w.projectId, { title: 'Context task', parent_task_id: epic.id, assignee_ids: [w.editor.memberId] });
    const sub = await createTask(w.t, w.projectId, { title: 'Context sub', task_type_id: w.types.subtask, parent_task_id: task.id });
    const other = await createTask(w.t, w.projectId, { title: 'Blocker' });
    const now = w.t.clock.now();
    await db()('plugin_tasks.task_links').insert({ id: randomUUID(), project_id: w.projectId, source_task_id: other.id, target_task_id: task.id, link_type: 'blocks', created_at: now });
    for (const [status, name] of [['uploaded', 'spec.pdf'], ['pending', 'half.bin']]) {
      await db()('plugin_tasks.attachments').insert({
        id: randomUUID(), project_id: w.projectId, task_id: task.id, storage_key: `k/${randomUUID()}`, file_name: name, content_type: 'application/pdf',
        file_size: 10, upload_status: status, created_at: now,
      });
    }

    const context = expectData(await w.t.api('GET', `/projects/${w.projectId}/tasks/${task.id}/context`, { token: w.viewer.token }));
    expect(context.task).toEqual(task);
    expect(context.project).toEqual({ id: w.projectId, name: expect.any(String), task_id_prefix: w.prefix });
    expect(context.status).toMatchObject({ id: w.statuses.backlog, category: 'backlog' });
    expect(context.type).toMatchObject({ id: w.types.task, name: 'Task' });
    expect(context.statuses.map((s: { category: string }) => s.category)).toEqual(['backlog', 'refinement', 'ready', 'todo', 'inprogress', 'done']);
    expect(context.types.map((t: { name: string }) => t.name)).toEqual(['Task', 'Epic', 'Subtask']);
    expect(context.members.map((m: { id: string }) => m.id)).toEqual(expect.arrayContaining([w.admin.memberId, w.editor.memberId, w.viewer.memberId]));
    expect(context.parent).toEqual(epic);
    expect(context.subtasks).toEqual([sub]);
    expect(context.links).toEqual([expect.objectContaining({ display_link_type: 'is_blocked_by', linked_task: expect.objectContaining({ id: other.id, title: 'Blocker' }) })]);
    expect(context.attachments.map((a: { file_name: string }) => a.file_name)).toEqual(['spec.pdf']);
    expect(context.activities.map((a: { activity_type: string }) => a.activity_type)).toEqual(['task.created']);
    expect(context.custom_field_definitions).toEqual([]);
    expect(context.sprint).toBeNull();

    expectError(await w.t.api('GET', `/projects/${w.projectId}/tasks/${randomUUID()}/context`, { token: w.viewer.token }), 404, 'TASK_NOT_FOUND');
    expectError(await w.t.api('GET', `/projects/${w.projectId}/tasks/${task.id}/context`, { token: w.outsider.token }), 403, 'FORBIDDEN');
  });
});
