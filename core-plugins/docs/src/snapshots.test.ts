import { expectData, expectError } from '@paca/kernel/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDoc, docsUrl, eventsAbout, startDocsWorld, type DocsWorld } from './docs-world.fixture.js';

// Document history (D30): snapshots, the one-minute merge of one author's saves, diffs and restore.

let w: DocsWorld;
const url = (rest = '') => docsUrl(w, rest);
const save = (docId: string, body: Record<string, unknown>, token: string) => w.t.api('PATCH', url(`/${docId}`), { token, body });
const snapshots = async (docId: string) => expectData(await w.t.api('GET', url(`/${docId}/snapshots`), { token: w.viewer.token })).items;
const snapshot = async (docId: string, n: number) => expectData(await w.t.api('GET', url(`/${docId}/snapshots/${n}`), { token: w.viewer.token }));

// The clock moves hours ahead over the suite: tokens must outlive it.
beforeAll(async () => { w = await startDocsWorld({ now: '2030-01-01T09:00:00.000Z', env: { JWT_ACCESS_TTL: '24h' } }); });
afterAll(() => w?.t.close());

describe('history acceptance (D30)', () => {
  it('create + 4 edits by different authors → 5 snapshots; diff 2..4; restore 2 → a 6th equal to 2', async () => {
    const doc = await createDoc(w, { title: 'Plan', content: '# Plan\n\nIntro\n' }, w.editor.token);
    const edits: Array<[string, Record<string, unknown>]> = [
      [w.writer.token, { content: '# Plan\n\nIntro\n\n- one\n' }],
      [w.admin.token, { content: '# Plan\n\nIntro\n\n- one\n- two\n' }],
      [w.editor.token, { content: '# Plan\n\nIntroduction\n\n- one\n- two\n' }],
      [w.writer.token, { title: 'Plan v2', content: '# Plan\n\nIntroduction\n\n- one\n- two\n- three\n' }],
    ];
    // Different authors never merge, however close together (a second apart keeps the feed's order readable).
    for (const [token, body] of edits) {
      w.t.clock.advance(1_000);
      expectData(await save(doc.id, body, token));
    }

    const history = await snapshots(doc.id);
    expect(history.map((s: { snapshot_number: number }) => s.snapshot_number)).toEqual([5, 4, 3, 2, 1]);
    expect(history[0]).toEqual({
      document_id: doc.id, snapshot_number: 5, title: 'Plan v2', restored_from: null, created_by: { type: 'user', id: w.writer.id },
      created_at: '2030-01-01T09:00:04.000Z', updated_at: '2030-01-01T09:00:04.000Z',
    });
    expect(history[4]).toMatchObject({ snapshot_number: 1, title: 'Plan', created_by: { type: 'user', id: w.editor.id } });
    expect(history[0]).not.toHaveProperty('content');
    expect(await snapshot(doc.id, 2)).toMatchObject({ snapshot_number: 2, title: 'Plan', content: '# Plan\n\nIntro\n\n- one\n' });

    const diff = expectData(await w.t.api('GET', url(`/${doc.id}/snapshots/2/diff/4`), { token: w.viewer.token }));
    expect(diff).toEqual({
      from: 2, to: 4,
      hunks: [{ old_start: 1, old_lines: 5, new_start: 1, new_lines: 6, lines: [' # Plan', ' ', '-Intro', '+Introduction', ' ', ' - one', '+- two'] }],
    });
    const titled = expectData(await w.t.api('GET', url(`/${doc.id}/snapshots/4/diff/5`), { token: w.viewer.token }));
    expect(titled).toEqual({
      from: 4, to: 5, title: { old: 'Plan', new: 'Plan v2' },
      hunks: [{ old_start: 4, old_lines: 3, new_start: 4, new_lines: 4, lines: [' ', ' - one', ' - two', '+- three'] }],
    });
    expect(expectData(await w.t.api('GET', url(`/${doc.id}/snapshots/3/diff/3`), { token: w.viewer.token })).hunks).toEqual([]);

    w.t.clock.advance(1_000);
    const restore = await w.t.api('POST', url(`/${doc.id}/snapshots/2/restore`), { token: w.admin.token, body: {} });
    const restored = expectData(restore);
    expect(restored).toMatchObject({ title: 'Plan', content: '# Plan\n\nIntro\n\n- one\n', version: 6, snapshot_number: 6 });
    expect(restored.updated_by.type).toBe('user');
    expect(restore.headers.etag).toBe('"6"');
    const sixth = await snapshot(doc.id, 6);
    const second = await snapshot(doc.id, 2);
    expect({ title: sixth.title, content: sixth.content }).toEqual({ title: second.title, content: second.content });
    expect(sixth).toMatchObject({ restored_from: 2 });
    expect((await snapshots(doc.id)).length).toBe(6);
    expect(expectData(await w.t.api('GET', url(`/${doc.id}/snapshots/2/diff/6`), { token: w.viewer.token }))).toEqual({ from: 2, to: 6, hunks: [] });

    const [event] = await eventsAbout(w, 'doc.restored', doc.id);
    expect(event.payload).toEqual({ doc_id: doc.id, title: 'Plan', folder_id: null, version: 6, snapshot_number: 6, restored_from: 2 });
    const feed = expectData(await w.t.api('GET', url(`/${doc.id}/activities`), { token: w.viewer.token }));
    expect(feed.items[0]).toMatchObject({
      activity_type: 'doc.restored',
      content: { restored_from: 2, snapshot_number: 6, changes: [{ field: 'title', old: 'Plan v2', new: 'Plan' }, { field: 'content', snapshot_number: 6 }] },
    });
    expect(feed.items.filter((a: { activity_type: string }) => a.activity_type === 'doc.updated')).toHaveLength(4);
  });

  it('merges one author\'s saves less than a minute apart into one snapshot; one 61 s later does not', async () => {
    const doc = await createDoc(w, { title: 'Typing', content: 'a' }, w.editor.token);
    w.t.clock.advance(120_000);
    expectData(await save(doc.id, { content: 'ab' }, w.editor.token));
    for (const content of ['abc', 'abcd', 'abcde']) {
      w.t.clock.advance(20_000);
      expectData(await save(doc.id, { content }, w.editor.token));
    }
    w.t.clock.advance(60_000);
    expect(expectData(await save(doc.id, { content: 'abcdef', title: 'Typed' }, w.editor.token)).snapshot_number).toBe(2);
    let history = await snapshots(doc.id);
    expect(history.map((s: { snapshot_number: number }) => s.snapshot_number)).toEqual([2, 1]);
    expect(await snapshot(doc.id, 2)).toMatchObject({ title: 'Typed', content: 'abcdef' });
    expect(Date.parse(history[0].updated_at) - Date.parse(history[0].created_at)).toBe(120_000);

    w.t.clock.advance(61_000);
    const later = expectData(await save(doc.id, { content: 'abcdefg' }, w.editor.token));
    expect(later).toMatchObject({ snapshot_number: 3, version: 7 });
    // Another author's save right after is never merged into someone else's snapshot.
    w.t.clock.advance(1_000);
    expect(expectData(await save(doc.id, { content: 'abcdefgh' }, w.writer.token)).snapshot_number).toBe(4);
    history = await snapshots(doc.id);
    expect(history.map((s: { snapshot_number: number }) => s.snapshot_number)).toEqual([4, 3, 2, 1]);
    // Saves that change neither title nor content make no snapshot.
    w.t.clock.advance(120_000);
    expect(expectData(await save(doc.id, { position: 3 }, w.writer.token)).snapshot_number).toBe(4);
  });

  it('the first edit by the creator within the minute folds into snapshot 1', async () => {
    const doc = await createDoc(w, { title: 'Quick', content: '' }, w.editor.token);
    w.t.clock.advance(5_000);
    expect(expectData(await save(doc.id, { content: 'first words' }, w.editor.token)).snapshot_number).toBe(1);
    expect(await snapshot(doc.id, 1)).toMatchObject({ content: 'first words' });
  });

  it('restores never merge, and a save right after a restore is a snapshot of its own', async () => {
    const doc = await createDoc(w, { title: 'Restorable', content: 'one' }, w.editor.token);
    w.t.clock.advance(120_000);
    expectData(await save(doc.id, { content: 'two' }, w.editor.token));
    w.t.clock.advance(1_000);
    expect(expectData(await w.t.api('POST', url(`/${doc.id}/snapshots/1/restore`), { token: w.editor.token, body: {} })).snapshot_number).toBe(3);
    w.t.clock.advance(1_000);
    expect(expectData(await w.t.api('POST', url(`/${doc.id}/snapshots/1/restore`), { token: w.editor.token, body: {} })).snapshot_number).toBe(4);
    w.t.clock.advance(1_000);
    expect(expectData(await save(doc.id, { content: 'three' }, w.editor.token)).snapshot_number).toBe(5);
    expect((await snapshots(doc.id)).map((s: { restored_from: number | null }) => s.restored_from)).toEqual([null, 1, 1, null, null]);
  });

  it('answers 404 for unknown snapshots, 422 for non-numbers, and applies D4 and the title rule to restores', async () => {
    const doc = await createDoc(w, { title: 'Old name', content: 'x' }, w.editor.token);
    w.t.clock.advance(120_000);
    expectData(await save(doc.id, { title: 'New name' }, w.writer.token));
    await createDoc(w, { title: 'Old name' }, w.editor.token);
    expectError(await w.t.api('POST', url(`/${doc.id}/snapshots/1/restore`), { token: w.editor.token, body: {} }), 409, 'DOC_TITLE_TAKEN');

    expectError(await w.t.api('GET', url(`/${doc.id}/snapshots/9`), { token: w.viewer.token }), 404, 'DOC_SNAPSHOT_NOT_FOUND');
    expectError(await w.t.api('GET', url(`/${doc.id}/snapshots/1/diff/9`), { token: w.viewer.token }), 404, 'DOC_SNAPSHOT_NOT_FOUND');
    expectError(await w.t.api('POST', url(`/${doc.id}/snapshots/9/restore`), { token: w.editor.token, body: {} }), 404, 'DOC_SNAPSHOT_NOT_FOUND');
    expectError(await w.t.api('GET', url(`/${doc.id}/snapshots/first`), { token: w.viewer.token }), 422, 'VALIDATION_FAILED');
    expectError(await w.t.api('GET', url(`/${doc.id}/snapshots/0`), { token: w.viewer.token }), 422, 'VALIDATION_FAILED');
    expectError(await w.t.api('GET', url('/not-a-uuid/snapshots'), { token: w.viewer.token }), 404, 'DOC_NOT_FOUND');
    expectError(await w.t.api('POST', url(`/${doc.id}/snapshots/2/restore`), { token: w.viewer.token, body: {} }), 403, 'FORBIDDEN');

    const stale = await w.t.api('POST', url(`/${doc.id}/snapshots/2/restore`), { token: w.editor.token, body: { version: 1 } });
    expectError(stale, 409, 'DOC_VERSION_CONFLICT');
    expect(stale.json.error_details).toEqual({ current_version: 2 });
    expect(expectData(await w.t.api('POST', url(`/${doc.id}/snapshots/2/restore`), { token: w.editor.token, body: { version: 2 } })).version).toBe(3);
  });

  it('pages the history newest first', async () => {
    const doc = await createDoc(w, { title: 'Paged', content: '0' }, w.editor.token);
    for (let i = 1; i <= 4; i++) {
      w.t.clock.advance(61_000);
      expectData(await save(doc.id, { content: String(i) }, w.editor.token));
    }
    const first = expectData(await w.t.api('GET', url(`/${doc.id}/snapshots`), { token: w.viewer.token, query: { page_size: '3' } }));
    expect(first.items.map((s: { snapshot_number: number }) => s.snapshot_number)).toEqual([5, 4, 3]);
    const rest = expectData(await w.t.api('GET', url(`/${doc.id}/snapshots`), { token: w.viewer.token, query: { page_size: '3', cursor: first.next_cursor } }));
    expect(rest).toEqual({ items: [expect.objectContaining({ snapshot_number: 2 }), expect.objectContaining({ snapshot_number: 1 })], next_cursor: null });
  });
});
