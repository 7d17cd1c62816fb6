import { expectData, expectError } from '@paca/kernel/testing';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDoc, createFolder, docsUrl, startDocsWorld, type DocsWorld } from './docs-world.fixture.js';

// Doc search (D30): a literal, case-insensitive substring of title or body, title hits first.

let w: DocsWorld;
let projectId: string;
const search = (q: string, extra: Record<string, string> = {}, token = w.viewer.token, project = projectId) =>
  w.t.api('GET', docsUrl(w, '/search', project), { token, query: { q, ...extra } });
const hits = async (q: string, extra: Record<string, string> = {}) => expectData(await search(q, extra)).items as Array<Record<string, unknown>>;
const doc = (body: Record<string, unknown>) => createDoc(w, body, w.editor.token, projectId);

beforeAll(async () => {
  w = await startDocsWorld();
  projectId = w.projectId;
});
afterAll(() => w?.t.close());

describe('GET /docs/search', () => {
  it('finds title and body matches case-insensitively, title matches first, then the most recently updated', async () => {
    const folder = await createFolder(w, { name: 'Guides' });
    const inBody = await doc({ title: 'Setup', content: `${'Intro line. '.repeat(10)}Configure the Zebra gateway before starting.${' More text.'.repeat(10)}` });
    w.t.clock.advance(1_000);
    const inTitle = await doc({ title: 'zebra crossing', folder_id: folder.id, content: 'nothing here' });
    w.t.clock.advance(1_000);
    const newerBody = await doc({ title: 'Notes', content: 'zebra' });

    const found = await hits('ZEBRA');
    expect(found.map((h) => h.id)).toEqual([inTitle.id, newerBody.id, inBody.id]);
    expect(found[0]).toEqual({ id: inTitle.id, title: 'zebra crossing', path: 'Guides/zebra crossing', folder_id: folder.id, matched_in: 'title', snippet: 'zebra crossing' });
    expect(found[1]).toMatchObject({ matched_in: 'content', snippet: 'zebra' });
    const snippet = found[2]!.snippet as string;
    expect(snippet).toMatch(/^….*Configure the Zebra gateway.*…$/);
    expect(snippet.length).toBeLessThanOrEqual(84);
    expect(snippet).not.toContain('  ');
  });

  it('takes % and _ literally', async () => {
    const percent = await doc({ title: 'Rates', content: 'discount of 50% today' });
    await doc({ title: 'Plain', content: 'discount of 50 percent' });
    const underscore = await doc({ title: 'snake_case names', content: '' });
    await doc({ title: 'snakeXcase names', content: '' });
    expect((await hits('50%')).map((h) => h.id)).toEqual([percent.id]);
    expect((await hits('e_c')).map((h) => h.id)).toEqual([underscore.id]);
    expect(await hits('\\')).toEqual([]);
  });

  it('leaves out deleted documents and other projects\' documents', async () => {
    const gone = await doc({ title: 'Ephemeral quokka' });
    expect((await hits('quokka')).map((h) => h.id)).toEqual([gone.id]);
    expect((await w.t.api('DELETE', docsUrl(w, `/${gone.id}`), { token: w.editor.token })).status).toBe(204);
    expect(await hits('quokka')).toEqual([]);

    const other = expectData(await w.t.api('POST', '/projects', { token: w.admin.token, body: { name: `Other ${randomUUID().slice(0, 6)}` } }), 201);
    await createDoc(w, { title: 'Foreign quokka' }, w.admin.token, other.id);
    expect(await hits('quokka')).toEqual([]);
    expect(expectData(await search('quokka', {}, w.admin.token, other.id)).items).toHaveLength(1);
  });

  it('limits the answer (default 20, at most 50) and validates the query', async () => {
    for (let i = 0; i < 22; i++) await doc({ title: `Lemur ${i}` });
    const page = expectData(await search('lemur'));
    expect(page.items).toHaveLength(20);
    expect(page.next_cursor).toBeNull();
    expect(await hits('lemur', { limit: '3' })).toHaveLength(3);
    expectError(await search('lemur', { limit: '51' }), 422, 'VALIDATION_FAILED');
    expectError(await search('lemur', { limit: '0' }), 422, 'VALIDATION_FAILED');
    expectError(await search(''), 422, 'VALIDATION_FAILED');
    expectError(await search('x'.repeat(201)), 422, 'VALIDATION_FAILED');
    expectError(await search('nul\u0000'), 422, 'VALIDATION_FAILED');
    expectError(await search('lemur', {}, w.outsider.token), 403, 'FORBIDDEN');
    expectError(await w.t.api('GET', docsUrl(w, '/search'), { query: { q: 'lemur' } }), 401, 'AUTH_UNAUTHENTICATED');
  });
});
