import { expectData, expectError } from '@paca/kernel/testing';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createDoc, createFolder, docsUrl, eventsAbout, startDocsWorld, type DocsWorld } from './docs-world.fixture.js';

// Folders: a tree per project, names unique per parent, moves without cycles, guarded deletes.

let w: DocsWorld;
let projectId: string;
const url = (rest = '') => docsUrl(w, rest, projectId);
const folder = (body: Record<string, unknown>) => createFolder(w, body, w.admin.token, projectId);
const doc = (body: Record<string, unknown>) => createDoc(w, body, w.admin.token, projectId);
const patch = (id: string, body: Record<string, unknown>, token = w.admin.token) => w.t.api('PATCH', url(`/folders/${id}`), { token, body });

beforeAll(async () => { w = await startDocsWorld(); });
// Each test gets an empty project, so listings compare exactly.
beforeEach(async () => {
  projectId = expectData(await w.t.api('POST', '/projects', { token: w.admin.token, body: { name: `Folders ${randomUUID().slice(0, 8)}` } }), 201).id;
});
afterAll(() => w?.t.close());

describe('doc folders', () => {
  it('creates nested folders and lists them flat, parents before children, with paths and versions', async () => {
    const specs = await folder({ name: 'Specs' });
    const api = await folder({ name: 'API', parent_id: specs.id });
    const notes = await folder({ name: 'Notes', position: 0 });
    const auth = await folder({ name: 'Auth', parent_id: api.id });
    expect(specs).toMatchObject({ parent_id: null, name: 'Specs', path: 'Specs', position: 0, version: 1, created_by: { type: 'user' } });
    expect(auth).toMatchObject({ parent_id: api.id, path: 'Specs/API/Auth', position: 0 });
    const list = expectData(await w.t.api('GET', url('/folders'), { token: w.admin.token }));
    expect(list.next_cursor).toBeNull();
    expect(list.items.map((f: { path: string }) => f.path)).toEqual(['Notes', 'Specs', 'Specs/API', 'Specs/API/Auth']);
    const [event] = await eventsAbout(w, 'doc.folder.created', api.id);
    expect(event.payload).toEqual({ folder_id: api.id, name: 'API', parent_id: specs.id, version: 1 });
  });

  it('keeps names unique per parent (case-insensitively) and valid', async () => {
    const specs = await folder({ name: 'Specs' });
    expectError(await w.t.api('POST', url('/folders'), { token: w.admin.token, body: { name: 'SPECS' } }), 409, 'DOC_FOLDER_NAME_TAKEN');
    await folder({ name: 'Specs', parent_id: specs.id });
    for (const name of ['a/b', ' ', '\n']) expectError(await w.t.api('POST', url('/folders'), { token: w.admin.token, body: { name } }), 422, 'VALIDATION_FAILED');
    expectError(await w.t.api('POST', url('/folders'), { token: w.admin.token, body: { name: 'X', parent_id: 'nope' } }), 422, 'VALIDATION_FAILED');
    expectError(await w.t.api('POST', url('/folders'), { token: w.admin.token, body: { name: 'X', parent_id: randomUUID() } }), 404, 'DOC_FOLDER_NOT_FOUND');
    expectError(await patch('not-a-uuid', { name: 'X' }), 404, 'DOC_FOLDER_NOT_FOUND');
    expectError(await w.t.api('POST', url('/folders'), { token: w.viewer.token, body: { name: 'X' } }), 403, 'FORBIDDEN');
  });

  it('renames and moves a folder, refusing cycles, taken names and stale versions', async () => {
    const a = await folder({ name: 'A' });
    const b = await folder({ name: 'B', parent_id: a.id });
    const c = await folder({ name: 'C', parent_id: b.id });
    await folder({ name: 'Taken' });
    expectError(await patch(a.id, { parent_id: c.id }), 422, 'DOC_FOLDER_CYCLE');
    expectError(await patch(a.id, { parent_id: a.id }), 422, 'DOC_FOLDER_CYCLE');
    expectError(await patch(a.id, { name: 'taken' }), 409, 'DOC_FOLDER_NAME_TAKEN');
    expectError(await patch(c.id, { name: 'Taken', parent_id: null }), 409, 'DOC_FOLDER_NAME_TAKEN');

    const moved = expectData(await patch(c.id, { parent_id: null, version: 1 }));
    expect(moved).toMatchObject({ parent_id: null, path: 'C', version: 2 });
    const stale = await patch(c.id, { name: 'D', version: 1 });
    expectError(stale, 409, 'DOC_FOLDER_VERSION_CONFLICT');
    expect(stale.json.error_details).toEqual({ current_version: 2 });
    expect(expectData(await patch(b.id, { name: 'Beta' }))).toMatchObject({ name: 'Beta', path: 'A/Beta', version: 2 });
    // Documents follow their folder: their paths change with it.
    const inside = await doc({ title: 'Inside', folder_id: b.id });
    expect(inside.path).toBe('A/Beta/Inside');
    expectData(await patch(b.id, { parent_id: c.id }));
    expect(expectData(await w.t.api('GET', url(`/${inside.id}`), { token: w.admin.token })).path).toBe('C/Beta/Inside');

    const [movedEvent] = await eventsAbout(w, 'doc.folder.moved', c.id);
    expect(movedEvent.payload).toEqual({ folder_id: c.id, name: 'C', parent_id: null, old_parent_id: b.id, version: 2 });
    const [renamed] = await eventsAbout(w, 'doc.folder.updated', b.id);
    expect(renamed.payload).toMatchObject({ name: 'Beta', version: 2 });
  });

  it('refuses to delete a non-empty folder without recursive=true, then deletes the subtree and its documents', async () => {
    const top = await folder({ name: 'Top' });
    const sub = await folder({ name: 'Sub', parent_id: top.id });
    const deep = await folder({ name: 'Deep', parent_id: sub.id });
    const d1 = await doc({ title: 'One', folder_id: top.id });
    const d2 = await doc({ title: 'Two', folder_id: deep.id });
    const outside = await doc({ title: 'Outside' });

    const refused = await w.t.api('DELETE', url(`/folders/${top.id}`), { token: w.admin.token });
    expectError(refused, 409, 'DOC_FOLDER_NOT_EMPTY');
    expect(refused.json.error_details).toEqual({ folder_count: 2, document_count: 2 });
    expectError(await w.t.api('DELETE', url(`/folders/${top.id}`), { token: w.admin.token, query: { recursive: 'true' }, headers: { 'if-match': '"5"' } }), 409, 'DOC_FOLDER_VERSION_CONFLICT');

    expect((await w.t.api('DELETE', url(`/folders/${top.id}`), { token: w.admin.token, query: { recursive: 'true' } })).status).toBe(204);
    expect(expectData(await w.t.api('GET', url('/folders'), { token: w.admin.token })).items).toEqual([]);
    for (const gone of [d1, d2]) expectError(await w.t.api('GET', url(`/${gone.id}`), { token: w.admin.token }), 404, 'DOC_NOT_FOUND');
    expectData(await w.t.api('GET', url(`/${outside.id}`), { token: w.admin.token }));
    expect(await eventsAbout(w, 'doc.deleted', d2.id)).toHaveLength(1);
    const deleted = await w.t.kernel.database.knex('events').where({ type: 'doc.folder.deleted', project_id: projectId }).orderBy('id');
    expect(deleted.map((e: { payload: { name: string } }) => e.payload.name)).toEqual(['Deep', 'Sub', 'Top']);

    // An empty folder goes without recursive; the name is free again afterwards.
    const empty = await folder({ name: 'Top' });
    expect((await w.t.api('DELETE', url(`/folders/${empty.id}`), { token: w.admin.token })).status).toBe(204);
    expectError(await w.t.api('DELETE', url(`/folders/${empty.id}`), { token: w.admin.token }), 404, 'DOC_FOLDER_NOT_FOUND');
    expectError(await w.t.api('POST', url(), { token: w.admin.token, body: { title: 'Orphan', folder_id: empty.id } }), 404, 'DOC_FOLDER_NOT_FOUND');
  });
});
