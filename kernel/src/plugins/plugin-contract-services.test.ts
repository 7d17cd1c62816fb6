import { randomUUID } from 'node:crypto';
import { coreServices, rawResponse, type PluginManifestInput } from '@paca/plugin-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectData, expectError, startTestKernel, type TestKernel, type TestUser } from '../testing/index.js';
import { minimalPlugin } from './fixtures/minimal.fixture.js';

// The kernel services a plugin reaches through the contract beyond routes and events: the
// activity feed (read any entry, change only its own), project members, object storage,
// cross-project list scope and raw (non-envelope) responses. A probe plugin exposes each as a
// route so the tests observe them as a client would.

const base = '/plugins/probe/projects/:projectId';
const route = (name: string, method: string, path: string, extra: Record<string, unknown> = {}) =>
  ({ name, method, path, action: method === 'GET' ? 'probe:read' : 'probe:write', ...extra });

const manifest: PluginManifestInput = {
  actions: [{ action: 'probe:read', description: 'Read' }, { action: 'probe:write', description: 'Write' }],
  role_grants: { Admin: ['probe:read', 'probe:write'], Editor: ['probe:read', 'probe:write'], Viewer: ['probe:read'] },
  routes: [
    route('notes.create', 'POST', `${base}/notes`, { status: 201 }),
    route('notes.list', 'GET', `${base}/notes`),
    route('notes.update', 'PATCH', `${base}/notes/:noteId`),
    route('notes.delete', 'DELETE', `${base}/notes/:noteId`),
    route('members.list', 'GET', `${base}/members`),
    route('members.me', 'GET', `${base}/members/me`),
    route('file.put', 'POST', `${base}/files`, { status: 201 }),
    route('file.get', 'GET', `${base}/files/:key`),
    { name: 'me.projects', method: 'GET', path: '/plugins/probe/me/projects', access: 'authenticated' },
  ],
} as PluginManifestInput;

const probe = minimalPlugin('probe', manifest as Record<string, unknown>, {
  register(env) {
    env.init({
      deps: { routes: coreServices.routes, activity: coreServices.activity, members: coreServices.members, storage: coreServices.storage },
      init({ routes, activity, members, storage }) {
        routes.handle('notes.create', async ({ db, projectId, principal, body }) =>
          activity.record(db, { projectId: projectId!, entityType: 'probe', entityId: (body as { entity_id?: string }).entity_id ?? null, actor: principal, type: 'probe.note', content: body as Record<string, unknown> }));
        routes.handle('notes.list', async ({ db, projectId, query }) =>
          activity.list(db, {
            projectId: projectId!, entityType: query.entity_type ?? 'probe', cursor: query.cursor, limit: Number(query.limit ?? 50),
            ...(query.entity_ids ? { entityIds: String(query.entity_ids).split(',') } : {}),
            ...(query.contains ? { contains: JSON.parse(String(query.contains)) } : {}),
            ...(query.since ? { since: new Date(String(query.since)) } : {}),
            ...(query.order ? { order: query.order } : {}),
          }));
        routes.handle('notes.update', async ({ db, projectId, params, body }) =>
          ({ updated: await activity.update(db, projectId!, params.noteId, body as Record<string, unknown>), entry: await activity.get(db, projectId!, params.noteId) }));
        routes.handle('notes.delete', async ({ db, projectId, params }) => void await activity.remove(db, projectId!, params.noteId));
        routes.handle('members.list', async ({ db, projectId, query }) =>
          query.handles ? members.byHandles(db, projectId!, String(query.handles).split(',')) : members.list(db, projectId!));
        routes.handle('members.me', async ({ db, projectId, principal }) => members.ofPrincipal(db, projectId!, principal!));
        routes.handle('file.put', async ({ projectId }) => {
          const key = storage.newKey(projectId!);
          return { key, upload: await storage.presignUpload(key, { contentType: 'text/plain', maxBytes: 100 }) };
        });
        routes.handle('file.get', async ({ params }) => {
          const object = await storage.get(decodeURIComponent(params.key));
          return rawResponse({ body: object.stream, headers: { 'content-type': object.contentType, 'x-probe': 'raw' } });
        });
        routes.handle('me.projects', async ({ projectsWhere }) => ({ ids: (await projectsWhere('probe:read')).sort() }));
      },
    });
  },
});
// Query strings pass unvalidated (no schema): the probe reads them loosely.
for (const r of (probe.manifest as { routes: Array<Record<string, unknown>> }).routes) {
  if (r.method === 'GET') r.query = { type: 'object', additionalProperties: { type: 'string' } };
}

let t: TestKernel;
let editor: TestUser;
let viewer: TestUser;
let projectId: string;
let otherProjectId: string;

async function addMember(project: string, user: TestUser, roleName: string) {
  const roles = expectData(await t.api('GET', `/projects/${project}/roles`, { token: t.adminToken }));
  const role = roles.items.find((r: { name: string }) => r.name === roleName);
  return expectData(await t.api('POST', `/projects/${project}/members`, { token: t.adminToken, body: { user_id: user.id, role_ids: [role.id] } }), 201).id as string;
}

beforeAll(async () => {
  t = await startTestKernel({ plugins: [probe], corePlugins: false });
  editor = await t.createUser();
  viewer = await t.createUser();
  projectId = expectData(await t.api('POST', '/projects', { token: t.adminToken, body: { name: 'Probe one' } }), 201).id;
  otherProjectId = expectData(await t.api('POST', '/projects', { token: t.adminToken, body: { name: 'Probe two' } }), 201).id;
  await addMember(projectId, editor, 'Editor');
  await addMember(projectId, viewer, 'Viewer');
  await addMember(otherProjectId, editor, 'Viewer');
});
afterAll(() => t?.close());

const url = (path: string, project = projectId) => `/plugins/probe/projects/${project}${path}`;

describe('activity service', () => {
  it('records, lists newest first with actor names, pages by cursor, edits and soft-deletes its own entries', async () => {
    const first = expectData(await t.api('POST', url('/notes'), { token: editor.token, body: { text: 'one' } }), 201);
    t.clock.advance(1000);
    const second = expectData(await t.api('POST', url('/notes'), { token: editor.token, body: { text: 'two' } }), 201);
    const page = expectData(await t.api('GET', url('/notes'), { token: editor.token, query: { limit: '1' } }));
    expect(page.items.map((e: { id: string }) => e.id)).toEqual([second.id]);
    expect(page.items[0]).toMatchObject({ activity_type: 'probe.note', content: { text: 'two' }, actor: { type: 'user', id: editor.id, username: editor.username } });
    const rest = expectData(await t.api('GET', url('/notes'), { token: editor.token, query: { limit: '1', cursor: page.next_cursor } }));
    expect(rest.items.map((e: { id: string }) => e.id)).toEqual([first.id]);

    const edited = expectData(await t.api('PATCH', url(`/notes/${first.id}`), { token: editor.token, body: { text: 'one, edited' } }));
    expect(edited).toMatchObject({ updated: true, entry: { content: { text: 'one, edited' } } });
    expect(edited.entry.updated_at).not.toBeNull();

    expectData(await t.api('DELETE', url(`/notes/${first.id}`), { token: editor.token }), 200);
    const after = expectData(await t.api('GET', url('/notes'), { token: editor.token }));
    expect(after.items.map((e: { id: string }) => e.id)).toEqual([second.id]);
  });

  it("reads the kernel's entries but cannot change them, nor another project's", async () => {
    const kernelEntries = expectData(await t.api('GET', url('/notes'), { token: t.adminToken, query: { entity_type: 'member' } }));
    expect(kernelEntries.items.length).toBeGreaterThan(0);
    const kernelEntry = kernelEntries.items[0];
    const attempt = expectData(await t.api('PATCH', url(`/notes/${kernelEntry.id}`), { token: t.adminToken, body: { text: 'forged' } }));
    expect(attempt.updated).toBe(false);
    expect(attempt.entry.content).toEqual(kernelEntry.content);

    const own = expectData(await t.api('POST', url('/notes'), { token: editor.token, body: { text: 'here' } }), 201);
    const elsewhere = expectData(await t.api('PATCH', url(`/notes/${own.id}`, otherProjectId), { token: t.adminToken, body: { text: 'moved?' } }));
    expect(elsewhere).toEqual({ updated: false, entry: null });
  });

  it('replays history: entries of several entities, by content, since an instant, oldest first', async () => {
    const [a, b, c] = [randomUUID(), randomUUID(), randomUUID()];
    const note = async (entity: string, content: Record<string, unknown>) => {
      t.clock.advance(1000);
      return expectData(await t.api('POST', url('/notes'), { token: editor.token, body: { entity_id: entity, ...content } }), 201).id as string;
    };
    const first = await note(a, { changes: [{ field: 'sprint_id', old: null, new: 's1' }] });
    const since = new Date(t.clock.now().getTime() + 500).toISOString();
    const second = await note(b, { changes: [{ field: 'title', old: 'x', new: 'y' }, { field: 'sprint_id', old: 's1', new: null }] });
    const third = await note(a, { changes: [{ field: 'status_id', old: 'todo', new: 'done' }] });
    await note(c, { changes: [{ field: 'sprint_id', old: null, new: 's1' }] });
    const ids = async (query: Record<string, string>) =>
      expectData(await t.api('GET', url('/notes'), { token: editor.token, query })).items.map((e: { id: string }) => e.id);
    expect(await ids({ entity_ids: `${a},${b}`, order: 'asc' })).toEqual([first, second, third]);
    expect(await ids({ entity_ids: `${a},${b}`, since })).toEqual([third, second]);
    expect(await ids({ entity_ids: `${a},${b}`, contains: JSON.stringify({ changes: [{ field: 'sprint_id', old: 's1' }] }) })).toEqual([second]);
    expect(await ids({ entity_ids: `${a},${b},${c}`, contains: JSON.stringify({ changes: [{ field: 'sprint_id', new: 's1' }] }), order: 'asc' }))
      .toHaveLength(2);
    const paged = expectData(await t.api('GET', url('/notes'), { token: editor.token, query: { entity_ids: `${a},${b}`, order: 'asc', limit: '2' } }));
    expect(paged.items.map((e: { id: string }) => e.id)).toEqual([first, second]);
    expect(await ids({ entity_ids: `${a},${b}`, order: 'asc', cursor: paged.next_cursor })).toEqual([third]);
  });

  it('rejects a cursor it did not hand out with 422', async () => {
    expectError(await t.api('GET', url('/notes'), { token: editor.token, query: { cursor: 'bm9wZQ' } }), 422, 'VALIDATION_FAILED');
  });
});

describe('members service', () => {
  it('lists members with handles, finds them by handle (case-insensitive) and resolves the caller', async () => {
    const all = expectData(await t.api('GET', url('/members'), { token: viewer.token }));
    expect(all.map((m: { handle: string }) => m.handle)).toEqual(expect.arrayContaining([editor.username, viewer.username]));
    const found = expectData(await t.api('GET', url('/members'), { token: viewer.token, query: { handles: `${editor.username.toUpperCase()},nobody-here` } }));
    expect(found).toEqual([expect.objectContaining({ handle: editor.username, member_type: 'human', user_id: editor.id })]);
    const me = expectData(await t.api('GET', url('/members/me'), { token: viewer.token }));
    expect(me).toMatchObject({ user_id: viewer.id, project_id: projectId });
    // A platform admin reaches a project it is not a member of: no membership to resolve.
    const creator = await t.createUser();
    const creatorsOwn = expectData(await t.api('POST', '/projects', { token: creator.token, body: { name: 'Creator owned' } }), 201).id;
    expect(expectData(await t.api('GET', url('/members/me', creatorsOwn), { token: t.adminToken }))).toBeNull();
  });
});

describe('projectsWhere', () => {
  it('lists the live projects where the caller holds the action', async () => {
    expect(expectData(await t.api('GET', '/plugins/probe/me/projects', { token: editor.token })).ids).toEqual([projectId, otherProjectId].sort());
    expect(expectData(await t.api('GET', '/plugins/probe/me/projects', { token: viewer.token })).ids).toEqual([projectId]);
    const stranger = await t.createUser();
    expect(expectData(await t.api('GET', '/plugins/probe/me/projects', { token: stranger.token })).ids).toEqual([]);
  });

  it('leaves out projects where the plugin is off', async () => {
    expectData(await t.api('PUT', `/projects/${otherProjectId}/plugins/probe`, { token: t.adminToken, body: { enabled: false } }));
    try {
      expect(expectData(await t.api('GET', '/plugins/probe/me/projects', { token: editor.token })).ids).toEqual([projectId]);
    } finally {
      expectData(await t.api('PUT', `/projects/${otherProjectId}/plugins/probe`, { token: t.adminToken, body: { enabled: true } }));
    }
  });
});

describe('storage service and raw responses', () => {
  it('presigns an upload under the project and streams the object back outside the envelope', async () => {
    const { key, upload } = expectData(await t.api('POST', url('/files'), { token: editor.token }), 201);
    expect(key).toMatch(new RegExp(`^projects/${projectId}/[0-9a-f-]{36}$`));
    const target = new URL(upload.url);
    const put = await t.kernel.app.inject({ method: 'PUT', url: `${target.pathname}${target.search}`, payload: 'hello raw', headers: upload.headers });
    expect(put.statusCode).toBeLessThan(300);
    const response = await t.api('GET', url(`/files/${encodeURIComponent(key)}`), { token: viewer.token });
    expect(response.status).toBe(200);
    expect(response.headers['x-probe']).toBe('raw');
    expect(response.headers['content-type']).toContain('text/plain');
    expect(response.raw.body).toBe('hello raw');
  });
});
