import { expectData, expectError } from '@paca/kernel/testing';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTask, startTasksWorld, type TasksWorld } from './tasks-world.fixture.js';

// A task's activity feed as a client reads it: everything that happened to the task, newest
// first, cursor-paged, readable by whoever may read the task.

let w: TasksWorld;
const activitiesUrl = (taskId: string, projectId = w.projectId) => `/projects/${projectId}/tasks/${taskId}/activities`;
const later = () => w.t.clock.advance(1_000);

beforeAll(async () => { w = await startTasksWorld(); });
afterAll(() => w?.t.close());

describe('GET /tasks/:id/activities', () => {
  it('lists the task’s changes, links and comments newest first, and nothing of other tasks', async () => {
    const task = await createTask(w.t, w.projectId, { title: 'Tracked' });
    const other = await createTask(w.t, w.projectId, { title: 'Elsewhere' });
    later();
    expectData(await w.t.api('PATCH', `/projects/${w.projectId}/tasks/${task.id}`, { token: w.editor.token, body: { title: 'Tracked well' } }));
    later();
    expectData(await w.t.api('POST', `/projects/${w.projectId}/tasks/${task.id}/links`, { token: w.editor.token, body: { target_task_id: other.id, link_type: 'blocks' } }), 201);
    later();
    const comment = expectData(await w.t.api('POST', `${activitiesUrl(task.id)}/comments`, { token: w.editor.token, body: { content: 'done' } }), 201);
    later();
    expectData(await w.t.api('POST', `${activitiesUrl(other.id)}/comments`, { token: w.editor.token, body: { content: 'not here' } }), 201);

    const feed = expectData(await w.t.api('GET', activitiesUrl(task.id), { token: w.viewer.token }));
    expect(feed.next_cursor).toBeNull();
    expect(feed.items.map((e: { activity_type: string }) => e.activity_type)).toEqual(['comment', 'task.link.added', 'task.updated', 'task.created']);
    expect(feed.items[0]).toEqual(comment);
    expect(feed.items[2]).toMatchObject({
      entity_type: 'task', entity_id: task.id, actor: { type: 'user', id: w.editor.id, username: w.editor.username },
      content: { changes: [{ field: 'title', old: 'Tracked', new: 'Tracked well' }] }, updated_at: null,
    });
  });

  it('pages with page_size and next_cursor without gaps or repeats', async () => {
    const task = await createTask(w.t, w.projectId, { title: 'Chatty' });
    const posted: string[] = [];
    for (let i = 0; i < 5; i++) {
      later();
      posted.push(expectData(await w.t.api('POST', `${activitiesUrl(task.id)}/comments`, { token: w.editor.token, body: { content: `#${i}` } }), 201).id);
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const query: Record<string, string> = { page_size: '2', ...(cursor ? { cursor } : {}) };
      const page = expectData(await w.t.api('GET', activitiesUrl(task.id), { token: w.editor.token, query }));
      expect(page.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.items.map((e: { id: string }) => e.id));
      cursor = page.next_cursor;
    } while (cursor);
    expect(seen).toHaveLength(6);
    expect(seen.slice(0, 5)).toEqual([...posted].reverse());

    const defaultPage = expectData(await w.t.api('GET', activitiesUrl(task.id), { token: w.editor.token }));
    expect(defaultPage.items).toHaveLength(6);
  });

  it('answers bad paging input with 422 and unknown or deleted tasks with 404', async () => {
    const task = await createTask(w.t, w.projectId, { title: 'Short-lived' });
    for (const query of [{ page_size: '0' }, { page_size: '201' }, { cursor: 'garbage' }, { limit: '5' }] as Array<Record<string, string>>) {
      expectError(await w.t.api('GET', activitiesUrl(task.id), { token: w.editor.token, query }), 422, 'VALIDATION_FAILED');
    }
    expect(await w.t.api('DELETE', `/projects/${w.projectId}/tasks/${task.id}`, { token: w.editor.token })).toMatchObject({ status: 204 });
    for (const id of [task.id, randomUUID(), 'PRJ-1']) {
      expectError(await w.t.api('GET', activitiesUrl(id), { token: w.editor.token }), 404, 'TASK_NOT_FOUND');
    }
    const elsewhere = await createTask(w.t, w.publicProjectId, { title: 'Other project' });
    expectError(await w.t.api('GET', activitiesUrl(elsewhere.id), { token: w.editor.token }), 404, 'TASK_NOT_FOUND');
  });

  it('is readable by Viewers and, on a public project, by anyone; not by outsiders or anonymous callers of a private one', async () => {
    const task = await createTask(w.t, w.projectId, { title: 'Private history' });
    expect(expectData(await w.t.api('GET', activitiesUrl(task.id), { token: w.viewer.token })).items).toHaveLength(1);
    expectError(await w.t.api('GET', activitiesUrl(task.id), { token: w.outsider.token }), 403, 'FORBIDDEN');
    expectError(await w.t.api('GET', activitiesUrl(task.id)), 401, 'AUTH_UNAUTHENTICATED');

    const open = await createTask(w.t, w.publicProjectId, { title: 'Public history' });
    const feed = expectData(await w.t.api('GET', activitiesUrl(open.id, w.publicProjectId)));
    expect(feed.items).toMatchObject([{ activity_type: 'task.created', entity_id: open.id }]);
    expect(expectData(await w.t.api('GET', activitiesUrl(open.id, w.publicProjectId), { token: w.outsider.token })).items).toHaveLength(1);
  });
});
