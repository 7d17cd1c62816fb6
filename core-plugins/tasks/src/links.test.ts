import { expectData, expectError } from '@paca/kernel/testing';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProject, startTasksWorld, type TasksWorld } from './tasks-world.fixture.js';

// Task links as a client sees them: directional types with inverse display names, one project only.

let w: TasksWorld;
const onPostgres = !!process.env.DATABASE_URL;
const links = (projectId: string, taskId: string) => `/projects/${projectId}/tasks/${taskId}/links`;

let taskNumber = 0;
/** A live task row (inserted directly so this suite does not depend on the task routes). */
async function seedTask(projectId: string, title: string, options: { deleted?: boolean } = {}) {
  const db = w.t.kernel.database.knex;
  const statusId = (await db('plugin_tasks.task_statuses').where({ project_id: projectId, is_default: true }).first('id')).id as string;
  const typeId = (await db('plugin_tasks.task_types').where({ project_id: projectId, is_default: true }).first('id')).id as string;
  const now = w.t.clock.now();
  const row = {
    id: randomUUID(), project_id: projectId, task_number: ++taskNumber, task_type_id: typeId, status_id: statusId, title,
    created_at: now, updated_at: now, deleted_at: options.deleted ? now : null,
  };
  await db('plugin_tasks.tasks').insert(row);
  return { id: row.id, task_number: row.task_number, status_id: statusId, title };
}

const outbox = (type: string, linkId: string) =>
  w.t.kernel.database.knex('events').where({ type }).whereRaw("payload->>'link_id' = ?", [linkId]);

beforeAll(async () => { w = await startTasksWorld(); });
afterAll(() => w?.t.close());

describe('task links', () => {
  it('links A blocks B: the source reads blocks, the target reads is_blocked_by, both with the other task’s summary', async () => {
    const a = await seedTask(w.projectId, 'Build the API');
    const b = await seedTask(w.projectId, 'Ship the UI');
    // An id in capitals names the same task.
    const link = expectData(await w.t.api('POST', links(w.projectId, a.id), { token: w.editor.token, body: { target_task_id: b.id.toUpperCase(), link_type: 'blocks' } }), 201);
    expect(link).toMatchObject({
      project_id: w.projectId, source_task_id: a.id, target_task_id: b.id, link_type: 'blocks', display_link_type: 'blocks', direction: 'outward',
      linked_task: { id: b.id, task_number: b.task_number, key: `${w.prefix}-${b.task_number}`, title: 'Ship the UI', status_id: b.status_id },
      created_by: { type: 'user', id: w.editor.id },
    });

    const fromA = expectData(await w.t.api('GET', links(w.projectId, a.id), { token: w.viewer.token }));
    expect(fromA).toEqual({ items: [link], next_cursor: null });
    const fromB = expectData(await w.t.api('GET', links(w.projectId, b.id), { token: w.viewer.token }));
    expect(fromB.items).toEqual([{
      ...link, display_link_type: 'is_blocked_by', direction: 'inward',
      linked_task: { id: a.id, task_number: a.task_number, key: `${w.prefix}-${a.task_number}`, title: 'Build the API', status_id: a.status_id },
    }]);

    const events = await outbox('task.link.added', link.id);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ project_id: w.projectId, actor_id: w.editor.id, payload: { link_id: link.id, task_id: a.id, target_task_id: b.id, link_type: 'blocks' } });
  });

  it('records the link in both tasks’ activity, each as that task reads it', async () => {
    const a = await seedTask(w.projectId, 'Source');
    const b = await seedTask(w.projectId, 'Target');
    const link = expectData(await w.t.api('POST', links(w.projectId, a.id), { token: w.editor.token, body: { target_task_id: b.id, link_type: 'duplicates' } }), 201);
    const entries = await w.t.kernel.database.knex('activities').where({ activity_type: 'task.link.added' }).whereRaw("content->>'link_id' = ?", [link.id]);
    const byTask = Object.fromEntries(entries.map((e: { entity_id: string; content: unknown }) => [e.entity_id, e.content]));
    expect(byTask).toEqual({
      [a.id]: { link_id: link.id, link_type: 'duplicates', target_task_id: b.id, target_key: `${w.prefix}-${b.task_number}` },
      [b.id]: { link_id: link.id, link_type: 'is_duplicated_by', target_task_id: a.id, target_key: `${w.prefix}-${a.task_number}` },
    });
    expect(entries.every((e: { entity_type: string; actor_id: string }) => e.entity_type === 'task' && e.actor_id === w.editor.id)).toBe(true);
  });

  it('refuses the same link twice (409 TASK_LINK_DUPLICATE); relates_to is symmetric, blocks is not', async () => {
    const a = await seedTask(w.projectId, 'A');
    const b = await seedTask(w.projectId, 'B');
    const post = (from: string, to: string, linkType: string) => {
      w.t.clock.advance(1_000);
      return w.t.api('POST', links(w.projectId, from), { token: w.editor.token, body: { target_task_id: to, link_type: linkType } });
    };
    expectData(await post(a.id, b.id, 'relates_to'), 201);
    expectError(await post(a.id, b.id, 'relates_to'), 409, 'TASK_LINK_DUPLICATE');
    expectError(await post(b.id, a.id, 'relates_to'), 409, 'TASK_LINK_DUPLICATE');

    expectData(await post(a.id, b.id, 'blocks'), 201);
    expectError(await post(a.id, b.id, 'blocks'), 409, 'TASK_LINK_DUPLICATE');
    expectData(await post(b.id, a.id, 'blocks'), 201);
    expectData(await post(a.id, b.id, 'duplicates'), 201);
    expectError(await post(a.id, b.id, 'duplicates'), 409, 'TASK_LINK_DUPLICATE');

    const listed = expectData(await w.t.api('GET', links(w.projectId, a.id), { token: w.editor.token }));
    expect(listed.items.map((l: { display_link_type: string }) => l.display_link_type)).toEqual(['relates_to', 'blocks', 'is_blocked_by', 'duplicates']);
  });

  it.runIf(onPostgres)('lets only one of two concurrent opposite relates_to links through', async () => {
    for (let round = 0; round < 5; round++) {
      const a = await seedTask(w.projectId, `Race A${round}`);
      const b = await seedTask(w.projectId, `Race B${round}`);
      const responses = await Promise.all([[a, b], [b, a]].map(([from, to]) =>
        w.t.api('POST', links(w.projectId, from!.id), { token: w.editor.token, body: { target_task_id: to!.id, link_type: 'relates_to' } })));
      expect(responses.map((r) => r.status).sort()).toEqual([201, 409]);
      expect(await w.t.kernel.database.knex('plugin_tasks.task_links').whereIn('source_task_id', [a.id, b.id])).toHaveLength(1);
    }
  });

  it('answers self, cross-project, unknown and deleted targets with their codes and stores nothing', async () => {
    const a = await seedTask(w.projectId, 'Lonely');
    const deleted = await seedTask(w.projectId, 'Gone', { deleted: true });
    const other = await createProject(w.t, `Other ${randomUUID().slice(0, 6)}`);
    const elsewhere = await seedTask(other.id, 'Elsewhere');
    const post = (body: unknown, taskId: string = a.id) => w.t.api('POST', links(w.projectId, taskId), { token: w.editor.token, body });

    expectError(await post({ target_task_id: a.id, link_type: 'blocks' }), 422, 'TASK_LINK_SELF');
    expectError(await post({ target_task_id: a.id.toUpperCase(), link_type: 'blocks' }), 422, 'TASK_LINK_SELF');
    // The editor cannot read the other project: for them its task does not exist; the admin, who can, is told why.
    expectError(await post({ target_task_id: elsewhere.id, link_type: 'blocks' }), 404, 'TASK_NOT_FOUND');
    expectError(await w.t.api('POST', links(w.projectId, a.id), { token: w.admin.token, body: { target_task_id: elsewhere.id, link_type: 'blocks' } }),
      422, 'TASK_LINK_CROSS_PROJECT');
    expectError(await post({ target_task_id: randomUUID(), link_type: 'blocks' }), 404, 'TASK_NOT_FOUND');
    expectError(await post({ target_task_id: deleted.id, link_type: 'blocks' }), 404, 'TASK_NOT_FOUND');
    expectError(await post({ target_task_id: a.id, link_type: 'blocks' }, deleted.id), 404, 'TASK_NOT_FOUND');
    expectError(await post({ target_task_id: a.id, link_type: 'blocks' }, elsewhere.id), 404, 'TASK_NOT_FOUND');
    expectError(await post({ target_task_id: deleted.id, link_type: 'depends_on' }), 422, 'VALIDATION_FAILED');
    expectError(await post({ target_task_id: 'PRJ-1', link_type: 'blocks' }), 422, 'VALIDATION_FAILED');
    expectError(await post({ target_task_id: `urn:uuid:${randomUUID()}`, link_type: 'blocks' }), 422, 'VALIDATION_FAILED');
    expectError(await post({ target_task_id: a.id, link_type: 'blocks' }, 'PRJ-1'), 404, 'TASK_NOT_FOUND');
    expectError(await post({ target_task_id: deleted.id }), 422, 'VALIDATION_FAILED');
    expectError(await w.t.api('GET', links(w.projectId, 'not-a-uuid'), { token: w.editor.token }), 404, 'TASK_NOT_FOUND');

    const stored = await w.t.kernel.database.knex('plugin_tasks.task_links').where({ source_task_id: a.id }).orWhere({ target_task_id: a.id });
    expect(stored).toEqual([]);
  });

  it('leaves links to deleted tasks out of the list', async () => {
    const a = await seedTask(w.projectId, 'Stays');
    const b = await seedTask(w.projectId, 'Will be deleted');
    const c = await seedTask(w.projectId, 'Stays too');
    expectData(await w.t.api('POST', links(w.projectId, a.id), { token: w.editor.token, body: { target_task_id: b.id, link_type: 'relates_to' } }), 201);
    expectData(await w.t.api('POST', links(w.projectId, c.id), { token: w.editor.token, body: { target_task_id: a.id, link_type: 'relates_to' } }), 201);
    await w.t.kernel.database.knex('plugin_tasks.tasks').where({ id: b.id }).update({ deleted_at: w.t.clock.now() });
    const listed = expectData(await w.t.api('GET', links(w.projectId, a.id), { token: w.editor.token }));
    expect(listed.items.map((l: { linked_task: { id: string } }) => l.linked_task.id)).toEqual([c.id]);
  });

  it('pages the list with next_cursor, oldest first', async () => {
    const hub = await seedTask(w.projectId, 'Hub');
    const spokes = [];
    for (const title of ['one', 'two', 'three']) {
      const spoke = await seedTask(w.projectId, title);
      w.t.clock.advance(1_000);
      expectData(await w.t.api('POST', links(w.projectId, hub.id), { token: w.editor.token, body: { target_task_id: spoke.id, link_type: 'relates_to' } }), 201);
      spokes.push(spoke.id);
    }
    const first = expectData(await w.t.api('GET', links(w.projectId, hub.id), { token: w.editor.token, query: { page_size: '2' } }));
    expect(first.items.map((l: { linked_task: { id: string } }) => l.linked_task.id)).toEqual(spokes.slice(0, 2));
    const second = expectData(await w.t.api('GET', links(w.projectId, hub.id), { token: w.editor.token, query: { page_size: '2', cursor: first.next_cursor } }));
    expect(second).toMatchObject({ next_cursor: null });
    expect(second.items.map((l: { linked_task: { id: string } }) => l.linked_task.id)).toEqual(spokes.slice(2));
    expectError(await w.t.api('GET', links(w.projectId, hub.id), { token: w.editor.token, query: { cursor: 'garbage' } }), 422, 'VALIDATION_FAILED');
  });

  it('removes a link from either end, once, with an event and activity on both tasks', async () => {
    const a = await seedTask(w.projectId, 'Blocker');
    const b = await seedTask(w.projectId, 'Blocked');
    const c = await seedTask(w.projectId, 'Bystander');
    const link = expectData(await w.t.api('POST', links(w.projectId, a.id), { token: w.editor.token, body: { target_task_id: b.id, link_type: 'blocks' } }), 201);

    expectError(await w.t.api('DELETE', `${links(w.projectId, c.id)}/${link.id}`, { token: w.editor.token }), 404, 'TASK_LINK_NOT_FOUND');
    expectError(await w.t.api('DELETE', `${links(w.projectId, a.id)}/not-a-link`, { token: w.editor.token }), 404, 'TASK_LINK_NOT_FOUND');
    expect(await w.t.api('DELETE', `${links(w.projectId, b.id)}/${link.id}`, { token: w.editor.token })).toMatchObject({ status: 204 });
    expectError(await w.t.api('DELETE', `${links(w.projectId, a.id)}/${link.id}`, { token: w.editor.token }), 404, 'TASK_LINK_NOT_FOUND');

    expect(expectData(await w.t.api('GET', links(w.projectId, a.id), { token: w.editor.token })).items).toEqual([]);
    const events = await outbox('task.link.removed', link.id);
    expect(events).toHaveLength(1);
    expect(events[0].payload).toEqual({ link_id: link.id, task_id: a.id, target_task_id: b.id, link_type: 'blocks' });
    const removed = await w.t.kernel.database.knex('activities').where({ activity_type: 'task.link.removed' }).whereRaw("content->>'link_id' = ?", [link.id]);
    expect(Object.fromEntries(removed.map((e: { entity_id: string; content: { link_type: string } }) => [e.entity_id, e.content.link_type])))
      .toEqual({ [a.id]: 'blocks', [b.id]: 'is_blocked_by' });
  });

  it('lets a Viewer read but not write, hides private links from outsiders and anonymous callers', async () => {
    const a = await seedTask(w.projectId, 'Guarded');
    const b = await seedTask(w.projectId, 'Also guarded');
    const link = expectData(await w.t.api('POST', links(w.projectId, a.id), { token: w.admin.token, body: { target_task_id: b.id, link_type: 'relates_to' } }), 201);
    const body = { target_task_id: b.id, link_type: 'blocks' };

    expectData(await w.t.api('GET', links(w.projectId, a.id), { token: w.viewer.token }));
    expectError(await w.t.api('POST', links(w.projectId, a.id), { token: w.viewer.token, body }), 403, 'FORBIDDEN');
    expectError(await w.t.api('DELETE', `${links(w.projectId, a.id)}/${link.id}`, { token: w.viewer.token }), 403, 'FORBIDDEN');
    expectError(await w.t.api('GET', links(w.projectId, a.id), { token: w.outsider.token }), 403, 'FORBIDDEN');
    expectError(await w.t.api('POST', links(w.projectId, a.id), { token: w.outsider.token, body }), 403, 'FORBIDDEN');
    expectError(await w.t.api('GET', links(w.projectId, a.id)), 401, 'AUTH_UNAUTHENTICATED');
    expectError(await w.t.api('POST', links(w.projectId, a.id), { body }), 401, 'AUTH_UNAUTHENTICATED');

    const stored = await w.t.kernel.database.knex('plugin_tasks.task_links').where({ source_task_id: a.id });
    expect(stored.map((l: { id: string }) => l.id)).toEqual([link.id]);
  });

  it('hides links to tasks the caller may not read (D15) and refuses to link to them', async () => {
    const project = await createProject(w.t, `Scoped ${randomUUID().slice(0, 6)}`);
    const open = await seedTask(project.id, 'Open');
    const hidden = await seedTask(project.id, 'Hidden');
    const visible = await seedTask(project.id, 'Visible');
    for (const target of [hidden, visible]) {
      expectData(await w.t.api('POST', links(project.id, open.id), { token: w.admin.token, body: { target_task_id: target.id, link_type: 'relates_to' } }), 201);
    }
    const deny = expectData(await w.t.api('POST', `/projects/${project.id}/roles`, {
      token: w.admin.token,
      body: { name: 'No hidden task', policy: { version: '2026-10-01', statements: [{ effect: 'Deny', actions: ['tasks:read'], resources: [`project/${project.id}/task/${hidden.id}`] }] } },
    }), 201);
    const roles = expectData(await w.t.api('GET', `/projects/${project.id}/roles`, { token: w.admin.token }));
    const editorRole = roles.items.find((r: { name: string }) => r.name === 'Editor');
    const member = await w.t.createUser();
    expectData(await w.t.api('POST', `/projects/${project.id}/members`, { token: w.admin.token, body: { user_id: member.id, role_ids: [editorRole.id, deny.id] } }), 201);

    const seen = expectData(await w.t.api('GET', links(project.id, open.id), { token: member.token }));
    expect(seen.items.map((l: { linked_task: { id: string } }) => l.linked_task.id)).toEqual([visible.id]);
    expectError(await w.t.api('POST', links(project.id, visible.id), { token: member.token, body: { target_task_id: hidden.id, link_type: 'blocks' } }), 404, 'TASK_NOT_FOUND');
  });

  it('lets anyone read the links of a public project’s task, but not write them', async () => {
    const a = await seedTask(w.publicProjectId, 'Open');
    const b = await seedTask(w.publicProjectId, 'Source');
    expectData(await w.t.api('POST', links(w.publicProjectId, a.id), { token: w.admin.token, body: { target_task_id: b.id, link_type: 'blocks' } }), 201);
    const listed = expectData(await w.t.api('GET', links(w.publicProjectId, a.id)));
    expect(listed.items).toMatchObject([{ link_type: 'blocks', linked_task: { id: b.id, title: 'Source' } }]);
    expectError(await w.t.api('POST', links(w.publicProjectId, b.id), { body: { target_task_id: a.id, link_type: 'relates_to' } }), 401, 'AUTH_UNAUTHENTICATED');
    expectError(await w.t.api('POST', links(w.publicProjectId, b.id), { token: w.outsider.token, body: { target_task_id: a.id, link_type: 'relates_to' } }), 403, 'FORBIDDEN');
  });
});
