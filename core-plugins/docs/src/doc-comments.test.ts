import { expectData, expectError } from '@paca/kernel/testing';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDoc, docsUrl, startDocsWorld, type DocsWorld } from './docs-world.fixture.js';

// Comments on a document: Markdown entries of its activity feed, author-only edits, @mentions.

let w: DocsWorld;
let adminUsername: string;
const url = (rest: string) => docsUrl(w, rest);
const comment = (docId: string, content: string, token = w.editor.token) => {
  w.t.clock.advance(1_000);
  return w.t.api('POST', url(`/${docId}/comments`), { token, body: { content } });
};
const edit = (docId: string, commentId: string, content: string, token = w.editor.token) => {
  w.t.clock.advance(1_000);
  return w.t.api('PATCH', url(`/${docId}/comments/${commentId}`), { token, body: { content } });
};
const feed = async (docId: string, query: Record<string, string> = {}) => expectData(await w.t.api('GET', url(`/${docId}/activities`), { token: w.viewer.token, query }));
const eventsOf = (type: string, commentId: string) =>
  w.t.kernel.database.knex('events').where({ type }).whereRaw("payload->>'comment_id' = ?", [commentId]).orderBy('id');
async function mentionsSeenBy(token: string, commentId: string) {
  const page = expectData(await w.t.api('GET', '/users/me/notifications', { token, query: { page_size: '200' } }));
  return page.items.filter((n: { type: string; data: { comment_id?: string } }) => n.type === 'doc.mention' && n.data.comment_id === commentId);
}

beforeAll(async () => {
  w = await startDocsWorld();
  adminUsername = expectData(await w.t.api('GET', '/users/me', { token: w.admin.token })).username;
});
afterAll(() => w?.t.close());

describe('doc comments and activity', () => {
  it('adds a Markdown comment to the document\'s feed, newest first, with an event', async () => {
    const doc = await createDoc(w, { title: 'Discussed' });
    const entry = expectData(await comment(doc.id, '**Agreed**\n\n- ship it'), 201);
    expect(entry).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/), project_id: w.projectId, entity_type: 'doc', entity_id: doc.id,
      actor: { type: 'user', id: w.editor.id, username: w.editor.username, full_name: expect.anything() },
      origin: 'user', activity_type: 'comment', content: { text: '**Agreed**\n\n- ship it' },
      created_at: w.t.clock.now().toISOString(), updated_at: null,
    });
    const items = (await feed(doc.id)).items;
    expect(items.map((a: { activity_type: string }) => a.activity_type)).toEqual(['comment', 'doc.created']);
    expect(items[0]).toEqual(entry);
    const [event] = await eventsOf('doc.comment.created', entry.id);
    expect(event.payload).toEqual({ doc_id: doc.id, comment_id: entry.id, content: '**Agreed**\n\n- ship it' });

    const paged = await feed(doc.id, { page_size: '1' });
    expect(paged.items).toEqual([entry]);
    expect((await feed(doc.id, { page_size: '1', cursor: paged.next_cursor })).items[0].activity_type).toBe('doc.created');
  });

  it('lets only the author edit or delete a comment', async () => {
    const doc = await createDoc(w, { title: 'Owned comments' });
    const entry = expectData(await comment(doc.id, 'first'), 201);
    expectError(await edit(doc.id, entry.id, 'hijack', w.writer.token), 403, 'DOC_COMMENT_NOT_AUTHOR');
    expectError(await w.t.api('DELETE', url(`/${doc.id}/comments/${entry.id}`), { token: w.admin.token }), 403, 'DOC_COMMENT_NOT_AUTHOR');
    expectError(await edit(doc.id, entry.id, 'viewer', w.viewer.token), 403, 'FORBIDDEN');

    const edited = expectData(await edit(doc.id, entry.id, 'second'));
    expect(edited).toMatchObject({ id: entry.id, content: { text: 'second' }, updated_at: w.t.clock.now().toISOString() });
    expect(await eventsOf('doc.comment.updated', entry.id)).toHaveLength(1);
    expect((await w.t.api('DELETE', url(`/${doc.id}/comments/${entry.id}`), { token: w.editor.token })).status).toBe(204);
    expect((await feed(doc.id)).items.map((a: { id: string }) => a.id)).not.toContain(entry.id);
    expect(await eventsOf('doc.comment.deleted', entry.id)).toHaveLength(1);
    expectError(await edit(doc.id, entry.id, 'again'), 404, 'DOC_COMMENT_NOT_FOUND');
  });

  it('answers 404 for unknown comments, system entries, other documents and bad ids; validates content', async () => {
    const doc = await createDoc(w, { title: 'Lookups' });
    const other = await createDoc(w, { title: 'Other lookups' });
    const entry = expectData(await comment(doc.id, 'mine'), 201);
    const created = (await feed(doc.id)).items.find((a: { activity_type: string }) => a.activity_type === 'doc.created');
    expectError(await edit(other.id, entry.id, 'wrong doc'), 404, 'DOC_COMMENT_NOT_FOUND');
    expectError(await edit(doc.id, created.id, 'system'), 404, 'DOC_COMMENT_NOT_FOUND');
    expectError(await edit(doc.id, randomUUID(), 'none'), 404, 'DOC_COMMENT_NOT_FOUND');
    expectError(await edit(doc.id, 'not-a-uuid', 'bad'), 404, 'DOC_COMMENT_NOT_FOUND');
    expectError(await comment(randomUUID(), 'no doc'), 404, 'DOC_NOT_FOUND');
    expectError(await comment(doc.id, ''), 422, 'VALIDATION_FAILED');
    expectError(await comment(doc.id, 'nul\u0000'), 422, 'VALIDATION_FAILED');
    expectError(await w.t.api('GET', url(`/${doc.id}/activities`), { token: w.outsider.token }), 403, 'FORBIDDEN');
  });

  it('notifies mentioned people once (doc.mention), never the author or non-members, and only new mentions after an edit', async () => {
    const doc = await createDoc(w, { title: 'Needs review' });
    const text = `@${w.viewer.username} and @${adminUsername.toUpperCase()}: thoughts? cc @${w.editor.username} @${w.outsider.username} \`@${w.writer.username}\``;
    const entry = expectData(await comment(doc.id, text), 201);
    const [event] = await eventsOf('doc.comment.created', entry.id);
    const [seen] = await mentionsSeenBy(w.viewer.token, entry.id);
    expect(seen).toMatchObject({
      type: 'doc.mention', event_id: Number(event.id), project_id: w.projectId, actor: { type: 'user', id: w.editor.id },
      data: { doc_id: doc.id, doc_title: 'Needs review', comment_id: entry.id, excerpt: text },
    });
    expect(await mentionsSeenBy(w.admin.token, entry.id)).toHaveLength(1);
    for (const token of [w.editor.token, w.outsider.token, w.writer.token]) expect(await mentionsSeenBy(token, entry.id)).toHaveLength(0);

    expectData(await edit(doc.id, entry.id, `${text} and @${w.writer.username}`));
    expect(await mentionsSeenBy(w.writer.token, entry.id)).toHaveLength(1);
    expect(await mentionsSeenBy(w.viewer.token, entry.id)).toHaveLength(1);
  });
});
