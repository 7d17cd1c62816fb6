import { expectData, expectError } from '@paca/kernel/testing';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { docsUrl, eventsAbout, startDocsWorld, type DocsWorld } from './docs-world.fixture.js';

// Path-style addressing for agents (reference 6.2): folder names and title joined by `/`.

let w: DocsWorld;
let projectId: string;
const url = (rest: string) => docsUrl(w, rest, projectId);
const write = (path: string, content: string, extra: Record<string, unknown> = {}, token = w.admin.token) =>
  w.t.api('PUT', url('/by-path'), { token, body: { path, content, ...extra } });
const read = (query: Record<string, string>, token = w.admin.token) => w.t.api('GET', url('/by-path'), { token, query });
const tree = async (path?: string) => expectData(await w.t.api('GET', url('/tree'), { token: w.admin.token, query: path === undefined ? {} : { path } }));
const move = (source_path: string, dest_path: string) => w.t.api('POST', url('/move'), { token: w.admin.token, body: { source_path, dest_path } });
const remove = (path: string) => w.t.api('DELETE', url('/by-path'), { token: w.admin.token, query: { path } });
const paths = (items: Array<{ type: string; path: string }>) => items.map((item) => `${item.type}:${item.path}`);

beforeAll(async () => { w = await startDocsWorld(); });
beforeEach(async () => {
  projectId = expectData(await w.t.api('POST', '/projects', { token: w.admin.token, body: { name: `Paths ${randomUUID().slice(0, 8)}` } }), 201).id;
});
afterAll(() => w?.t.close());

describe('PUT /docs/by-path (write_doc)', () => {
  it('creates the missing folders and the document, then updates it in place (matching case-insensitively)', async () => {
    const created = expectData(await write('/Specs/API/Auth', '# Auth\n'), 201);
    expect(created.created).toBe(true);
    expect(created.doc).toMatchObject({ title: 'Auth', path: 'Specs/API/Auth', content: '# Auth\n', version: 1, snapshot_number: 1 });
    const folders = expectData(await w.t.api('GET', url('/folders'), { token: w.admin.token })).items;
    expect(folders.map((f: { path: string }) => f.path)).toEqual(['Specs', 'Specs/API']);

    const updated = expectData(await write('specs/api/AUTH/', '# Auth\n\nTokens.\n'), 200);
    expect(updated).toMatchObject({ created: false, doc: { id: created.doc.id, path: 'Specs/API/Auth', content: '# Auth\n\nTokens.\n', version: 2 } });
    expect(expectData(await w.t.api('GET', url('/folders'), { token: w.admin.token })).items).toHaveLength(2);
    // A title renames the document found at the path.
    expect(expectData(await write('Specs/API/Auth', 'x', { title: 'Authentication' })).doc).toMatchObject({ id: created.doc.id, path: 'Specs/API/Authentication' });
    expect(await eventsAbout(w, 'doc.created', created.doc.id)).toHaveLength(1);
    expect(await eventsAbout(w, 'doc.updated', created.doc.id)).toHaveLength(2);
  });

  it('refuses bad paths and viewers', async () => {
    expectError(await write('/', 'x'), 422, 'VALIDATION_FAILED');
    expectError(await write('a/\u0007/b', 'x'), 422, 'VALIDATION_FAILED');
    expectError(await write(`${'x'.repeat(256)}/doc`, 'x'), 422, 'VALIDATION_FAILED');
    expectError(await write('a', 'x', { title: 'c/d' }), 422, 'VALIDATION_FAILED');
    expectError(await w.t.api('PUT', url('/by-path'), { token: w.admin.token, body: { path: 'a' } }), 422, 'VALIDATION_FAILED');
    expectError(await w.t.api('PUT', docsUrl(w, '/by-path'), { token: w.viewer.token, body: { path: 'a', content: 'x' } }), 403, 'FORBIDDEN');
  });
});

describe('GET /docs/by-path (read_doc) and GET /docs/tree (list_docs)', () => {
  it('reads a document by path or id, and lists a folder recursively', async () => {
    const doc = expectData(await write('Guide/Intro', 'Hello'), 201).doc;
    expectData(await write('Guide/Advanced/Tuning', 'Fast'), 201);
    expectData(await write('Readme', 'Top'), 201);

    const byPath = await read({ path: 'guide/intro' });
    expect(expectData(byPath)).toMatchObject({ id: doc.id, content: 'Hello', path: 'Guide/Intro' });
    expect(byPath.headers.etag).toBe('"1"');
    expect(expectData(await read({ doc_id: doc.id }))).toMatchObject({ path: 'Guide/Intro' });
    expectError(await read({ path: 'Guide/Missing' }), 404, 'DOC_NOT_FOUND');
    expectError(await read({ path: 'Nowhere/Intro' }), 404, 'DOC_NOT_FOUND');
    expectError(await read({ path: 'Guide' }), 404, 'DOC_NOT_FOUND');
    expectError(await read({}), 422, 'VALIDATION_FAILED');
    expectError(await read({ path: 'Guide/Intro', doc_id: doc.id }), 422, 'VALIDATION_FAILED');
    expectError(await read({ doc_id: 'nope' }), 422, 'VALIDATION_FAILED');
    expectError(await read({ doc_id: randomUUID() }), 404, 'DOC_NOT_FOUND');

    const whole = await tree();
    expect(whole.path).toBe('');
    expect(paths(whole.items)).toEqual(['folder:Guide', 'folder:Guide/Advanced', 'doc:Guide/Advanced/Tuning', 'doc:Guide/Intro', 'doc:Readme']);
    expect(whole.items.find((i: { type: string }) => i.type === 'doc')).not.toHaveProperty('content');
    const guide = await tree('GUIDE');
    expect(guide.path).toBe('Guide');
    expect(paths(guide.items)).toEqual(['folder:Guide/Advanced', 'doc:Guide/Advanced/Tuning', 'doc:Guide/Intro']);
    expectError(await w.t.api('GET', url('/tree'), { token: w.admin.token, query: { path: 'Readme' } }), 404, 'DOC_FOLDER_NOT_FOUND');
    expectError(await w.t.api('GET', docsUrl(w, '/tree'), { token: w.outsider.token }), 403, 'FORBIDDEN');
  });
});

describe('POST /docs/move (move_doc) and DELETE /docs/by-path (delete_doc)', () => {
  it('moves and renames documents and folders, refusing taken destinations and cycles', async () => {
    const doc = expectData(await write('Drafts/Plan', 'p'), 201).doc;
    expectData(await write('Archive/Old', 'o'), 201);

    expect(expectData(await move('drafts/plan', 'Archive/Plan 2024'))).toMatchObject({ type: 'doc', id: doc.id, folder_id: expect.any(String), path: 'Archive/Plan 2024' });
    expect(expectData(await read({ path: 'Archive/Plan 2024' })).id).toBe(doc.id);
    expect(expectData(await move('Archive/Plan 2024', 'Plan'))).toMatchObject({ folder_id: null, path: 'Plan' });
    expectError(await move('Plan', 'Archive/old'), 409, 'DOC_TITLE_TAKEN');
    expectError(await move('Plan', 'Missing/Plan'), 404, 'DOC_FOLDER_NOT_FOUND');
    expectError(await move('Nothing', 'Else'), 404, 'DOC_NOT_FOUND');

    const folder = expectData(await move('Drafts', 'Archive/Drafts'));
    expect(folder).toMatchObject({ type: 'folder', name: 'Drafts', path: 'Archive/Drafts' });
    expectError(await move('Archive', 'Archive/Drafts/Archive'), 422, 'DOC_FOLDER_CYCLE');
    expectData(await write('Other/x', 'x'), 201);
    expectError(await move('Other', 'archive'), 409, 'DOC_FOLDER_NAME_TAKEN');
    expect(expectData(await move('Other', 'Renamed'))).toMatchObject({ type: 'folder', path: 'Renamed' });
    const [moved] = await eventsAbout(w, 'doc.moved', doc.id);
    expect(moved.payload).toMatchObject({ doc_id: doc.id, title: 'Plan 2024', old_folder_id: expect.any(String) });
  });

  it('deletes a document, or a folder with everything in it', async () => {
    const keep = expectData(await write('Keep', 'k'), 201).doc;
    const inner = expectData(await write('Box/Inner/Doc', 'd'), 201).doc;
    expect((await remove('keep')).status).toBe(204);
    expectError(await read({ doc_id: keep.id }), 404, 'DOC_NOT_FOUND');
    expect((await remove('/Box/')).status).toBe(204);
    expectError(await read({ doc_id: inner.id }), 404, 'DOC_NOT_FOUND');
    expect((await tree()).items).toEqual([]);
    expectError(await remove('Box'), 404, 'DOC_NOT_FOUND');
    expectError(await remove('/'), 422, 'VALIDATION_FAILED');
    expect(await eventsAbout(w, 'doc.deleted', inner.id)).toHaveLength(1);
  });
});
