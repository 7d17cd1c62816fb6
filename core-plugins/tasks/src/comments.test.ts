import { expectData, expectError } from '@paca/kernel/testing';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mentionedHandles } from '@paca/plugin-sdk';
import { createTask, startTasksWorld, type TasksWorld } from './tasks-world.fixture.js';

// Comments on a task as a client sees them: Markdown entries of the activity feed, edited and
// deleted by their author only, with @mentions that notify people and trigger agents.

let w: TasksWorld;
let adminUsername: string;
const db = () => w.t.kernel.database.knex;
const commentsUrl = (taskId: string, projectId = w.projectId) => `/projects/${projectId}/tasks/${taskId}/activities/comments`;
const activitiesUrl = (taskId: string, projectId = w.projectId) => `/projects/${projectId}/tasks/${taskId}/activities`;

function comment(taskId: string, content: string, token = w.editor.token) {
  w.t.clock.advance(1_000);
  return w.t.api('POST', commentsUrl(taskId), { token, body: { content } });
}
function edit(taskId: string, commentId: string, content: string, token = w.editor.token) {
  w.t.clock.advance(1_000);
  return w.t.api('PATCH', `${commentsUrl(taskId)}/${commentId}`, { token, body: { content } });
}
const eventOf = (type: string, commentId: string) =>
  db()('events').where({ type }).whereRaw("payload->>'comment_id' = ?", [commentId]).orderBy('id');
/** The mention notifications a user sees through the API for this comment. */
async function mentionsSeenBy(token: string, commentId: string) {
  const page = expectData(await w.t.api('GET', '/users/me/notifications', { token, query: { page_size: '200' } }));
  return page.items.filter((n: { type: string; data: { comment_id?: string } }) => n.type === 'task.mentioned' && n.data.comment_id === commentId);
}

beforeAll(async () => {
  w = await startTasksWorld();
  adminUsername = expectData(await w.t.api('GET', '/users/me', { token: w.admin.token })).username;
});
afterAll(() => w?.t.close());

describe('mentionedHandles', () => {
  it('finds @handles in prose, case-insensitively, once each', () => {
    expect(mentionedHandles('@Alice and @bob_1, then @alice again')).toEqual([['alice'], ['bob_1']]);
    expect(mentionedHandles('(@carol) — **@dave**: [@erin](https://x.test) > @frank_')).toEqual([['carol'], ['dave'], ['erin'], ['frank_']]);
  });

  it('leaves out code spans, fenced code blocks, emails and URL paths', () => {
    const markdown = [
      'Ping `@incode` and ``@double `tick` inner``, but @real.',
      '```ts',
      'const x = "@fenced";',
      '```',
      '~~~~',
      '@tilde',
      '~~~',
      'still fenced @tilde2',
      '~~~~',
      'mail bob@example.com or <mailto:jo@example.org>, see https://medium.test/@writer',
      'not a fence: ```@inline```, after @after',
    ].join('\n');
    expect(mentionedHandles(markdown)).toEqual([['real.', 'real'], ['after']]);
  });

  it('treats unmatched backticks as text and ignores tokens that cannot be handles', () => {
    expect(mentionedHandles('a ` lone tick @zed')).toEqual([['zed']]);
    expect(mentionedHandles('@ab @' + 'x'.repeat(33) + ' @ok@example.com @ünï')).toEqual([]);
  });
});

describe('POST /tasks/:id/activities/comments', () => {
  it('adds a Markdown comment to the feed, attributed to the author, with an event', async () => {
    const task = await createTask(w.t, w.projectId, { title: 'Discuss' });
    const res = await comment(task.id, '**Looks good**\n\n- one\n- two');
    const entry = expectData(res, 201);
    expect(entry).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/), project_id: w.projectId, entity_type: 'task', entity_id: task.id,
      actor: { type: 'user', id: w.editor.id, username: w.editor.username, full_name: expect.anything() },
      origin: 'user', activity_type: 'comment', content: { text: '**Looks good**\n\n- one\n- two' },
      created_at: w.t.clock.now().toISOString(), updated_at: null,
    });
    const feed = expectData(await w.t.api('GET', activitiesUrl(task.id), { token: w.viewer.token }));
    expect(feed.items[0]).toEqual(entry);

    const events = await eventOf('task.comment.added', entry.id);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ project_id: w.projectId, actor_id: w.editor.id, payload: { task_id: task.id, comment_id: entry.id, content: entry.content.text } });
  });

  it('notifies mentioned people once, never the author, outsiders or mentions in code', async () => {
    const task = await createTask(w.t, w.projectId, { title: 'Needs eyes' });
    const text = `@${w.viewer.username} and @${adminUsername.toUpperCase()}, please look. cc @${w.editor.username} @${w.outsider.username} \`@${w.viewer.username}\` @${w.viewer.username}`;
    const entry = expectData(await comment(task.id, text), 201);
    const [event] = await eventOf('task.comment.added', entry.id);

    const [seenByViewer] = await mentionsSeenBy(w.viewer.token, entry.id);
    expect(seenByViewer).toMatchObject({
      type: 'task.mentioned', event_id: Number(event.id), project_id: w.projectId, actor: { type: 'user', id: w.editor.id },
      data: { task_id: task.id, task_number: task.task_number, key: task.key, task_title: 'Needs eyes', comment_id: entry.id, excerpt: text },
    });
    expect(await mentionsSeenBy(w.viewer.token, entry.id)).toHaveLength(1);
    expect(await mentionsSeenBy(w.admin.token, entry.id)).toHaveLength(1);
    expect(await mentionsSeenBy(w.editor.token, entry.id)).toHaveLength(0);
    expect(await mentionsSeenBy(w.outsider.token, entry.id)).toHaveLength(0);
  });

  it('cuts a long comment to an excerpt on one line', async () => {
    const task = await createTask(w.t, w.projectId, { title: 'Long' });
    const entry = expectData(await comment(task.id, `@${w.viewer.username}\n\n${'word '.repeat(100)}`), 201);
    const [note] = await mentionsSeenBy(w.viewer.token, entry.id);
    expect(note.data.excerpt.length).toBeGreaterThan(130);
    expect(note.data.excerpt.length).toBeLessThanOrEqual(140);
    expect(note.data.excerpt).toMatch(new RegExp(`^@${w.viewer.username} word word .*…$`));
  });

  it('triggers a mentioned agent member (agent.comment_mention) instead of notifying', async () => {
    const roles = expectData(await w.t.api('GET', `/projects/${w.projectId}/roles`, { token: w.admin.token }));
    const editorRole = roles.items.find((r: { name: string }) => r.name === 'Editor');
    const agent = expectData(await w.t.api('POST', `/projects/${w.projectId}/agents`, {
      token: w.admin.token, body: { handle: `bot${randomUUID().slice(0, 6)}`, name: 'Bot', role_ids: [editorRole.id] },
    }), 201);
    const member = await db()('project_members').where({ project_id: w.projectId, agent_id: agent.id }).first();
    const task = await createTask(w.t, w.projectId, { title: 'For the bot' });
    const entry = expectData(await comment(task.id, `@${agent.handle} can you take this?`), 201);

    const events = await eventOf('agent.comment_mention', entry.id);
    expect(events.map((e: { payload: unknown }) => e.payload)).toEqual([{ agent_id: agent.id, member_id: member.id, task_id: task.id, task_number: task.task_number, comment_id: entry.id }]);
    expect(events[0].actor_id).toBe(w.editor.id);
    expect(await db()('notifications').whereRaw("data->>'comment_id' = ?", [entry.id])).toEqual([]);
  });

  it('refuses Viewers, outsiders and anonymous callers, bad input and unknown tasks, storing nothing', async () => {
    const task = await createTask(w.t, w.projectId, { title: 'Quiet' });
    expectError(await comment(task.id, 'no', w.viewer.token), 403, 'FORBIDDEN');
    expectError(await comment(task.id, 'no', w.outsider.token), 403, 'FORBIDDEN');
    expectError(await w.t.api('POST', commentsUrl(task.id), { body: { content: 'no' } }), 401, 'AUTH_UNAUTHENTICATED');
    expectError(await comment(task.id, ''), 422, 'VALIDATION_FAILED');
    expectError(await comment(task.id, 'x'.repeat(50_001)), 422, 'VALIDATION_FAILED');
    expectError(await w.t.api('POST', commentsUrl(task.id), { token: w.editor.token, body: { content: 'x', pinned: true } }), 422, 'VALIDATION_FAILED');
    expectError(await w.t.api('POST', commentsUrl(task.id), { token: w.editor.token, body: { text: 'x' } }), 422, 'VALIDATION_FAILED');
    expectError(await comment(randomUUID(), 'x'), 404, 'TASK_NOT_FOUND');
    expectError(await comment('PRJ-1', 'x'), 404, 'TASK_NOT_FOUND');
    expect(await db()('activities').where({ entity_id: task.id, activity_type: 'comment' })).toEqual([]);
  });

  it('lets anyone read a public project’s comments but not write one', async () => {
    const task = await createTask(w.t, w.publicProjectId, { title: 'Open talk' });
    const entry = expectData(await w.t.api('POST', commentsUrl(task.id, w.publicProjectId), { token: w.admin.token, body: { content: 'hello world' } }), 201);
    const feed = expectData(await w.t.api('GET', activitiesUrl(task.id, w.publicProjectId)));
    expect(feed.items.map((e: { id: string }) => e.id)).toContain(entry.id);
    expectError(await w.t.api('POST', commentsUrl(task.id, w.publicProjectId), { body: { content: 'anon' } }), 401, 'AUTH_UNAUTHENTICATED');
    expectError(await w.t.api('POST', commentsUrl(task.id, w.publicProjectId), { token: w.outsider.token, body: { content: 'x' } }), 403, 'FORBIDDEN');
  });
});

describe('PATCH /tasks/:id/activities/comments/:commentId', () => {
  it('lets the author edit: the feed shows the new text as edited, an event says so', async () => {
    const task = await createTask(w.t, w.projectId, { title: 'Typos' });
    const entry = expectData(await comment(task.id, 'teh text'), 201);
    const edited = expectData(await edit(task.id, entry.id, 'the text'));
    expect(edited).toEqual({ ...entry, content: { text: 'the text' }, updated_at: w.t.clock.now().toISOString() });
    const feed = expectData(await w.t.api('GET', activitiesUrl(task.id), { token: w.viewer.token }));
    expect(feed.items.find((e: { id: string }) => e.id === entry.id)).toEqual(edited);
    const events = await eventOf('task.comment.updated', entry.id);
    expect(events.map((e: { payload: unknown }) => e.payload)).toEqual([{ task_id: task.id, comment_id: entry.id, content: 'the text' }]);
  });

  it('notifies only the mentions an edit adds', async () => {
    const task = await createTask(w.t, w.projectId, { title: 'Growing cc list' });
    const entry = expectData(await comment(task.id, `cc @${w.viewer.username}`), 201);
    expectData(await edit(task.id, entry.id, `cc @${w.viewer.username} @${adminUsername}`));
    const [updated] = await eventOf('task.comment.updated', entry.id);

    expect(await mentionsSeenBy(w.viewer.token, entry.id)).toHaveLength(1);
    const adminNotes = await mentionsSeenBy(w.admin.token, entry.id);
    expect(adminNotes.map((n: { event_id: number }) => n.event_id)).toEqual([Number(updated.id)]);

    // Dropping a mention and adding it back counts as new again: the edit before did not have it.
    expectData(await edit(task.id, entry.id, 'cc nobody'));
    expectData(await edit(task.id, entry.id, `cc @${w.viewer.username}`));
    expect(await mentionsSeenBy(w.viewer.token, entry.id)).toHaveLength(2);
    expect(await mentionsSeenBy(w.admin.token, entry.id)).toHaveLength(1);
  });

  it('refuses anyone but the author (403 TASK_COMMENT_NOT_AUTHOR) and leaves the comment as it was', async () => {
    const task = await createTask(w.t, w.projectId, { title: 'Mine' });
    const entry = expectData(await comment(task.id, 'my words'), 201);
    expectError(await edit(task.id, entry.id, 'hijacked', w.admin.token), 403, 'TASK_COMMENT_NOT_AUTHOR');
    expectError(await w.t.api('DELETE', `${commentsUrl(task.id)}/${entry.id}`, { token: w.admin.token }), 403, 'TASK_COMMENT_NOT_AUTHOR');
    expectError(await edit(task.id, entry.id, 'hijacked', w.viewer.token), 403, 'FORBIDDEN');
    expectError(await w.t.api('PATCH', `${commentsUrl(task.id)}/${entry.id}`, { body: { content: 'anon' } }), 401, 'AUTH_UNAUTHENTICATED');
    expectError(await edit(task.id, entry.id, ''), 422, 'VALIDATION_FAILED');
    const feed = expectData(await w.t.api('GET', activitiesUrl(task.id), { token: w.editor.token }));
    expect(feed.items.find((e: { id: string }) => e.id === entry.id)).toEqual(entry);
    expect(await eventOf('task.comment.updated', entry.id)).toEqual([]);
  });

  it('answers 404 TASK_COMMENT_NOT_FOUND for unknown ids, other tasks’ comments and entries that are not comments', async () => {
    const task = await createTask(w.t, w.projectId, { title: 'Here' });
    const other = await createTask(w.t, w.projectId, { title: 'There' });
    const elsewhere = expectData(await comment(other.id, 'on the other task'), 201);
    const created = await db()('activities').where({ entity_id: task.id, activity_type: 'task.created' }).first();
    for (const id of [randomUUID(), 'not-a-uuid', elsewhere.id, created.id]) {
      expectError(await edit(task.id, id, 'x'), 404, 'TASK_COMMENT_NOT_FOUND');
      expectError(await w.t.api('DELETE', `${commentsUrl(task.id)}/${id}`, { token: w.editor.token }), 404, 'TASK_COMMENT_NOT_FOUND');
    }
    expectError(await edit(randomUUID(), elsewhere.id, 'x'), 404, 'TASK_NOT_FOUND');
  });
});

describe('DELETE /tasks/:id/activities/comments/:commentId', () => {
  it('lets the author delete: the comment leaves the feed, once, with an event', async () => {
    const task = await createTask(w.t, w.projectId, { title: 'Regrets' });
    const entry = expectData(await comment(task.id, 'oops'), 201);
    expect(await w.t.api('DELETE', `${commentsUrl(task.id)}/${entry.id}`, { token: w.editor.token })).toMatchObject({ status: 204 });
    const feed = expectData(await w.t.api('GET', activitiesUrl(task.id), { token: w.editor.token }));
    expect(feed.items.map((e: { id: string }) => e.id)).not.toContain(entry.id);
    expectError(await w.t.api('DELETE', `${commentsUrl(task.id)}/${entry.id}`, { token: w.editor.token }), 404, 'TASK_COMMENT_NOT_FOUND');
    expectError(await edit(task.id, entry.id, 'back'), 404, 'TASK_COMMENT_NOT_FOUND');
    const events = await eventOf('task.comment.deleted', entry.id);
    expect(events.map((e: { payload: unknown }) => e.payload)).toEqual([{ task_id: task.id, comment_id: entry.id }]);
  });

  it('refuses a Viewer (403) and keeps the comment', async () => {
    const task = await createTask(w.t, w.projectId, { title: 'Kept' });
    const entry = expectData(await comment(task.id, 'stays'), 201);
    expectError(await w.t.api('DELETE', `${commentsUrl(task.id)}/${entry.id}`, { token: w.viewer.token }), 403, 'FORBIDDEN');
    expectError(await w.t.api('DELETE', `${commentsUrl(task.id)}/${entry.id}`), 401, 'AUTH_UNAUTHENTICATED');
    const feed = expectData(await w.t.api('GET', activitiesUrl(task.id), { token: w.viewer.token }));
    expect(feed.items.map((e: { id: string }) => e.id)).toContain(entry.id);
  });
});
