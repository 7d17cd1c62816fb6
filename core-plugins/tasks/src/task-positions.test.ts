import { expectData, expectError } from '@paca/kernel/testing';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTask, startTasksWorld, type TasksWorld } from './tasks-world.fixture.js';

// Manual card order in a view (D18): a move writes one fractional-index key between neighbours.

let w: TasksWorld;
const onPostgres = !!process.env.DATABASE_URL;
const positionsUrl = (viewId: string, projectId = w.projectId) => `/projects/${projectId}/views/${viewId}/task-positions`;

async function newBoard(projectId = w.projectId) {
  return expectData(await w.t.api('POST', `/projects/${projectId}/views`, { token: w.t.adminToken, body: { name: `Board ${randomUUID().slice(0, 6)}`, view_type: 'board' } }), 201) as { id: string };
}

async function newTasks(count: number, projectId = w.projectId): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) ids.push((await createTask(w.t, projectId, { title: `Card ${i}` })).id);
  return ids;
}

const move = (viewId: string, taskId: string, body: Record<string, unknown>, token = w.editor.token) =>
  w.t.api('PUT', `${positionsUrl(viewId)}/${taskId}`, { token, body });

async function moved(viewId: string, taskId: string, body: Record<string, unknown>) {
  return expectData(await move(viewId, taskId, body)) as { task_id: string; view_id: string; group_key: string; position: string };
}

/** The view's cards per group, in order. */
async function columns(viewId: string, projectId = w.projectId): Promise<Record<string, string[]>> {
  const page = expectData(await w.t.api('GET', positionsUrl(viewId, projectId), { token: w.viewer.token, query: { page_size: '1000' } }));
  const result: Record<string, string[]> = {};
  for (const item of page.items as Array<{ task_id: string; group_key: string }>) (result[item.group_key] ??= []).push(item.task_id);
  return result;
}

beforeAll(async () => { w = await startTasksWorld(); });
afterAll(() => w?.t.close());

describe('task positions', () => {
  it('appends, places after, before and between, and returns the stored key', async () => {
    const board = await newBoard();
    const [a, b, c, d, e] = await newTasks(5);
    const first = await moved(board.id, a!, { group_key: 'todo' });
    expect(first).toEqual({ task_id: a, view_id: board.id, group_key: 'todo', position: expect.any(String) });
    await moved(board.id, b!, { group_key: 'todo' });
    expect(await columns(board.id)).toEqual({ todo: [a, b] });

    await moved(board.id, c!, { group_key: 'todo', after_task_id: a });
    expect(await columns(board.id)).toEqual({ todo: [a, c, b] });
    await moved(board.id, d!, { group_key: 'todo', before_task_id: a });
    expect(await columns(board.id)).toEqual({ todo: [d, a, c, b] });
    await moved(board.id, e!, { group_key: 'todo', after_task_id: a, before_task_id: c });
    expect(await columns(board.id)).toEqual({ todo: [d, a, e, c, b] });
    // Moving within the column: the card leaves its old slot.
    await moved(board.id, d!, { group_key: 'todo', after_task_id: b, before_task_id: null });
    expect(await columns(board.id)).toEqual({ todo: [a, e, c, b, d] });
    await moved(board.id, b!, { group_key: 'todo' });
    expect(await columns(board.id)).toEqual({ todo: [a, e, c, d, b] });

    // The keys themselves sort like the cards (byte-wise, D18).
    const page = expectData(await w.t.api('GET', positionsUrl(board.id), { token: w.viewer.token }));
    const keys = page.items.map((i: { position: string }) => i.position);
    expect([...keys].sort((x: string, y: string) => (x < y ? -1 : x > y ? 1 : 0))).toEqual(keys);
    expect(new Set(keys).size).toBe(5);
  });

  it('moves across groups, keeps one row per card and announces each move', async () => {
    const board = await newBoard();
    const [a, b, c] = await newTasks(3);
    await moved(board.id, a!, { group_key: 'todo' });
    await moved(board.id, b!, { group_key: 'todo' });
    await moved(board.id, c!, { group_key: 'done' });
    const across = await moved(board.id, a!, { group_key: 'done', before_task_id: c });
    expect(across.group_key).toBe('done');
    expect(await columns(board.id)).toEqual({ done: [a, c], todo: [b] });
    expect(await w.t.kernel.database.knex('plugin_tasks.task_positions').where({ view_id: board.id, task_id: a })).toHaveLength(1);

    const events = await w.t.kernel.database.knex('events').where({ type: 'view.task_moved' }).whereRaw("payload->>'view_id' = ?", [board.id]).orderBy('id');
    expect(events.map((e) => [e.payload.task_id, e.payload.group_key])).toEqual([[a, 'todo'], [b, 'todo'], [c, 'done'], [a, 'done']]);
    expect(events.at(-1)!.payload).toEqual(across);
    expect(events.at(-1)!.actor_id).toBe(w.editor.id);
  });

  it('materialises an anchor that has no position yet at the end of the group, then places relative to it', async () => {
    const board = await newBoard();
    const [a, b, c, d, e] = await newTasks(5);
    await moved(board.id, a!, { group_key: 'todo' });
    await moved(board.id, b!, { group_key: 'todo', after_task_id: c });
    expect(await columns(board.id)).toEqual({ todo: [a, c, b] });
    await moved(board.id, d!, { group_key: 'todo', before_task_id: e });
    expect(await columns(board.id)).toEqual({ todo: [a, c, b, d, e] });
    // Both anchors new: they land at the end in order and the card goes between them.
    const [f, g, h] = await newTasks(3);
    await moved(board.id, h!, { group_key: 'review', after_task_id: f, before_task_id: g });
    expect((await columns(board.id)).review).toEqual([f, h, g]);

    const materialised = await w.t.kernel.database.knex('events').where({ type: 'view.task_moved' }).whereRaw("payload->>'task_id' = ?", [c!]);
    expect(materialised.map((ev) => ev.payload.view_id)).toEqual([board.id]);
  });

  it('refuses anchors outside the group, deleted or foreign, and anchors that are not neighbours (422)', async () => {
    const board = await newBoard();
    const [a, b, c, other, gone] = await newTasks(5);
    await moved(board.id, a!, { group_key: 'todo' });
    await moved(board.id, b!, { group_key: 'todo' });
    await moved(board.id, other!, { group_key: 'done' });
    await moved(board.id, gone!, { group_key: 'todo' });
    expect((await w.t.api('DELETE', `/projects/${w.projectId}/tasks/${gone}`, { token: w.t.adminToken })).status).toBe(204);
    const [foreign] = await newTasks(1, w.publicProjectId);
    const before = await columns(board.id);

    const refused = [
      { group_key: 'todo', after_task_id: other },
      { group_key: 'todo', before_task_id: other },
      { group_key: 'todo', after_task_id: gone },
      { group_key: 'todo', after_task_id: foreign },
      { group_key: 'todo', before_task_id: randomUUID() },
      { group_key: 'todo', after_task_id: c },
      { group_key: 'todo', after_task_id: c!.toUpperCase() },
      { group_key: 'todo', after_task_id: b, before_task_id: a },
      { group_key: 'todo', after_task_id: a, before_task_id: a },
    ];
    for (const body of refused) expectError(await move(board.id, c!, body), 422, 'VIEW_POSITION_ANCHOR_INVALID');
    const [d] = await newTasks(1);
    await moved(board.id, d!, { group_key: 'todo' });
    expectError(await move(board.id, c!, { group_key: 'todo', after_task_id: a, before_task_id: d }), 422, 'VIEW_POSITION_ANCHOR_INVALID');
    expect(await columns(board.id)).toEqual({ ...before, todo: [a, b, d] });
  });

  it('moves only live tasks of the project into views of the project', async () => {
    const board = await newBoard();
    const [live, gone] = await newTasks(2);
    expect((await w.t.api('DELETE', `/projects/${w.projectId}/tasks/${gone}`, { token: w.t.adminToken })).status).toBe(204);
    const [foreign] = await newTasks(1, w.publicProjectId);
    for (const taskId of [gone, foreign, randomUUID(), 'PREFIX-1']) {
      expectError(await move(board.id, taskId!, { group_key: 'todo' }), 404, 'TASK_NOT_FOUND');
    }
    const foreignBoard = await newBoard(w.publicProjectId);
    expectError(await move(foreignBoard.id, live!, { group_key: 'todo' }), 404, 'VIEW_NOT_FOUND');
    expectError(await w.t.api('GET', positionsUrl(foreignBoard.id), { token: w.editor.token }), 404, 'VIEW_NOT_FOUND');
    expectError(await move(board.id, live!, { after_task_id: randomUUID() }), 422, 'VALIDATION_FAILED');
    expectError(await move(board.id, live!, { group_key: 'todo', position: 'a0' }), 422, 'VALIDATION_FAILED');
    expect(await columns(board.id)).toEqual({});
  });

  it('hides the positions of deleted tasks and keeps placing around their keys', async () => {
    const board = await newBoard();
    const [a, gone, b] = await newTasks(3);
    for (const id of [a, gone, b]) await moved(board.id, id!, { group_key: 'todo' });
    expect((await w.t.api('DELETE', `/projects/${w.projectId}/tasks/${gone}`, { token: w.t.adminToken })).status).toBe(204);
    expect(await columns(board.id)).toEqual({ todo: [a, b] });
    // a and b read as neighbours; the new key must still avoid the deleted card's slot.
    const [c] = await newTasks(1);
    await moved(board.id, c!, { group_key: 'todo', after_task_id: a, before_task_id: b });
    await moved(board.id, a!, { group_key: 'todo', after_task_id: c });
    expect(await columns(board.id)).toEqual({ todo: [c, a, b] });
  });

  it('applies bulk moves in order, all or nothing', async () => {
    const board = await newBoard();
    const [a, b, c] = await newTasks(3);
    const bulk = (items: unknown[]) => w.t.api('PUT', positionsUrl(board.id), { token: w.editor.token, body: { items } });
    const result = expectData(await bulk([
      { task_id: a, group_key: 'todo' },
      { task_id: b, group_key: 'todo' },
      { task_id: c, group_key: 'todo', before_task_id: a },
      { task_id: b, group_key: 'done' },
    ]));
    expect(result.items.map((i: { task_id: string; group_key: string }) => [i.task_id, i.group_key])).toEqual([[a, 'todo'], [b, 'todo'], [c, 'todo'], [b, 'done']]);
    expect(await columns(board.id)).toEqual({ done: [b], todo: [c, a] });

    expectError(await bulk([{ task_id: a, group_key: 'done' }, { task_id: c, group_key: 'todo', after_task_id: randomUUID() }]), 422, 'VIEW_POSITION_ANCHOR_INVALID');
    expect(await columns(board.id)).toEqual({ done: [b], todo: [c, a] });
    expectError(await bulk([]), 422, 'VALIDATION_FAILED');
  });

  it('lets readers list and only writers move', async () => {
    const board = await newBoard();
    const [a] = await newTasks(1);
    expectError(await move(board.id, a!, { group_key: 'todo' }, w.viewer.token), 403, 'FORBIDDEN');
    expectError(await w.t.api('PUT', positionsUrl(board.id), { token: w.viewer.token, body: { items: [{ task_id: a, group_key: 'todo' }] } }), 403, 'FORBIDDEN');
    expectError(await w.t.api('GET', positionsUrl(board.id)), 401, 'AUTH_UNAUTHENTICATED');
    expect([403, 404]).toContain((await w.t.api('GET', positionsUrl(board.id), { token: w.outsider.token })).status);
    expect(await columns(board.id)).toEqual({});

    const publicBoard = await newBoard(w.publicProjectId);
    const [card] = await newTasks(1, w.publicProjectId);
    expectData(await w.t.api('PUT', `${positionsUrl(publicBoard.id, w.publicProjectId)}/${card}`, { token: w.t.adminToken, body: { group_key: 'todo' } }));
    const anonymous = expectData(await w.t.api('GET', positionsUrl(publicBoard.id, w.publicProjectId)));
    expect(anonymous).toEqual({ items: [{ task_id: card, group_key: 'todo', position: expect.any(String) }], next_cursor: null });
    expectError(await w.t.api('PUT', `${positionsUrl(publicBoard.id, w.publicProjectId)}/${card}`, { body: { group_key: 'done' } }), 401, 'AUTH_UNAUTHENTICATED');
  });

  it('neither shows nor moves a task the caller may not read (D15), nor places cards next to it', async () => {
    const board = await newBoard();
    const [open, hidden] = await newTasks(2);
    expectData(await move(board.id, hidden!, { group_key: 'todo' }, w.t.adminToken));
    const role = expectData(await w.t.api('POST', `/projects/${w.projectId}/roles`, {
      token: w.t.adminToken,
      body: { name: `No card ${randomUUID().slice(0, 6)}`, policy: { version: '2026-10-01', statements: [{ effect: 'Deny', actions: ['tasks:read'], resources: [`project/${w.projectId}/task/${hidden}`] }] } },
    }), 201);
    const roles = expectData(await w.t.api('GET', `/projects/${w.projectId}/roles`, { token: w.t.adminToken }));
    const editorRole = roles.items.find((r: { name: string }) => r.name === 'Editor');
    const member = await w.t.createUser();
    expectData(await w.t.api('POST', `/projects/${w.projectId}/members`, { token: w.t.adminToken, body: { user_id: member.id, role_ids: [editorRole.id, role.id] } }), 201);

    expect(expectData(await w.t.api('GET', positionsUrl(board.id), { token: member.token })).items).toEqual([]);
    expectError(await move(board.id, hidden!, { group_key: 'done' }, member.token), 404, 'TASK_NOT_FOUND');
    expectError(await move(board.id, open!, { group_key: 'todo', after_task_id: hidden }, member.token), 422, 'VIEW_POSITION_ANCHOR_INVALID');
    expect(await columns(board.id)).toEqual({ todo: [hidden] });
    expectData(await move(board.id, open!, { group_key: 'todo' }, member.token));
    expect(expectData(await w.t.api('GET', positionsUrl(board.id), { token: member.token })).items.map((p: { task_id: string }) => p.task_id)).toEqual([open]);
  });

  it('pages the positions by group and order', async () => {
    const board = await newBoard();
    const ids = await newTasks(5);
    for (const [i, id] of ids.entries()) await moved(board.id, id, { group_key: i % 2 === 0 ? 'a' : 'b' });
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { items: Array<{ task_id: string }>; next_cursor: string | null } =
        expectData(await w.t.api('GET', positionsUrl(board.id), { token: w.viewer.token, query: { page_size: '2', ...(cursor ? { cursor } : {}) } }));
      seen.push(...page.items.map((i) => i.task_id));
      cursor = page.next_cursor;
    } while (cursor);
    expect(seen).toEqual([ids[0], ids[2], ids[4], ids[1], ids[3]]);
  });

  it.runIf(onPostgres)('serialises 50 concurrent moves into one column: 50 distinct keys, each card once', async () => {
    const board = await newBoard();
    const [anchor, ...cards] = await newTasks(51);
    await moved(board.id, anchor!, { group_key: 'todo' });
    const half = cards.slice(0, 25);
    const rest = cards.slice(25);
    const responses = await Promise.all([
      ...half.map((id) => move(board.id, id, { group_key: 'todo' })),
      ...rest.map((id) => move(board.id, id, { group_key: 'todo', after_task_id: anchor })),
    ]);
    for (const response of responses) expectData(response);
    const rows = await w.t.kernel.database.knex('plugin_tasks.task_positions').where({ view_id: board.id });
    expect(rows).toHaveLength(51);
    expect(new Set(rows.map((r) => r.position)).size).toBe(51);
    const column = (await columns(board.id)).todo!;
    expect([...column].sort()).toEqual([anchor, ...cards].sort());
    // Everyone placed right after the anchor sits before everyone appended at the end.
    expect(column[0]).toBe(anchor);
    expect(new Set(column.slice(1, 26))).toEqual(new Set(rest));
    expect(new Set(column.slice(26))).toEqual(new Set(half));
  });

  it.runIf(onPostgres)('keeps one row for a card moved concurrently many times', async () => {
    const board = await newBoard();
    const [card, ...others] = await newTasks(4);
    for (const id of others) await moved(board.id, id, { group_key: 'todo' });
    const groups = ['todo', 'doing', 'done'];
    const responses = await Promise.all(Array.from({ length: 30 }, (_, i) =>
      move(board.id, card!, i % 3 === 0 ? { group_key: groups[i % 3]!, after_task_id: others[i % 3] } : { group_key: groups[i % 3]! })));
    for (const response of responses) expectData(response);
    const rows = await w.t.kernel.database.knex('plugin_tasks.task_positions').where({ view_id: board.id, task_id: card });
    expect(rows).toHaveLength(1);
    const all = Object.values(await columns(board.id)).flat();
    expect(all.filter((id) => id === card)).toHaveLength(1);
    expect(all).toHaveLength(4);
  });
});
