import { expectData, expectError, expectToolsMapToRoutes, readManifest, type ListedTool } from '@paca/kernel/testing';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProject, createTask, startTasksWorld, type TasksWorld } from '../../tasks/src/tasks-world.fixture.js';
import { buildPluginInPlace } from '../../../plugin-sdk/src/testing/built-plugin.fixture.js';

/*
 * The checklist plugin end to end: built from source into core-plugins/checklist/, discovered by
 * a test kernel like every core plugin, served over HTTP behind its IAM actions, its writes, events
 * and activity committed after each call, and its cleanup run from the outbox.
 */

const PLUGIN_DIR = fileURLToPath(new URL('..', import.meta.url));
const manifest = readManifest(new URL('../plugin.json', import.meta.url));

let w: TasksWorld;
let taskId: string;
const db = () => w.t.kernel.database.knex;
const checklistsUrl = (projectId: string, task: string) => `/plugins/checklist/projects/${projectId}/tasks/${task}/checklists`;

beforeAll(async () => {
  await buildPluginInPlace(PLUGIN_DIR);
  w = await startTasksWorld();
  taskId = (await createTask(w.t, w.projectId, { title: 'Release 1.0' })).id;
}, 120_000);

afterAll(async () => {
  await w?.t.close();
});

describe('the checklist plugin in a kernel', () => {
  it('is discovered in core-plugins/ and serves as an optional WASM plugin', () => {
    expect(w.t.kernel.plugins.registry.get('checklist')).toMatchObject({ status: 'active', error: null, manifest: { runtime: 'wasm', optional: true } });
  });

  it('lets an Editor build a checklist that a Viewer reads, with events and task activity', async () => {
    const url = checklistsUrl(w.projectId, taskId);
    const token = w.editor.token;
    const checklist = expectData(await w.t.api('POST', url, { token, body: { name: 'Definition of done', items: [{ text: 'Tests pass' }] } }), 201);
    const docs = expectData(await w.t.api('POST', `${url}/${checklist.id}/items`, { token, body: { text: 'Docs written', position: 0 } }), 201);
    expectData(await w.t.api('PATCH', `${url}/${checklist.id}/items/${docs.id}`, { token, body: { checked: true } }));
    expectData(await w.t.api('POST', `${url}/${checklist.id}/items/${docs.id}/move`, { token, body: { position: 1 } }));

    const list = expectData(await w.t.api('GET', url, { token: w.viewer.token }));
    expect(list.items).toEqual([{
      id: checklist.id, task_id: taskId, name: 'Definition of done', position: 0, item_count: 2, checked_count: 1,
      items: [
        { id: checklist.items[0].id, checklist_id: checklist.id, text: 'Tests pass', checked: false, checked_by: null, position: 0 },
        { id: docs.id, checklist_id: checklist.id, text: 'Docs written', checked: true, checked_by: { type: 'user', id: w.editor.id }, position: 1 },
      ],
    }]);

    const events = await db()('events').where({ project_id: w.projectId }).whereLike('type', 'checklist.%').orderBy('id').select('type', 'payload', 'origin');
    expect(events.map((e) => e.type)).toEqual(['checklist.created', 'checklist.item.added', 'checklist.item.updated', 'checklist.item.updated']);
    expect(events[2]).toMatchObject({ origin: 'plugin', payload: { task_id: taskId, item_id: docs.id, checked: true, changes: [{ field: 'checked', old: false, new: true }] } });
    // One clock tick for all of them in a test kernel: compared as a set.
    const feed = await db()('activities').where({ project_id: w.projectId, entity_id: taskId, plugin_id: 'checklist' }).select('activity_type');
    expect(feed.map((a) => a.activity_type).sort()).toEqual(['checklist.created', 'checklist.item_added', 'checklist.item_checked', 'checklist.item_moved']);

    expectData(await w.t.api('DELETE', `${url}/${checklist.id}/items/${docs.id}`, { token }), 204);
    expectData(await w.t.api('DELETE', `${url}/${checklist.id}`, { token }), 204);
    expect(expectData(await w.t.api('GET', url, { token })).items).toEqual([]);
  });

  it('is gated by checklist:read and checklist:write: Viewers read, outsiders and anonymous callers do not, the public reads public projects', async () => {
    const url = checklistsUrl(w.projectId, taskId);
    const checklist = expectData(await w.t.api('POST', url, { token: w.t.adminToken, body: { name: 'Gated' } }), 201);
    expectError(await w.t.api('POST', url, { token: w.viewer.token, body: { name: 'Nope' } }), 403, 'FORBIDDEN');
    expectError(await w.t.api('PATCH', `${url}/${checklist.id}`, { token: w.viewer.token, body: { name: 'Nope' } }), 403, 'FORBIDDEN');
    expectError(await w.t.api('POST', `${url}/${checklist.id}/items`, { token: w.viewer.token, body: { text: 'Nope' } }), 403, 'FORBIDDEN');
    expectError(await w.t.api('GET', url, { token: w.outsider.token }), 403, 'FORBIDDEN');
    expectError(await w.t.api('GET', url), 401, 'AUTH_UNAUTHENTICATED');

    const publicTask = await createTask(w.t, w.publicProjectId, { title: 'In the open' });
    const publicUrl = checklistsUrl(w.publicProjectId, publicTask.id);
    expectData(await w.t.api('POST', publicUrl, { token: w.t.adminToken, body: { name: 'Visible' } }), 201);
    expect(expectData(await w.t.api('GET', publicUrl)).items.map((c: { name: string }) => c.name)).toEqual(['Visible']);
    expectError(await w.t.api('POST', publicUrl, { body: { name: 'Anonymous' } }), 401, 'AUTH_UNAUTHENTICATED');
  });

  it('answers 404 for a task of another project, and validates input before the guest runs', async () => {
    const other = await createProject(w.t, `Elsewhere ${randomUUID().slice(0, 6)}`);
    const foreignTask = await createTask(w.t, other.id, { title: 'Not yours' });
    expectError(await w.t.api('GET', checklistsUrl(w.projectId, foreignTask.id), { token: w.t.adminToken }), 404, 'TASK_NOT_FOUND');
    expectError(await w.t.api('POST', checklistsUrl(w.projectId, foreignTask.id), { token: w.t.adminToken, body: { name: 'Sneaky' } }), 404, 'TASK_NOT_FOUND');
    expect(Number((await db()('plugin_checklist.wasm_documents').where({ scope: w.projectId }).whereRaw("doc->>'task_id' = ?", [foreignTask.id]).count({ n: '*' }).first())!.n)).toBe(0);

    const url = checklistsUrl(w.projectId, taskId);
    expectError(await w.t.api('POST', url, { token: w.t.adminToken, body: { name: 'x'.repeat(201) } }), 422, 'VALIDATION_FAILED');
    expectError(await w.t.api('POST', url, { token: w.t.adminToken, body: { name: 'ok', colour: 'red' } }), 422, 'VALIDATION_FAILED');
    expectError(await w.t.api('GET', checklistsUrl(w.projectId, 'PACA-1'), { token: w.t.adminToken }), 422, 'VALIDATION_FAILED');
  });

  it('answers 404 PLUGIN_NOT_ENABLED in a project that switched it off', async () => {
    const url = checklistsUrl(w.projectId, taskId);
    const toggle = (enabled: boolean) => w.t.api('PUT', `/projects/${w.projectId}/plugins/checklist`, { token: w.t.adminToken, body: { enabled } });
    expectData(await toggle(false));
    try {
      expectError(await w.t.api('GET', url, { token: w.t.adminToken }), 404, 'PLUGIN_NOT_ENABLED');
    } finally {
      expectData(await toggle(true));
    }
    expectData(await w.t.api('GET', url, { token: w.t.adminToken }));
  });

  it('removes a deleted task\'s checklists and items, delivered from the outbox', async () => {
    const doomed = await createTask(w.t, w.projectId, { title: 'Doomed' });
    const kept = await createTask(w.t, w.projectId, { title: 'Kept' });
    for (const task of [doomed.id, kept.id]) {
      expectData(await w.t.api('POST', checklistsUrl(w.projectId, task), { token: w.t.adminToken, body: { name: 'List', items: [{ text: 'a' }, { text: 'b' }] } }), 201);
    }
    const docsOf = async (task: string) => Number((await db()('plugin_checklist.wasm_documents').whereRaw("doc->>'task_id' = ?", [task]).count({ n: '*' }).first())!.n);
    expect(await docsOf(doomed.id)).toBe(3);

    expectData(await w.t.api('DELETE', `/projects/${w.projectId}/tasks/${doomed.id}`, { token: w.t.adminToken }), 204);
    await w.t.kernel.events.relay.drain();
    await w.t.kernel.events.consumers.catchUp();
    expect(await docsOf(doomed.id)).toBe(0);
    expect(await docsOf(kept.id)).toBe(3);
  });

  it('lists its MCP tools by permission, each mapped to one of its routes (D31)', async () => {
    const toolsFor = async (token: string) =>
      (expectData(await w.t.api('GET', '/mcp/tools', { token, query: { project_id: w.projectId } })).tools as ListedTool[]).filter((t) => t.owner === 'checklist');
    const tools = await toolsFor(w.editor.token);
    expect(tools.map((t) => t.name).sort()).toEqual([
      'checklist_add_item', 'checklist_create', 'checklist_delete', 'checklist_delete_item', 'checklist_list', 'checklist_move_item',
      'checklist_toggle_item', 'checklist_update', 'checklist_update_item',
    ]);
    expectToolsMapToRoutes(manifest, tools);
    expect((await toolsFor(w.viewer.token)).map((t) => t.name)).toEqual(['checklist_list']);
  });
});
