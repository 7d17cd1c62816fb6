import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CALLER, loadPlugin, type PluginHarness } from '../../../plugin-sdk/src/testing/wasm-harness.fixture.js';

/*
 * The checklist plugin's guest, built from its AssemblyScript source and run in Extism against an
 * in-memory host: routes, ordering, validation, activity, events and the task.deleted cleanup.
 */

const PLUGIN_DIR = fileURLToPath(new URL('..', import.meta.url));

let h: PluginHarness;

beforeAll(async () => {
  h = await loadPlugin(PLUGIN_DIR);
});

afterAll(async () => {
  await h?.close();
});

beforeEach(() => {
  h.host.calls.length = 0;
  h.host.refusals = {};
});

function newTask(): string {
  const id = randomUUID();
  h.host.tasks.set(id, { id, title: 'A task', key: 'PACA-1' });
  return id;
}

async function createChecklist(taskId: string, body: Record<string, unknown> = { name: 'Release' }) {
  const created = await h.request('checklists.create', { params: { taskId }, body });
  expect(created.status).toBe(201);
  return created.body as { id: string; items: Array<{ id: string }> };
}

async function addItem(taskId: string, checklistId: string, body: Record<string, unknown>) {
  const added = await h.request('items.add', { params: { taskId, checklistId }, body });
  expect(added.status).toBe(201);
  return added.body as { id: string; position: number };
}

async function texts(taskId: string, checklistIndex = 0): Promise<string[]> {
  const list = await h.request('checklists.list', { params: { taskId } });
  return list.body.items[checklistIndex].items.map((i: { text: string }) => i.text);
}

/** The activity entries and events committed since `since` entries of each. */
function announced(since: { activity: number; events: number }) {
  return { activity: h.host.activity.slice(since.activity), events: h.host.events.slice(since.events) };
}

function mark() {
  return { activity: h.host.activity.length, events: h.host.events.length };
}

describe('checklists', () => {
  it('creates a checklist with its first items, lists the task\'s checklists in order, and announces the creation', async () => {
    const taskId = newTask();
    const before = mark();
    const created = await h.request('checklists.create', {
      params: { taskId }, body: { name: '  Release  ', items: [{ text: 'Build' }, { text: 'Ship ✓ 🚀', checked: true }] },
    });
    expect(created).toEqual({
      status: 201,
      body: {
        id: expect.any(String), task_id: taskId, name: 'Release', position: 0, item_count: 2, checked_count: 1,
        items: [
          { id: expect.any(String), checklist_id: created.body.id, text: 'Build', checked: false, checked_by: null, position: 0 },
          { id: expect.any(String), checklist_id: created.body.id, text: 'Ship ✓ 🚀', checked: true, checked_by: CALLER, position: 1 },
        ],
      },
    });
    expect(h.host.calls[0]).toEqual({ fn: 'tasks.get', args: { task_id: taskId } });
    expect(announced(before)).toEqual({
      activity: [{ action: 'created', task_id: taskId, content: 'Added checklist "Release" with 2 items' }],
      events: [{ type: 'checklist.created', payload: { task_id: taskId, checklist_id: created.body.id, name: 'Release', item_count: 2 } }],
    });

    const second = await createChecklist(taskId, { name: 'Review' });
    const list = await h.request('checklists.list', { params: { taskId } });
    expect(list.status).toBe(200);
    expect(list.body.items.map((c: { name: string; position: number }) => [c.name, c.position])).toEqual([['Release', 0], ['Review', 1]]);
    expect(list.body.items[0]).toEqual(created.body);
    expect(list.body.items[1]).toMatchObject({ id: second.id, item_count: 0, checked_count: 0, items: [] });
  });

  it('lists nothing for a task without checklists, and only the task\'s own', async () => {
    const taskId = newTask();
    await createChecklist(newTask());
    expect(await h.request('checklists.list', { params: { taskId } })).toEqual({ status: 200, body: { items: [] } });
  });

  it('renames a checklist and moves it among the task\'s checklists', async () => {
    const taskId = newTask();
    const a = await createChecklist(taskId, { name: 'A' });
    await createChecklist(taskId, { name: 'B' });
    await createChecklist(taskId, { name: 'C' });

    let before = mark();
    const renamed = await h.request('checklists.update', { params: { taskId, checklistId: a.id }, body: { name: 'Alpha' } });
    expect(renamed.body).toMatchObject({ id: a.id, name: 'Alpha', position: 0 });
    expect(announced(before)).toEqual({
      activity: [{ action: 'renamed', task_id: taskId, content: 'Renamed checklist "A" to "Alpha"', changes: [{ field: 'name', old: 'A', new: 'Alpha' }] }],
      events: [{ type: 'checklist.updated', payload: { task_id: taskId, checklist_id: a.id, name: 'Alpha', changes: [{ field: 'name', old: 'A', new: 'Alpha' }] } }],
    });

    before = mark();
    const moved = await h.request('checklists.update', { params: { taskId, checklistId: a.id }, body: { position: 2 } });
    expect(moved.body).toMatchObject({ name: 'Alpha', position: 2 });
    expect(announced(before).activity).toEqual([
      { action: 'moved', task_id: taskId, content: 'Moved checklist "Alpha" to place 3', changes: [{ field: 'position', old: 0, new: 2 }] },
    ]);
    const list = await h.request('checklists.list', { params: { taskId } });
    expect(list.body.items.map((c: { name: string }) => c.name)).toEqual(['B', 'C', 'Alpha']);

    before = mark();
    const unchanged = await h.request('checklists.update', { params: { taskId, checklistId: a.id }, body: { name: 'Alpha', position: 2 } });
    expect(unchanged).toMatchObject({ status: 200, body: { name: 'Alpha', position: 2 } });
    expect(announced(before)).toEqual({ activity: [], events: [] });

    expect(await h.request('checklists.update', { params: { taskId, checklistId: a.id }, body: { position: 3 } }))
      .toEqual({ status: 422, body: { code: 'VALIDATION_FAILED', message: 'position must be from 0 to 2' } });
    expect(await h.request('checklists.update', { params: { taskId, checklistId: a.id }, body: {} }))
      .toEqual({ status: 422, body: { code: 'VALIDATION_FAILED', message: 'give name or position to change' } });
  });

  it('deletes a checklist with its items', async () => {
    const taskId = newTask();
    const kept = await createChecklist(taskId, { name: 'Kept', items: [{ text: 'stays' }] });
    const doomed = await createChecklist(taskId, { name: 'Doomed', items: [{ text: 'x' }, { text: 'y' }] });
    const before = mark();
    expect(await h.request('checklists.delete', { params: { taskId, checklistId: doomed.id } })).toEqual({ status: 204, body: null });
    expect(announced(before)).toEqual({
      activity: [{ action: 'deleted', task_id: taskId, content: 'Deleted checklist "Doomed" and its 2 items' }],
      events: [{ type: 'checklist.deleted', payload: { task_id: taskId, checklist_id: doomed.id, name: 'Doomed' } }],
    });
    expect(h.host.collection('checklists').has(doomed.id)).toBe(false);
    expect([...h.host.collection('items').values()].filter((i) => i.checklist_id === doomed.id)).toEqual([]);
    const list = await h.request('checklists.list', { params: { taskId } });
    expect(list.body.items.map((c: { id: string; position: number }) => [c.id, c.position])).toEqual([[kept.id, 0]]);
    expect(await h.request('checklists.delete', { params: { taskId, checklistId: doomed.id } }))
      .toEqual({ status: 404, body: { code: 'CHECKLIST_NOT_FOUND', message: `checklist ${doomed.id} not found` } });

    const last = mark();
    expect(await h.request('checklists.delete', { params: { taskId, checklistId: kept.id } })).toMatchObject({ status: 204 });
    expect(announced(last).activity).toEqual([{ action: 'deleted', task_id: taskId, content: 'Deleted checklist "Kept" and its 1 item' }]);
  });
});

describe('items', () => {
  it('appends items, inserts at a position, and keeps the order with dense positions', async () => {
    const taskId = newTask();
    const checklist = await createChecklist(taskId);
    for (const text of ['A', 'B', 'C']) await addItem(taskId, checklist.id, { text });
    const before = mark();
    const d = await addItem(taskId, checklist.id, { text: 'D', position: 0 });
    expect(d).toEqual({ id: expect.any(String), checklist_id: checklist.id, text: 'D', checked: false, checked_by: null, position: 0 });
    expect(announced(before)).toEqual({
      activity: [{ action: 'item_added', task_id: taskId, content: 'Added "D" to "Release"' }],
      events: [{ type: 'checklist.item.added', payload: { task_id: taskId, checklist_id: checklist.id, item_id: d.id, text: 'D', checked: false, position: 0 } }],
    });
    expect(await addItem(taskId, checklist.id, { text: 'E', position: 2, checked: true })).toMatchObject({ position: 2, checked: true, checked_by: CALLER });
    expect(await addItem(taskId, checklist.id, { text: 'F', position: 5 })).toMatchObject({ position: 5 });
    expect(await texts(taskId)).toEqual(['D', 'A', 'E', 'B', 'C', 'F']);
    const list = await h.request('checklists.list', { params: { taskId } });
    expect(list.body.items[0].items.map((i: { position: number }) => i.position)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(list.body.items[0]).toMatchObject({ item_count: 6, checked_count: 1 });

    expect(await h.request('items.add', { params: { taskId, checklistId: checklist.id }, body: { text: 'G', position: 7 } }))
      .toEqual({ status: 422, body: { code: 'VALIDATION_FAILED', message: 'position must be from 0 to 6' } });
  });

  it('checks, unchecks and edits an item, recording each change once', async () => {
    const taskId = newTask();
    const checklist = await createChecklist(taskId, { name: 'Done when', items: [{ text: 'Tests' }, { text: 'Docs' }] });
    const [, docs] = checklist.items as [{ id: string }, { id: string }];
    const params = { taskId, checklistId: checklist.id, itemId: docs.id };

    let before = mark();
    expect(await h.request('items.update', { params, body: { checked: true } })).toEqual({
      status: 200, body: { id: docs.id, checklist_id: checklist.id, text: 'Docs', checked: true, checked_by: CALLER, position: 1 },
    });
    const checkedChange = [{ field: 'checked', old: false, new: true }];
    expect(announced(before)).toEqual({
      activity: [{ action: 'item_checked', task_id: taskId, content: 'Checked "Docs" in "Done when"', changes: checkedChange }],
      events: [{
        type: 'checklist.item.updated',
        payload: { task_id: taskId, checklist_id: checklist.id, item_id: docs.id, text: 'Docs', checked: true, position: 1, changes: checkedChange },
      }],
    });

    before = mark();
    expect(await h.request('items.update', { params, body: { checked: true } })).toMatchObject({ status: 200, body: { checked: true } });
    expect(announced(before)).toEqual({ activity: [], events: [] });

    before = mark();
    expect(await h.request('items.update', { params, body: { checked: false }, caller: null })).toMatchObject({ body: { checked: false, checked_by: null } });
    expect(announced(before).activity).toEqual([
      { action: 'item_unchecked', task_id: taskId, content: 'Unchecked "Docs" in "Done when"', changes: [{ field: 'checked', old: true, new: false }] },
    ]);

    before = mark();
    expect(await h.request('items.update', { params, body: { text: 'Docs in README', checked: true } }))
      .toMatchObject({ body: { text: 'Docs in README', checked: true, position: 1 } });
    expect(announced(before).activity).toEqual([{
      action: 'item_edited', task_id: taskId, content: 'Changed "Docs" to "Docs in README" in "Done when"',
      changes: [{ field: 'text', old: 'Docs', new: 'Docs in README' }, { field: 'checked', old: false, new: true }],
    }]);

    expect(await h.request('items.update', { params, body: {} }))
      .toEqual({ status: 422, body: { code: 'VALIDATION_FAILED', message: 'give text or checked to change' } });
  });

  it('moves an item within its checklist and into another checklist of the task', async () => {
    const taskId = newTask();
    const first = await createChecklist(taskId, { name: 'First', items: [{ text: 'A' }, { text: 'B' }, { text: 'C' }, { text: 'D' }] });
    const second = await createChecklist(taskId, { name: 'Second', items: [{ text: 'X' }] });
    const [a, , , d] = first.items as Array<{ id: string }>;

    let before = mark();
    expect(await h.request('items.move', { params: { taskId, checklistId: first.id, itemId: a!.id }, body: { position: 3 } }))
      .toMatchObject({ status: 200, body: { text: 'A', position: 3 } });
    expect(await texts(taskId)).toEqual(['B', 'C', 'D', 'A']);
    expect(announced(before)).toEqual({
      activity: [{ action: 'item_moved', task_id: taskId, content: 'Moved "A" to place 4 in "First"', changes: [{ field: 'position', old: 0, new: 3 }] }],
      events: [{
        type: 'checklist.item.updated',
        payload: { task_id: taskId, checklist_id: first.id, item_id: a!.id, text: 'A', checked: false, position: 3, changes: [{ field: 'position', old: 0, new: 3 }] },
      }],
    });

    await h.request('items.move', { params: { taskId, checklistId: first.id, itemId: d!.id }, body: { position: 1 } });
    expect(await texts(taskId)).toEqual(['B', 'D', 'C', 'A']);

    before = mark();
    expect(await h.request('items.move', { params: { taskId, checklistId: first.id, itemId: d!.id }, body: { position: 1 } }))
      .toMatchObject({ status: 200, body: { position: 1 } });
    expect(announced(before)).toEqual({ activity: [], events: [] });

    before = mark();
    expect(await h.request('items.move', { params: { taskId, checklistId: first.id, itemId: d!.id }, body: { position: 0, checklist_id: second.id } }))
      .toMatchObject({ status: 200, body: { checklist_id: second.id, text: 'D', position: 0 } });
    expect(await texts(taskId, 0)).toEqual(['B', 'C', 'A']);
    expect(await texts(taskId, 1)).toEqual(['D', 'X']);
    expect(announced(before).activity).toEqual([{
      action: 'item_moved', task_id: taskId, content: 'Moved "D" from "First" to "Second"',
      changes: [{ field: 'checklist_id', old: first.id, new: second.id }, { field: 'position', old: 1, new: 0 }],
    }]);

    expect(await h.request('items.move', { params: { taskId, checklistId: second.id, itemId: d!.id }, body: { position: 2 } }))
      .toEqual({ status: 422, body: { code: 'VALIDATION_FAILED', message: 'position must be from 0 to 1' } });
    const otherTask = await createChecklist(newTask());
    expect(await h.request('items.move', { params: { taskId, checklistId: second.id, itemId: d!.id }, body: { position: 0, checklist_id: otherTask.id } }))
      .toEqual({ status: 404, body: { code: 'CHECKLIST_NOT_FOUND', message: `checklist ${otherTask.id} not found` } });
  });

  it('keeps the order through many insertions at one spot, respacing when the midpoints run out', async () => {
    const taskId = newTask();
    const checklist = await createChecklist(taskId, { name: 'Dense', items: [{ text: 'first' }, { text: 'second' }, { text: 'last' }] });
    const rankOf = (text: string) => [...h.host.collection('items').values()].find((i) => i.text === text)!.rank as number;
    const expected = ['first', 'second', 'last'];
    let respaced = false;
    for (let i = 0; i < 60; i++) {
      const text = `n${i}`;
      await addItem(taskId, checklist.id, { text, position: 2 });
      expected.splice(2, 0, text);
      // Each insertion halves the gap above "second" (rank 1) until a double cannot split it: then the siblings are renumbered.
      if (rankOf('last') !== 2) respaced = true;
    }
    expect(respaced).toBe(true);
    expect(await texts(taskId)).toEqual(expected);
  });

  it('deletes an item', async () => {
    const taskId = newTask();
    const checklist = await createChecklist(taskId, { name: 'List', items: [{ text: 'keep' }, { text: 'drop' }] });
    const drop = checklist.items[1]!;
    const before = mark();
    expect(await h.request('items.delete', { params: { taskId, checklistId: checklist.id, itemId: drop.id } })).toEqual({ status: 204, body: null });
    expect(announced(before)).toEqual({
      activity: [{ action: 'item_removed', task_id: taskId, content: 'Removed "drop" from "List"' }],
      events: [{ type: 'checklist.item.removed', payload: { task_id: taskId, checklist_id: checklist.id, item_id: drop.id, text: 'drop' } }],
    });
    expect(await texts(taskId)).toEqual(['keep']);
    expect(await h.request('items.delete', { params: { taskId, checklistId: checklist.id, itemId: drop.id } }))
      .toEqual({ status: 404, body: { code: 'CHECKLIST_ITEM_NOT_FOUND', message: `checklist item ${drop.id} not found` } });
  });
});

describe('refusals', () => {
  it('answers 404 TASK_NOT_FOUND for a task the project does not have, reads included, and writes nothing', async () => {
    const taskId = randomUUID();
    const before = mark();
    const notFound = { status: 404, body: { code: 'TASK_NOT_FOUND', message: 'task not found' } };
    expect(await h.request('checklists.list', { params: { taskId } })).toEqual(notFound);
    expect(await h.request('checklists.create', { params: { taskId }, body: { name: 'Nope' } })).toEqual(notFound);
    expect(await h.request('items.add', { params: { taskId, checklistId: randomUUID() }, body: { text: 'Nope' } })).toEqual(notFound);
    expect(announced(before)).toEqual({ activity: [], events: [] });
    expect([...h.host.collection('checklists').values()].filter((c) => c.task_id === taskId)).toEqual([]);
  });

  it('answers 404 for a checklist of another task and an item of another checklist', async () => {
    const taskId = newTask();
    const mine = await createChecklist(taskId, { name: 'Mine', items: [{ text: 'a' }] });
    const otherTaskId = newTask();
    const theirs = await createChecklist(otherTaskId, { name: 'Theirs', items: [{ text: 'b' }] });
    expect(await h.request('checklists.update', { params: { taskId, checklistId: theirs.id }, body: { name: 'Taken' } }))
      .toMatchObject({ status: 404, body: { code: 'CHECKLIST_NOT_FOUND' } });
    expect(await h.request('items.update', { params: { taskId, checklistId: mine.id, itemId: theirs.items[0]!.id }, body: { checked: true } }))
      .toMatchObject({ status: 404, body: { code: 'CHECKLIST_ITEM_NOT_FOUND' } });
    expect(await h.request('items.delete', { params: { taskId: otherTaskId, checklistId: mine.id, itemId: mine.items[0]!.id } }))
      .toMatchObject({ status: 404, body: { code: 'CHECKLIST_NOT_FOUND' } });
  });

  it('refuses invalid input with 422 VALIDATION_FAILED naming the field', async () => {
    const taskId = newTask();
    const checklist = await createChecklist(taskId);
    const invalid = (message: string) => ({ status: 422, body: { code: 'VALIDATION_FAILED', message } });
    const create = (body: unknown) => h.request('checklists.create', { params: { taskId }, body });
    const add = (body: unknown) => h.request('items.add', { params: { taskId, checklistId: checklist.id }, body });

    expect(await create(null)).toEqual(invalid('name is required'));
    expect(await create({ name: '   ' })).toEqual(invalid('name must not be blank'));
    expect(await create({ name: 42 })).toEqual(invalid('name must be a string'));
    expect(await create({ name: 'x'.repeat(201) })).toEqual(invalid('name must be at most 200 characters'));
    expect(await create({ name: 'ok', items: 'A, B' })).toEqual(invalid('items must be an array'));
    expect(await create({ name: 'ok', items: [{ text: 'A' }, 'B'] })).toEqual(invalid('items[1] must be an object'));
    expect(await create({ name: 'ok', items: [{ text: 'A' }, { checked: true }] })).toEqual(invalid('items[1].text is required'));
    expect(await create({ name: 'ok', items: [{ text: 'A', checked: 'yes' }] })).toEqual(invalid('items[0].checked must be true or false'));
    expect(await create({ name: 'ok', items: Array.from({ length: 101 }, (_, i) => ({ text: `#${i}` })) })).toEqual(invalid('items must hold at most 100 items'));

    expect(await add({ text: '' })).toEqual(invalid('text must not be blank'));
    expect(await add({ text: 'x'.repeat(301) })).toEqual(invalid('text must be at most 300 characters'));
    expect(await add({ text: 'ok', position: -1 })).toEqual(invalid('position must be a whole number from 0 to 99'));
    expect(await add({ text: 'ok', position: 1.5 })).toEqual(invalid('position must be a whole number from 0 to 99'));
    expect(await h.request('items.move', { params: { taskId, checklistId: checklist.id, itemId: randomUUID() }, body: {} }))
      .toEqual(invalid('position is required'));

    // Characters are counted as people count them: 300 emoji are 300 characters (600 UTF-16 units).
    expect(await add({ text: '🚀'.repeat(300) })).toMatchObject({ status: 201 });
  });

  it('caps a task at 20 checklists and a checklist at 100 items', async () => {
    const taskId = newTask();
    for (let i = 0; i < 20; i++) await createChecklist(taskId, { name: `List ${i}` });
    expect(await h.request('checklists.create', { params: { taskId }, body: { name: 'One too many' } }))
      .toEqual({ status: 422, body: { code: 'CHECKLIST_LIMIT_REACHED', message: 'a task holds at most 20 checklists' } });

    const full = await createChecklist(newTask(), { name: 'Full', items: Array.from({ length: 100 }, (_, i) => ({ text: `#${i}` })) });
    const taskOfFull = h.host.collection('checklists').get(full.id)!.task_id as string;
    expect(await h.request('items.add', { params: { taskId: taskOfFull, checklistId: full.id }, body: { text: 'overflow' } }))
      .toEqual({ status: 422, body: { code: 'CHECKLIST_ITEM_LIMIT_REACHED', message: 'a checklist holds at most 100 items' } });
  });

  it('passes a refused host call on with its code, and the call\'s writes are dropped', async () => {
    const taskId = newTask();
    h.host.refusals = { 'activity.record': { code: 'PLUGIN_PERMISSION_DENIED', message: 'activity.record needs the permission activity:write in plugin.json' } };
    expect(await h.request('checklists.create', { params: { taskId }, body: { name: 'Half done', items: [{ text: 'a' }] } })).toEqual({
      status: 403, body: { code: 'PLUGIN_PERMISSION_DENIED', message: 'activity.record needs the permission activity:write in plugin.json' },
    });
    expect(h.host.calls.map((c) => c.fn)).toContain('collections.put');
    h.host.refusals = {};
    expect(await h.request('checklists.list', { params: { taskId } })).toEqual({ status: 200, body: { items: [] } });
  });
});

describe('task.deleted', () => {
  it('removes the deleted task\'s checklists and items, and only those', async () => {
    const taskId = newTask();
    await createChecklist(taskId, { name: 'One', items: [{ text: 'a' }, { text: 'b' }] });
    await createChecklist(taskId, { name: 'Two', items: Array.from({ length: 100 }, (_, i) => ({ text: `#${i}` })) });
    const otherTaskId = newTask();
    const survivor = await createChecklist(otherTaskId, { name: 'Survivor', items: [{ text: 'c' }] });
    const before = mark();

    expect(await h.event('task-cleanup', { id: 7, type: 'task.deleted', payload: { task_id: taskId, task_number: 1 } })).toBeNull();
    expect([...h.host.collection('checklists').values()].filter((c) => c.task_id === taskId)).toEqual([]);
    expect([...h.host.collection('items').values()].filter((i) => i.task_id === taskId)).toEqual([]);
    expect(announced(before)).toEqual({ activity: [], events: [] });
    const list = await h.request('checklists.list', { params: { taskId: otherTaskId } });
    expect(list.body.items).toEqual([expect.objectContaining({ id: survivor.id, item_count: 1 })]);

    // At least once: a second delivery finds nothing left to do.
    h.host.calls.length = 0;
    expect(await h.event('task-cleanup', { id: 7, type: 'task.deleted', payload: { task_id: taskId, task_number: 1 } })).toBeNull();
    expect(h.host.calls.map((c) => c.fn)).toEqual(['collections.query', 'collections.query']);
  });

  it('fails the delivery when the store refuses, so the event comes again', async () => {
    const taskId = newTask();
    await createChecklist(taskId, { name: 'Stuck', items: [{ text: 'a' }] });
    h.host.refusals = { 'collections.delete': { code: 'PLUGIN_HOST_CALL_FAILED', message: 'collections.delete failed' } };
    expect(await h.event('task-cleanup', { id: 8, type: 'task.deleted', payload: { task_id: taskId, task_number: 2 } }))
      .toEqual({ status: 500, body: { code: 'PLUGIN_HOST_CALL_FAILED', message: 'collections.delete failed' } });
    expect([...h.host.collection('checklists').values()].filter((c) => c.task_id === taskId)).toHaveLength(1);
  });
});
