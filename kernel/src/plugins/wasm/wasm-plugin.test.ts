import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildPlugin } from '../../../../plugin-sdk/as/build.mjs';
import { expectData, expectError, startTestKernel, type TestKernel, type TestUser } from '../../testing/index.js';

// A WASM plugin served by the kernel end to end (issue 8): built from AssemblyScript with the SDK,
// discovered in a folder, its routes gated by its own IAM actions, its host calls scoped to the
// request's project, its writes committed after the call (D22), its events delivered from the outbox.

const manifest = {
  id: 'probe', name: 'Probe', version: '1.0.0', kernel: '^0.1.0', runtime: 'wasm', optional: true, requires: { tasks: '^0.1.0' },
  permissions: ['collections', 'core:read:tasks', 'events:emit', 'activity:write', 'events:subscribe:task.deleted', 'http:fetch:api.example.test'],
  actions: [{ action: 'probe:read', description: 'Read notes' }, { action: 'probe:write', description: 'Write notes' }],
  role_grants: { Admin: ['probe:read', 'probe:write'], Editor: ['probe:read', 'probe:write'], Viewer: ['probe:read'] },
  collections: [{ name: 'notes', indexes: [{ field: 'task_id', type: 'string' }, { field: 'n', type: 'number' }] }],
  events: [{ name: 'probe.note_added', client_action: 'probe:read', schema: { type: 'object', required: ['note_id'], properties: { note_id: { type: 'string' } } } }],
  subscriptions: [{ name: 'task-cleanup', events: ['task.deleted'] }],
  routes: [
    { name: 'probe.notes.list', method: 'GET', path: '/plugins/probe/projects/:projectId/tasks/:taskId/notes', action: 'probe:read' },
    { name: 'probe.notes.create', method: 'POST', path: '/plugins/probe/projects/:projectId/tasks/:taskId/notes', action: 'probe:write', status: 201,
      body: { type: 'object', required: ['text'], additionalProperties: false, properties: { text: { type: 'string', minLength: 1, maxLength: 200 } } } },
    { name: 'probe.tasks', method: 'GET', path: '/plugins/probe/projects/:projectId/tasks', action: 'probe:read',
      query: { type: 'object', additionalProperties: false, properties: { other: { type: 'string' } } } },
    { name: 'probe.fetch', method: 'GET', path: '/plugins/probe/projects/:projectId/fetch', action: 'probe:read',
      query: { type: 'object', additionalProperties: false, properties: { url: { type: 'string' } } } },
    // A hostile guest: makes whatever host call the request names and reports the answer as it came.
    { name: 'probe.raw', method: 'POST', path: '/plugins/probe/projects/:projectId/raw', action: 'probe:write',
      body: { type: 'object', required: ['fn', 'args'], properties: { fn: { type: 'string' }, args: { type: 'object' } } } },
  ],
};

const source = `
import { ActivityEntry, Event, JSON, Query, Request, Response, activity, callHost, collections, events, fail, http, routes, subscriptions, tasks } from "@paca/plugin-sdk/as";
export { init, handle_request, handle_event, shutdown } from "@paca/plugin-sdk/as";

function listNotes(req: Request): Response {
  const found = collections.query(new Query("notes").eq("task_id", new JSON.Str(req.param("taskId")!)).orderBy("n", "asc"));
  if (!found.ok) return found.fail();
  return Response.json(200, found.value);
}

function createNote(req: Request): Response {
  const taskId = req.param("taskId")!;
  const task = tasks.get(taskId);
  if (!task.ok) return task.fail();
  const existing = collections.query(new Query("notes").eq("task_id", new JSON.Str(taskId)));
  if (!existing.ok) return existing.fail();
  const items = existing.value.asObj()!.getArr("items")!;
  const doc = new JSON.Obj().setString("task_id", taskId).setInt("n", items.length + 1).setString("text", req.body()!.getString("text")!);
  const put = collections.put("notes", doc);
  if (!put.ok) return put.fail();
  const id = put.value.asObj()!.getString("id")!;
  const emitted = events.emit("probe.note_added", new JSON.Obj().setString("note_id", id));
  if (!emitted.ok) return emitted.fail();
  const entry = new ActivityEntry("note_added");
  entry.taskId = taskId;
  entry.content = doc.getString("text");
  const recorded = activity.record(entry);
  if (!recorded.ok) return recorded.fail();
  return Response.json(201, put.value);
}

function listTasks(req: Request): Response {
  const args = new JSON.Obj().setInt("page_size", 10);
  const other = req.query("other");
  if (other !== null) args.setString("project_id", other);
  const page = tasks.list(args);
  if (!page.ok) return page.fail();
  return Response.json(200, page.value);
}

function fetchUrl(req: Request): Response {
  const answer = http.fetch("GET", req.query("url")!);
  if (!answer.ok) return answer.fail();
  return Response.json(200, answer.value);
}

function cleanup(event: Event): void {
  const taskId = event.payload.getString("task_id");
  if (taskId === null) return;
  const found = collections.query(new Query("notes").eq("task_id", new JSON.Str(taskId)));
  if (!found.ok) { fail(500, found.errorCode, found.errorMessage); return; }
  const items = found.value.asObj()!.getArr("items")!;
  for (let i = 0; i < items.length; i++) collections.remove("notes", items.at(i)!.asObj()!.getString("id")!);
}

routes.on("probe.notes.list", listNotes);
routes.on("probe.notes.create", createNote);
routes.on("probe.tasks", listTasks);
function raw(req: Request): Response {
  const body = req.body()!;
  const answer = callHost(body.getString("fn")!, body.getObj("args")!);
  return Response.json(200, new JSON.Obj().setBool("ok", answer.ok).set("value", answer.value)
    .setString("code", answer.errorCode).setString("message", answer.errorMessage));
}

routes.on("probe.fetch", fetchUrl);
routes.on("probe.raw", raw);
subscriptions.on("task-cleanup", cleanup);
`;

let t: TestKernel;
let root: string;
let dir: string;
let server: Server;
let projectId: string;
let otherProjectId: string;
let taskId: string;
let viewer: TestUser;
let outsider: TestUser;

beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'paca-wasm-'));
  dir = path.join(root, 'probe'); // a plugin's folder is named after its id
  await mkdir(path.join(dir, 'assembly'), { recursive: true });
  await writeFile(path.join(dir, 'plugin.json'), JSON.stringify(manifest));
  await writeFile(path.join(dir, 'assembly', 'index.ts'), source);
  await buildPlugin(dir);
  server = createServer((_request, response) => void response.end(JSON.stringify({ from: 'the allowed host' })));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  t = await startTestKernel({
    plugins: [{ manifest, dir, origin: 'installed' }],
    wasmFetch: { resolve: async () => [{ address: '93.184.216.34', family: 4 }], dial: () => connect(port, '127.0.0.1') },
  });
  projectId = expectData(await t.api('POST', '/projects', { token: t.adminToken, body: { name: 'Probed' } }), 201).id;
  otherProjectId = expectData(await t.api('POST', '/projects', { token: t.adminToken, body: { name: 'Elsewhere' } }), 201).id;
  taskId = expectData(await t.api('POST', `/projects/${projectId}/tasks`, { token: t.adminToken, body: { title: 'Probe me' } }), 201).id;
  const roles = expectData(await t.api('GET', `/projects/${projectId}/roles`, { token: t.adminToken })).items as Array<{ id: string; name: string }>;
  viewer = await t.createUser();
  outsider = await t.createUser();
  expectData(await t.api('POST', `/projects/${projectId}/members`, { token: t.adminToken, body: { user_id: viewer.id, role_ids: [roles.find((r) => r.name === 'Viewer')!.id] } }), 201);
}, 120_000);
afterAll(async () => {
  await t?.close();
  server?.close();
  await rm(root, { recursive: true, force: true });
});

const notesUrl = (project = projectId, task = taskId) => `/plugins/probe/projects/${project}/tasks/${task}/notes`;

describe('a WASM plugin served by the kernel', () => {
  it('loads from its folder and is listed as active', async () => {
    const record = t.kernel.plugins.registry.get('probe');
    expect(record).toMatchObject({ status: 'active', error: null });
  });

  it('writes through its document store, emits its event and records activity, committed after the call', async () => {
    const created = expectData(await t.api('POST', notesUrl(), { token: t.adminToken, body: { text: 'Première note' } }), 201);
    expect(created).toMatchObject({ id: expect.any(String), doc: { task_id: taskId, n: 1, text: 'Première note' } });
    expectData(await t.api('POST', notesUrl(), { token: t.adminToken, body: { text: 'Second' } }), 201);
    const listed = expectData(await t.api('GET', notesUrl(), { token: viewer.token }));
    expect(listed.items.map((i: { doc: { text: string } }) => i.doc.text)).toEqual(['Première note', 'Second']);
    const db = t.kernel.database.knex;
    expect(Number((await db('events').where({ type: 'probe.note_added', project_id: projectId }).count({ n: '*' }).first())!.n)).toBe(2);
    expect(await db('activities').where({ project_id: projectId, activity_type: 'probe.note_added', entity_id: taskId }).first()).toMatchObject({ plugin_id: 'probe' });
  });

  it('is gated by its own IAM actions and validates input before the guest runs', async () => {
    expectError(await t.api('POST', notesUrl(), { token: viewer.token, body: { text: 'no' } }), 403, 'FORBIDDEN');
    expectError(await t.api('GET', notesUrl(), { token: outsider.token }), 403, 'FORBIDDEN');
    expectError(await t.api('GET', notesUrl()), 401, 'AUTH_UNAUTHENTICATED');
    expectError(await t.api('POST', notesUrl(), { token: t.adminToken, body: { text: '' } }), 422, 'VALIDATION_FAILED');
    expectError(await t.api('POST', notesUrl(), { token: t.adminToken, body: { text: 'x', extra: 1 } }), 422, 'VALIDATION_FAILED');
  });

  it('reads its own project’s tasks through the tasks plugin, and is refused another project’s', async () => {
    const page = expectData(await t.api('GET', `/plugins/probe/projects/${projectId}/tasks`, { token: viewer.token }));
    expect(JSON.stringify(page)).toContain('Probe me');
    expectError(await t.api('GET', `/plugins/probe/projects/${projectId}/tasks`, { token: t.adminToken, query: { other: otherProjectId } }), 403, 'PLUGIN_PERMISSION_DENIED');
    // The guest's own 404 from tasks.get reaches the client as the plugin answered it.
    expectError(await t.api('POST', notesUrl(projectId, '00000000-0000-4000-8000-000000000000'), { token: t.adminToken, body: { text: 'x' } }), 404, 'TASK_NOT_FOUND');
  });

  it('fetches from an allowed host only', async () => {
    const fetched = expectData(await t.api('GET', `/plugins/probe/projects/${projectId}/fetch`, { token: viewer.token, query: { url: 'http://api.example.test/x' } }));
    expect(fetched).toMatchObject({ status: 200, body: JSON.stringify({ from: 'the allowed host' }) });
    expectError(await t.api('GET', `/plugins/probe/projects/${projectId}/fetch`, { token: viewer.token, query: { url: 'http://evil.test/x' } }), 403, 'PLUGIN_HOST_NOT_ALLOWED');
  });

  it('answers a hostile guest’s host calls with refusals inside the call, and keeps serving', async () => {
    const raw = async (fn: string, args: Record<string, unknown>) =>
      expectData(await t.api('POST', `/plugins/probe/projects/${projectId}/raw`, { token: t.adminToken, body: { fn, args } }));
    // Another plugin's data: its collections are not this plugin's to name, and there is no SQL to reach its schema.
    expect(await raw('collections.query', { collection: 'checklists' })).toMatchObject({ ok: false, code: 'VALIDATION_FAILED' });
    expect(await raw('collections.get', { collection: 'plugin_checklist.wasm_documents', id: taskId })).toMatchObject({ ok: false, code: 'VALIDATION_FAILED' });
    // Host functions it was not granted (no kv, no cache, no members in its permissions).
    expect(await raw('kv.get', { key: 'x' })).toMatchObject({ ok: false, code: 'PLUGIN_PERMISSION_DENIED' });
    expect(await raw('members.list', {})).toMatchObject({ ok: false, code: 'PLUGIN_PERMISSION_DENIED' });
    expect(await raw('config.get', { key: 'JWT_SECRET' })).toMatchObject({ ok: false, code: 'PLUGIN_PERMISSION_DENIED' });
    expect(await raw('no.such', {})).toMatchObject({ ok: false, code: 'PLUGIN_HOST_FUNCTION_NOT_FOUND' });
    // Another project's data, by id in the arguments.
    expect(await raw('tasks.list', { project_id: otherProjectId })).toMatchObject({ ok: false, code: 'PLUGIN_PERMISSION_DENIED' });
    // The network: a host it does not name, a private address, a literal private IP.
    expect(await raw('http.fetch', { url: 'http://evil.test/' })).toMatchObject({ ok: false, code: 'PLUGIN_HOST_NOT_ALLOWED' });
    expect(await raw('http.fetch', { url: 'http://127.0.0.1:8080/api/healthz' })).toMatchObject({ ok: false, code: 'PLUGIN_HOST_NOT_ALLOWED' });
    expect(await raw('events.emit', { type: 'task.deleted', payload: { task_id: taskId } })).toMatchObject({ ok: false, code: 'PLUGIN_EVENT_UNDECLARED' });
    // Nothing it was refused happened, and the plugin and the kernel still serve.
    expect(expectData(await t.api('GET', notesUrl(), { token: viewer.token })).items.length).toBeGreaterThan(0);
    expect((await t.api('GET', '/api/healthz')).status).toBe(200);
  });

  it('cleans up after task.deleted, delivered from the outbox', async () => {
    const doomed = expectData(await t.api('POST', `/projects/${projectId}/tasks`, { token: t.adminToken, body: { title: 'Doomed' } }), 201).id;
    expectData(await t.api('POST', notesUrl(projectId, doomed), { token: t.adminToken, body: { text: 'goes away' } }), 201);
    expect(expectData(await t.api('GET', notesUrl(projectId, doomed), { token: t.adminToken })).items).toHaveLength(1);
    expect((await t.api('DELETE', `/projects/${projectId}/tasks/${doomed}`, { token: t.adminToken })).status).toBe(204);
    await t.kernel.events.relay.drain();
    await t.kernel.events.consumers.catchUp();
    expect(expectData(await t.api('GET', notesUrl(projectId, doomed), { token: t.adminToken })).items).toEqual([]);
    expect(expectData(await t.api('GET', notesUrl(), { token: t.adminToken })).items).toHaveLength(2);
  });
});
