import { expectData, expectError } from '@paca/kernel/testing';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDoc, createFolder, docsUrl, eventsAbout, startDocsWorld, type DocsWorld } from './docs-world.fixture.js';

// The document resource as a client sees it: create, read, save (D4), list, delete — and who may.

let w: DocsWorld;
const url = (rest = '', projectId?: string) => docsUrl(w, rest, projectId);

beforeAll(async () => { w = await startDocsWorld(); });
afterAll(() => w?.t.close());

describe('POST /docs and GET /docs/:id', () => {
  it('creates a Markdown document as snapshot 1, with its path, an ETag, an activity and an event', async () => {
    const folder = await createFolder(w, { name: 'Specs' });
    const res = await w.t.api('POST', url(), { token: w.editor.token, body: { title: '  API  ', content: '# API\n\nJSON everywhere.\n', folder_id: folder.id } });
    const doc = expectData(res, 201);
    expect(doc).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/), project_id: w.projectId, folder_id: folder.id, title: 'API', path: 'Specs/API',
      content: '# API\n\nJSON everywhere.\n', position: 0, version: 1, snapshot_number: 1,
      created_by: { type: 'user', id: w.editor.id }, updated_by: { type: 'user', id: w.editor.id },
      created_at: w.t.clock.now().toISOString(), updated_at: w.t.clock.now().toISOString(),
    });
    expect(res.headers.etag).toBe('"1"');

    const read = await w.t.api('GET', url(`/${doc.id}`), { token: w.viewer.token });
    expect(expectData(read)).toEqual(doc);
    expect(read.headers.etag).toBe('"1"');

    const [event] = await eventsAbout(w, 'doc.created', doc.id);
    expect(event).toMatchObject({ project_id: w.projectId, actor_id: w.editor.id, payload: { doc_id: doc.id, title: 'API', folder_id: folder.id, version: 1, snapshot_number: 1 } });
    expect(event.payload).not.toHaveProperty('content');
    const feed = expectData(await w.t.api('GET', url(`/${doc.id}/activities`), { token: w.viewer.token }));
    expect(feed.items).toEqual([expect.objectContaining({ activity_type: 'doc.created', content: { title: 'API', folder_id: folder.id, snapshot_number: 1 } })]);
  });

  it('defaults to an empty "Untitled" at the root, numbering further untitled documents', async () => {
    const project = expectData(await w.t.api('POST', '/projects', { token: w.admin.token, body: { name: `Untitled ${randomUUID().slice(0, 6)}` } }), 201);
    const first = await createDoc(w, {}, w.admin.token, project.id);
    const second = await createDoc(w, {}, w.admin.token, project.id);
    expect(first).toMatchObject({ title: 'Untitled', content: '', folder_id: null, path: 'Untitled', position: 0 });
    expect(second).toMatchObject({ title: 'Untitled 2', position: 1 });
  });

  it('keeps titles unique per folder, case-insensitively; the same title may live in another folder', async () => {
    const folder = await createFolder(w, { name: 'Unique' });
    await createDoc(w, { title: 'Readme', folder_id: folder.id });
    expectError(await w.t.api('POST', url(), { token: w.editor.token, body: { title: 'README', folder_id: folder.id } }), 409, 'DOC_TITLE_TAKEN');
    expect(await createDoc(w, { title: 'readme' })).toMatchObject({ folder_id: null, title: 'readme' });
  });

  it('refuses bad input with 422 and unknown ids with 404, never a 500', async () => {
    const bad = async (body: unknown, code = 'VALIDATION_FAILED', status = 422) => expectError(await w.t.api('POST', url(), { token: w.editor.token, body }), status, code);
    await bad({ title: 'a/b' });
    await bad({ title: '   ' });
    await bad({ title: 'x'.repeat(256) });
    await bad({ title: 'tab\there' });
    await bad({ content: 'nul \u0000 byte' });
    await bad({ content: 42 });
    await bad({ folder_id: 'not-a-uuid' });
    await bad({ unknown: true });
    await bad({ folder_id: randomUUID() }, 'DOC_FOLDER_NOT_FOUND', 404);
    const res = await w.t.api('POST', url(), { token: w.editor.token, body: { title: 'a/b' } });
    expect(res.json.error_details.issues).toEqual([{ path: 'title', message: expect.stringContaining('/') }]);

    expectError(await w.t.api('GET', url('/not-a-uuid'), { token: w.viewer.token }), 404, 'DOC_NOT_FOUND');
    expectError(await w.t.api('GET', url(`/${randomUUID()}`), { token: w.viewer.token }), 404, 'DOC_NOT_FOUND');
    expectError(await w.t.api('PATCH', url('/nope'), { token: w.editor.token, body: { content: 'x' } }), 404, 'DOC_NOT_FOUND');
    expectError(await w.t.api('GET', url(), { token: w.viewer.token, query: { folder_id: 'root' } }), 422, 'VALIDATION_FAILED');
    expectError(await w.t.api('GET', url(), { token: w.viewer.token, query: { cursor: 'forged' } }), 422, 'VALIDATION_FAILED');
  });

  it('hides another project\'s documents', async () => {
    const other = expectData(await w.t.api('POST', '/projects', { token: w.admin.token, body: { name: `Other ${randomUUID().slice(0, 6)}` } }), 201);
    const doc = await createDoc(w, { title: 'Elsewhere' }, w.admin.token, other.id);
    expectError(await w.t.api('GET', url(`/${doc.id}`), { token: w.admin.token }), 404, 'DOC_NOT_FOUND');
    expectError(await w.t.api('DELETE', url(`/${doc.id}`), { token: w.admin.token }), 404, 'DOC_NOT_FOUND');
  });
});

describe('permissions', () => {
  it('lets viewers read but not write, outsiders nothing, and nobody without a token', async () => {
    const doc = await createDoc(w, { title: 'Guarded' });
    expectData(await w.t.api('GET', url(`/${doc.id}`), { token: w.viewer.token }));
    expectError(await w.t.api('POST', url(), { token: w.viewer.token, body: { title: 'Nope' } }), 403, 'FORBIDDEN');
    expectError(await w.t.api('PATCH', url(`/${doc.id}`), { token: w.viewer.token, body: { content: 'x' } }), 403, 'FORBIDDEN');
    expectError(await w.t.api('DELETE', url(`/${doc.id}`), { token: w.viewer.token }), 403, 'FORBIDDEN');
    expectError(await w.t.api('GET', url(`/${doc.id}`), { token: w.outsider.token }), 403, 'FORBIDDEN');
    expectError(await w.t.api('GET', url(), { token: w.outsider.token }), 403, 'FORBIDDEN');
    expectError(await w.t.api('GET', url(`/${doc.id}`)), 401, 'AUTH_UNAUTHENTICATED');
    expectError(await w.t.api('POST', url(), { body: { title: 'Anonymous' } }), 401, 'AUTH_UNAUTHENTICATED');
  });

  it('lets anyone read a public project\'s documents, but not write them', async () => {
    const doc = await createDoc(w, { title: 'Public notes', content: 'hello' }, w.admin.token, w.publicProjectId);
    expect(expectData(await w.t.api('GET', url(`/${doc.id}`, w.publicProjectId))).content).toBe('hello');
    expect(expectData(await w.t.api('GET', url('', w.publicProjectId), { token: w.outsider.token })).items.map((d: { id: string }) => d.id)).toContain(doc.id);
    expectError(await w.t.api('PATCH', url(`/${doc.id}`, w.publicProjectId), { body: { content: 'defaced' } }), 401, 'AUTH_UNAUTHENTICATED');
    expectError(await w.t.api('PATCH', url(`/${doc.id}`, w.publicProjectId), { token: w.outsider.token, body: { content: 'defaced' } }), 403, 'FORBIDDEN');
  });
});

describe('PATCH /docs/:id', () => {
  it('saves title, content, folder and position; reports title and folder changes, never bodies', async () => {
    const target = await createFolder(w, { name: 'Target' });
    const doc = await createDoc(w, { title: 'Draft', content: 'v1' });
    w.t.clock.advance(120_000);
    const res = await w.t.api('PATCH', url(`/${doc.id}`), { token: w.writer.token, body: { title: 'Final', content: 'v2', folder_id: target.id } });
    const saved = expectData(res);
    expect(saved).toMatchObject({ title: 'Final', content: 'v2', folder_id: target.id, path: 'Target/Final', version: 2, snapshot_number: 2, updated_by: { type: 'user', id: w.writer.id } });
    expect(res.headers.etag).toBe('"2"');

    const feed = expectData(await w.t.api('GET', url(`/${doc.id}/activities`), { token: w.viewer.token }));
    const byType = Object.fromEntries(feed.items.map((a: { activity_type: string; content: unknown }) => [a.activity_type, a.content]));
    expect(byType['doc.updated']).toEqual({ changes: [{ field: 'title', old: 'Draft', new: 'Final' }, { field: 'content', snapshot_number: 2 }] });
    expect(byType['doc.moved']).toEqual({ changes: [{ field: 'folder_id', old: null, new: target.id }] });
    const [updated] = await eventsAbout(w, 'doc.updated', doc.id);
    expect(updated.payload).toEqual({ doc_id: doc.id, title: 'Final', folder_id: target.id, version: 2, snapshot_number: 2, fields: ['title', 'content'] });
    const [moved] = await eventsAbout(w, 'doc.moved', doc.id);
    expect(moved.payload).toMatchObject({ folder_id: target.id, old_folder_id: null });

    // Back to the root with folder_id null; a save that changes nothing writes nothing.
    expect(expectData(await w.t.api('PATCH', url(`/${doc.id}`), { token: w.writer.token, body: { folder_id: null } }))).toMatchObject({ folder_id: null, path: 'Final', version: 3 });
    expect(expectData(await w.t.api('PATCH', url(`/${doc.id}`), { token: w.writer.token, body: { content: 'v2' } })).version).toBe(3);
    expect(expectData(await w.t.api('PATCH', url(`/${doc.id}`), { token: w.writer.token, body: { position: 7 } }))).toMatchObject({ position: 7, version: 4, snapshot_number: 2 });
  });

  it('refuses a rename onto a taken title and bad titles', async () => {
    await createDoc(w, { title: 'Taken' });
    const doc = await createDoc(w, { title: 'Free' });
    expectError(await w.t.api('PATCH', url(`/${doc.id}`), { token: w.editor.token, body: { title: 'TAKEN' } }), 409, 'DOC_TITLE_TAKEN');
    expectError(await w.t.api('PATCH', url(`/${doc.id}`), { token: w.editor.token, body: { title: 'x/y' } }), 422, 'VALIDATION_FAILED');
    expectError(await w.t.api('PATCH', url(`/${doc.id}`), { token: w.editor.token, body: { folder_id: randomUUID() } }), 404, 'DOC_FOLDER_NOT_FOUND');
    expect(expectData(await w.t.api('PATCH', url(`/${doc.id}`), { token: w.editor.token, body: { title: 'FREE' } })).title).toBe('FREE');
  });

  it('D4: of two saves from the same version, the second gets 409 with current_version and changes nothing', async () => {
    const doc = await createDoc(w, { title: 'Contended', content: 'base' });
    w.t.clock.advance(120_000);
    expect(expectData(await w.t.api('PATCH', url(`/${doc.id}`), { token: w.editor.token, body: { content: 'mine', version: 1 } })).version).toBe(2);
    const stale = await w.t.api('PATCH', url(`/${doc.id}`), { token: w.writer.token, body: { content: 'theirs', title: 'Theirs', version: 1 } });
    expectError(stale, 409, 'DOC_VERSION_CONFLICT');
    expect(stale.json.error_details).toEqual({ current_version: 2 });
    const staleHeader = await w.t.api('PATCH', url(`/${doc.id}`), { token: w.writer.token, headers: { 'if-match': '"1"' }, body: { content: 'theirs' } });
    expectError(staleHeader, 409, 'DOC_VERSION_CONFLICT');
    const current = expectData(await w.t.api('GET', url(`/${doc.id}`), { token: w.viewer.token }));
    expect(current).toMatchObject({ title: 'Contended', content: 'mine', version: 2, snapshot_number: 2 });
    expect(await eventsAbout(w, 'doc.updated', doc.id)).toHaveLength(1);
    // If-Match with the current version wins; without either the write is unconditional.
    expect(expectData(await w.t.api('PATCH', url(`/${doc.id}`), { token: w.writer.token, headers: { 'if-match': '"2"' }, body: { content: 'theirs' } })).version).toBe(3);
    expect(expectData(await w.t.api('PATCH', url(`/${doc.id}`), { token: w.editor.token, body: { content: 'last' } })).version).toBe(4);
    expectError(await w.t.api('PATCH', url(`/${doc.id}`), { token: w.writer.token, headers: { 'if-match': 'yesterday' }, body: { content: 'x' } }), 422, 'VALIDATION_FAILED');
  });
});

describe('concurrent writes', () => {
  it('of two saves sent at once from version 1, exactly one wins', async () => {
    const doc = await createDoc(w, { title: 'Raced', content: 'base' });
    const saves = await Promise.all([w.editor.token, w.writer.token].map((token) =>
      w.t.api('PATCH', url(`/${doc.id}`), { token, body: { content: `by ${token.slice(-6)}`, version: 1 } })));
    expect(saves.map((r) => r.status).sort()).toEqual([200, 409]);
    expect(expectData(await w.t.api('GET', url(`/${doc.id}`), { token: w.viewer.token })).version).toBe(2);
  });

  it('two path-style writes of one new path make one document: the second updates it', async () => {
    const path = `Raced ${randomUUID().slice(0, 6)}/Notes`;
    const writes = await Promise.all(['one', 'two'].map((content) =>
      w.t.api('PUT', url('/by-path'), { token: w.editor.token, body: { path, content } })));
    expect(writes.map((r) => [r.status, r.json.data.created]).sort()).toEqual([[200, false], [201, true]]);
    expect(new Set(writes.map((r) => r.json.data.doc.id)).size).toBe(1);
  });
});

describe('GET /docs and DELETE /docs/:id', () => {
  it('lists documents without bodies, by folder (null = root), cursor-paged', async () => {
    const project = expectData(await w.t.api('POST', '/projects', { token: w.admin.token, body: { name: `List ${randomUUID().slice(0, 6)}` } }), 201);
    const folder = await createFolder(w, { name: 'Inner' }, w.admin.token, project.id);
    for (const title of ['C', 'A', 'B']) await createDoc(w, { title, content: `body of ${title}` }, w.admin.token, project.id);
    await createDoc(w, { title: 'Nested', folder_id: folder.id }, w.admin.token, project.id);

    const first = expectData(await w.t.api('GET', url('', project.id), { token: w.admin.token, query: { folder_id: 'null', page_size: '2' } }));
    expect(first.items.map((d: { title: string }) => d.title)).toEqual(['C', 'A']);
    expect(first.items[0]).not.toHaveProperty('content');
    expect(first.items[0]).toMatchObject({ path: 'C', snapshot_number: 1, version: 1 });
    const second = expectData(await w.t.api('GET', url('', project.id), { token: w.admin.token, query: { folder_id: 'null', page_size: '2', cursor: first.next_cursor } }));
    expect(second).toEqual({ items: [expect.objectContaining({ title: 'B' })], next_cursor: null });
    const inner = expectData(await w.t.api('GET', url('', project.id), { token: w.admin.token, query: { folder_id: folder.id } }));
    expect(inner.items).toEqual([expect.objectContaining({ title: 'Nested', path: 'Inner/Nested' })]);
    const all = expectData(await w.t.api('GET', url('', project.id), { token: w.admin.token }));
    expect(all.items).toHaveLength(4);
  });

  it('soft-deletes: the document leaves reads and lists, its title is free again, and D4 applies', async () => {
    const doc = await createDoc(w, { title: 'Doomed' });
    expectError(await w.t.api('DELETE', url(`/${doc.id}`), { token: w.editor.token, headers: { 'if-match': '"9"' } }), 409, 'DOC_VERSION_CONFLICT');
    expect((await w.t.api('DELETE', url(`/${doc.id}`), { token: w.editor.token })).status).toBe(204);
    expectError(await w.t.api('GET', url(`/${doc.id}`), { token: w.viewer.token }), 404, 'DOC_NOT_FOUND');
    expectError(await w.t.api('DELETE', url(`/${doc.id}`), { token: w.editor.token }), 404, 'DOC_NOT_FOUND');
    const list = expectData(await w.t.api('GET', url(), { token: w.viewer.token, query: { page_size: '200' } }));
    expect(list.items.map((d: { id: string }) => d.id)).not.toContain(doc.id);
    await createDoc(w, { title: 'Doomed' });
    const [event] = await eventsAbout(w, 'doc.deleted', doc.id);
    expect(event.payload).toMatchObject({ doc_id: doc.id, title: 'Doomed' });
  });
});
