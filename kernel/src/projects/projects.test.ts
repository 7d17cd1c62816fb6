import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectError, expectStatus, startTestKernel, type ApiResponse, type TestKernel, type TestUser } from '../testing/index.js';

/*
 * Projects (reference 1.3, 2.3 "Single project"; D3, D4, D8, D15, D16): creation and the derived
 * task id prefix, list scope, public projects, optimistic concurrency, soft delete, activity feed.
 */
let t: TestKernel;
beforeAll(async () => {
  t = await startTestKernel();
});
afterAll(() => t.close());

const db = () => t.kernel.database.knex;

async function createProject(token: string, body: Record<string, unknown>) {
  const response = await t.api('POST', '/projects', { token, body });
  expectStatus(response, 201);
  return response.json.data as { id: string; name: string; task_id_prefix: string; version: number; is_public: boolean };
}

/** Live and soft-deleted rows alike: "nothing created" must hold for both. */
const projectRowCount = async () => Number((await db()('projects').count({ n: '*' }).first())!.n);
const liveProjectsNamed = async (name: string) => db()('projects').whereRaw('lower(name) = lower(?)', [name]).whereNull('deleted_at');
const projectRow = async (id: string) => db()('projects').where({ id }).first();

describe('POST /projects', () => {
  let creator: TestUser;
  let first: { id: string; task_id_prefix: string };

  beforeAll(async () => {
    creator = await t.createUser();
  });

  it('lets a default USER create "My First Project" with prefix MFP, version 1 and an ETag', async () => {
    const response = await t.api('POST', '/projects', { token: creator.token, body: { name: 'My First Project', description: 'hello' } });
    expectStatus(response, 201);
    expect(response.json.success).toBe(true);
    expect(response.json.data).toMatchObject({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/), name: 'My First Project', description: 'hello', task_id_prefix: 'MFP',
      is_public: false, version: 1, created_by: creator.id,
    });
    expect(response.headers.etag).toBe('"1"');
    first = response.json.data;
    const row = await projectRow(first.id);
    expect(row).toMatchObject({ name: 'My First Project', task_id_prefix: 'MFP', created_by: creator.id });
    expect(row.deleted_at).toBeNull();
  });

  it('makes the creator a member holding the project Admin role', async () => {
    const members = await t.api('GET', `/projects/${first.id}/members`, { token: creator.token });
    expectStatus(members, 200);
    expect(members.json.data.items).toHaveLength(1);
    expect(members.json.data.items[0]).toMatchObject({
      user_id: creator.id, member_type: 'human', user: { id: creator.id, username: creator.username }, roles: [{ name: 'Admin' }],
    });
    const roles = await t.api('GET', `/projects/${first.id}/roles`, { token: creator.token });
    const adminRole = roles.json.data.items.find((r: { name: string }) => r.name === 'Admin');
    expect(members.json.data.items[0].roles[0].id).toBe(adminRole.id);
    const permissions = await t.api('GET', `/projects/${first.id}/members/me/permissions`, { token: creator.token });
    expectStatus(permissions, 200);
    expect(permissions.json.data.actions).toEqual(expect.arrayContaining(['projects:write', 'projects:delete', 'project.members:write', 'roles:assign']));
  });

  it('derives MFP2, then MFP3, for later names whose prefix is MFP', async () => {
    const second = await createProject(creator.token, { name: 'Mega Fun Plan' });
    expect(second.task_id_prefix).toBe('MFP2');
    const third = await createProject(t.adminToken, { name: 'many fine pets' });
    expect(third.task_id_prefix).toBe('MFP3');
  });

  it('refuses an explicit task_id_prefix already taken with 409 PROJECT_PREFIX_TAKEN and creates nothing', async () => {
    const before = await projectRowCount();
    const response = await t.api('POST', '/projects', { token: creator.token, body: { name: 'Prefix Thief', task_id_prefix: 'MFP' } });
    expectError(response, 409, 'PROJECT_PREFIX_TAKEN');
    expect(response.json.error_details).toMatchObject({ task_id_prefix: 'MFP' });
    expect(await projectRowCount()).toBe(before);
    expect(await liveProjectsNamed('Prefix Thief')).toHaveLength(0);
  });

  it('accepts a free explicit prefix as given', async () => {
    const project = await createProject(creator.token, { name: 'Explicit Prefix', task_id_prefix: 'EXP1' });
    expect(project.task_id_prefix).toBe('EXP1');
  });

  it.each(['mfp', '1AB', 'A', 'ABCDEFGHIJK', 'AB-C', ''])('rejects the invalid prefix %j with 422 and creates nothing', async (prefix) => {
    const before = await projectRowCount();
    const response = await t.api('POST', '/projects', { token: creator.token, body: { name: `Bad Prefix ${prefix}`, task_id_prefix: prefix } });
    expectError(response, 422, 'VALIDATION_FAILED');
    expect(response.json.error_details.issues.map((i: { path: string }) => i.path)).toContain('task_id_prefix');
    expect(await projectRowCount()).toBe(before);
  });

  it('refuses a name taken case-insensitively with 409 PROJECT_NAME_TAKEN and creates nothing', async () => {
    const before = await projectRowCount();
    for (const name of ['my first project', '  MY FIRST PROJECT  ']) {
      const response = await t.api('POST', '/projects', { token: creator.token, body: { name } });
      expectError(response, 409, 'PROJECT_NAME_TAKEN');
    }
    expect(await projectRowCount()).toBe(before);
    expect(await liveProjectsNamed('My First Project')).toHaveLength(1);
  });

  it('forbids a principal with no roles (403 FORBIDDEN) and creates nothing', async () => {
    const nobody = await t.createUser({ platformRoles: [] });
    const before = await projectRowCount();
    const response = await t.api('POST', '/projects', { token: nobody.token, body: { name: 'Nobody Project' } });
    expectError(response, 403, 'FORBIDDEN');
    expect(await projectRowCount()).toBe(before);
    expect(await db()('project_members').where({ user_id: nobody.id })).toHaveLength(0);
    expect(await db()('role_attachments').where({ principal_id: nobody.id })).toHaveLength(0);
  });

  it('requires credentials (401 AUTH_UNAUTHENTICATED) and creates nothing', async () => {
    const before = await projectRowCount();
    const response = await t.api('POST', '/projects', { body: { name: 'Anonymous Project' } });
    expectError(response, 401, 'AUTH_UNAUTHENTICATED');
    expect(await projectRowCount()).toBe(before);
  });
});

describe('GET /projects', () => {
  let alice: TestUser;
  let bob: TestUser;
  let alpha: { id: string };
  let beta: { id: string };

  beforeAll(async () => {
    alice = await t.createUser();
    bob = await t.createUser();
    alpha = await createProject(alice.token, { name: 'Scope Alpha' });
    t.clock.advance(1000); // the list is ordered by creation time
    beta = await createProject(bob.token, { name: 'Scope Beta' });
  });

  it('returns the page form {items, page, page_size, total} with only the projects the caller is a member of', async () => {
    const response = await t.api('GET', '/projects', { token: alice.token });
    expectStatus(response, 200);
    expect(Object.keys(response.json.data).sort()).toEqual(['items', 'page', 'page_size', 'total']);
    expect(response.json.data).toMatchObject({ page: 1, page_size: 20, total: 1 });
    expect(response.json.data.items.map((p: { id: string }) => p.id)).toEqual([alpha.id]);
    const forBob = await t.api('GET', '/projects', { token: bob.token });
    expect(forBob.json.data.items.map((p: { id: string }) => p.id)).toEqual([beta.id]);
    expect(forBob.json.data.total).toBe(1);
  });

  it('shows the admin every project', async () => {
    const response = await t.api('GET', '/projects', { token: t.adminToken, query: { page_size: '100' } });
    expectStatus(response, 200);
    const live = await db()('projects').whereNull('deleted_at').pluck('id');
    expect(response.json.data.total).toBe(live.length);
    expect(response.json.data.items.map((p: { id: string }) => p.id).sort()).toEqual([...live].sort());
  });

  it('filters by search (case-insensitive substring) and pages through the result', async () => {
    const scoped = await t.api('GET', '/projects', { token: t.adminToken, query: { search: 'scope ' } });
    expect(scoped.json.data.items.map((p: { name: string }) => p.name)).toEqual(['Scope Alpha', 'Scope Beta']);
    expect(scoped.json.data.total).toBe(2);
    const onlyBeta = await t.api('GET', '/projects', { token: t.adminToken, query: { search: 'BETA' } });
    expect(onlyBeta.json.data.items.map((p: { id: string }) => p.id)).toEqual([beta.id]);
    const page2 = await t.api('GET', '/projects', { token: t.adminToken, query: { search: 'Scope', page: '2', page_size: '1' } });
    expect(page2.json.data).toMatchObject({ page: 2, page_size: 1, total: 2 });
    expect(page2.json.data.items.map((p: { id: string }) => p.id)).toEqual([beta.id]);
    const aliceSearchesBeta = await t.api('GET', '/projects', { token: alice.token, query: { search: 'Beta' } });
    expect(aliceSearchesBeta.json.data).toMatchObject({ items: [], total: 0 });
  });

  it('treats LIKE wildcards in search literally', async () => {
    await createProject(t.adminToken, { name: 'Rate 100% Done' });
    await createProject(t.adminToken, { name: 'Rate 1000 Done' });
    const percent = await t.api('GET', '/projects', { token: t.adminToken, query: { search: '100%' } });
    expect(percent.json.data.items.map((p: { name: string }) => p.name)).toEqual(['Rate 100% Done']);
    const underscore = await t.api('GET', '/projects', { token: t.adminToken, query: { search: 'Rate _00' } });
    expect(underscore.json.data.items).toEqual([]);
  });

  it('gives a principal with no roles an empty list and anonymous callers 401', async () => {
    const nobody = await t.createUser({ platformRoles: [] });
    const response = await t.api('GET', '/projects', { token: nobody.token });
    expectStatus(response, 200);
    expect(response.json.data).toMatchObject({ items: [], total: 0 });
    expectError(await t.api('GET', '/projects'), 401, 'AUTH_UNAUTHENTICATED');
  });

  it('forbids a member of project A from reading project B (403 FORBIDDEN)', async () => {
    for (const path of ['', '/members', '/activities', '/roles']) {
      const response = await t.api('GET', `/projects/${beta.id}${path}`, { token: alice.token });
      expectError(response, 403, 'FORBIDDEN');
    }
    const writes = await t.api('PATCH', `/projects/${beta.id}`, { token: alice.token, body: { name: 'Hijacked' } });
    expectError(writes, 403, 'FORBIDDEN');
    expect((await projectRow(beta.id)).name).toBe('Scope Beta');
  });

  it('answers 404 PROJECT_NOT_FOUND to the admin for an unknown project id', async () => {
    expectError(await t.api('GET', `/projects/${randomUUID()}`, { token: t.adminToken }), 404, 'PROJECT_NOT_FOUND');
  });
});

describe('public projects', () => {
  let owner: TestUser;
  let outsider: TestUser;
  let pub: { id: string };
  let priv: { id: string };

  beforeAll(async () => {
    owner = await t.createUser();
    outsider = await t.createUser();
    pub = await createProject(owner.token, { name: 'Open Source Thing', is_public: true });
    priv = await createProject(owner.token, { name: 'Secret Thing' });
  });

  it('is readable anonymously: GET project and members → 200', async () => {
    const project = await t.api('GET', `/projects/${pub.id}`);
    expectStatus(project, 200);
    expect(project.json.data).toMatchObject({ id: pub.id, name: 'Open Source Thing', is_public: true });
    const members = await t.api('GET', `/projects/${pub.id}/members`);
    expectStatus(members, 200);
    expect(members.json.data.items.map((m: { user_id: string }) => m.user_id)).toEqual([owner.id]);
    expect(members.json.data.next_cursor).toBeNull();
  });

  it('is readable by a signed-in non-member', async () => {
    expectStatus(await t.api('GET', `/projects/${pub.id}`, { token: outsider.token }), 200);
    expectStatus(await t.api('GET', `/projects/${pub.id}/members`, { token: outsider.token }), 200);
  });

  it('refuses anonymous writes with 401 AUTH_UNAUTHENTICATED and changes nothing', async () => {
    const before = await projectRow(pub.id);
    expectError(await t.api('PATCH', `/projects/${pub.id}`, { body: { name: 'Defaced' } }), 401, 'AUTH_UNAUTHENTICATED');
    expectError(await t.api('DELETE', `/projects/${pub.id}`), 401, 'AUTH_UNAUTHENTICATED');
    expectError(await t.api('POST', `/projects/${pub.id}/members`, { body: { user_id: outsider.id, role_ids: [randomUUID()] } }), 401, 'AUTH_UNAUTHENTICATED');
    expect(await projectRow(pub.id)).toEqual(before);
    expect(await db()('project_members').where({ project_id: pub.id })).toHaveLength(1);
  });

  it('refuses a non-member’s writes with 403 FORBIDDEN and changes nothing', async () => {
    const before = await projectRow(pub.id);
    expectError(await t.api('PATCH', `/projects/${pub.id}`, { token: outsider.token, body: { name: 'Defaced' } }), 403, 'FORBIDDEN');
    expectError(await t.api('DELETE', `/projects/${pub.id}`, { token: outsider.token }), 403, 'FORBIDDEN');
    expect(await projectRow(pub.id)).toEqual(before);
  });

  it('answers anonymous reads of a private project with 401', async () => {
    expectError(await t.api('GET', `/projects/${priv.id}`), 401, 'AUTH_UNAUTHENTICATED');
    expectError(await t.api('GET', `/projects/${priv.id}/members`), 401, 'AUTH_UNAUTHENTICATED');
    expectError(await t.api('GET', `/projects/${priv.id}`, { token: outsider.token }), 403, 'FORBIDDEN');
  });

  it('follows is_public when it is toggled', async () => {
    const opened = await t.api('PATCH', `/projects/${priv.id}`, { token: owner.token, body: { is_public: true } });
    expectStatus(opened, 200);
    expectStatus(await t.api('GET', `/projects/${priv.id}`), 200);
    const closed = await t.api('PATCH', `/projects/${priv.id}`, { token: owner.token, body: { is_public: false } });
    expectStatus(closed, 200);
    expectError(await t.api('GET', `/projects/${priv.id}`), 401, 'AUTH_UNAUTHENTICATED');
  });
});

describe('PATCH /projects/:id', () => {
  let owner: TestUser;

  beforeAll(async () => {
    owner = await t.createUser();
  });

  it('returns the version as an ETag on GET and PATCH', async () => {
    const project = await createProject(owner.token, { name: 'Etag Project' });
    const get = await t.api('GET', `/projects/${project.id}`, { token: owner.token });
    expect(get.headers.etag).toBe('"1"');
    expect(get.json.data.version).toBe(1);
    const patched = await t.api('PATCH', `/projects/${project.id}`, { token: owner.token, body: { description: 'changed' } });
    expectStatus(patched, 200);
    expect(patched.json.data).toMatchObject({ version: 2, description: 'changed' });
    expect(patched.headers.etag).toBe('"2"');
    expect((await t.api('GET', `/projects/${project.id}`, { token: owner.token })).headers.etag).toBe('"2"');
  });

  it('refuses a stale body version with 409 PROJECT_VERSION_CONFLICT and current_version, changing nothing', async () => {
    const project = await createProject(owner.token, { name: 'Versioned Body' });
    expectStatus(await t.api('PATCH', `/projects/${project.id}`, { token: owner.token, body: { description: 'v2', version: 1 } }), 200);
    const before = await projectRow(project.id);
    const stale = await t.api('PATCH', `/projects/${project.id}`, { token: owner.token, body: { name: 'Stale Write', version: 1 } });
    expectError(stale, 409, 'PROJECT_VERSION_CONFLICT');
    expect(stale.json.error_details).toEqual({ current_version: 2 });
    expect(await projectRow(project.id)).toEqual(before);
    const fresh = await t.api('PATCH', `/projects/${project.id}`, { token: owner.token, body: { name: 'Fresh Write', version: 2 } });
    expectStatus(fresh, 200);
    expect(fresh.json.data).toMatchObject({ name: 'Fresh Write', version: 3 });
  });

  it('honours If-Match the same way', async () => {
    const project = await createProject(owner.token, { name: 'Versioned Header' });
    const first = await t.api('PATCH', `/projects/${project.id}`, { token: owner.token, headers: { 'if-match': '"1"' }, body: { description: 'a' } });
    expectStatus(first, 200);
    expect(first.json.data.version).toBe(2);
    const before = await projectRow(project.id);
    const stale = await t.api('PATCH', `/projects/${project.id}`, { token: owner.token, headers: { 'if-match': '"1"' }, body: { description: 'b' } });
    expectError(stale, 409, 'PROJECT_VERSION_CONFLICT');
    expect(stale.json.error_details.current_version).toBe(2);
    expect(await projectRow(project.id)).toEqual(before);
    const current = await t.api('PATCH', `/projects/${project.id}`, { token: owner.token, headers: { 'if-match': first.headers.etag as string }, body: { description: 'c' } });
    expectStatus(current, 200);
    expect(current.json.data).toMatchObject({ description: 'c', version: 3 });
  });

  it('lets a write without version or If-Match win', async () => {
    const project = await createProject(owner.token, { name: 'Last Writer' });
    expectStatus(await t.api('PATCH', `/projects/${project.id}`, { token: owner.token, body: { description: 'someone else' } }), 200);
    const blind = await t.api('PATCH', `/projects/${project.id}`, { token: owner.token, body: { description: 'mine' } });
    expectStatus(blind, 200);
    expect(blind.json.data).toMatchObject({ description: 'mine', version: 3 });
    expect(await projectRow(project.id)).toMatchObject({ description: 'mine', version: 3 });
  });

  it('refuses a prefix or name taken by another project with 409 and changes nothing', async () => {
    const taken = await createProject(owner.token, { name: 'Holder Of Prefix', task_id_prefix: 'HOLD' });
    const project = await createProject(owner.token, { name: 'Wants Prefix' });
    const before = await projectRow(project.id);
    const prefix = await t.api('PATCH', `/projects/${project.id}`, { token: owner.token, body: { task_id_prefix: 'HOLD' } });
    expectError(prefix, 409, 'PROJECT_PREFIX_TAKEN');
    const name = await t.api('PATCH', `/projects/${project.id}`, { token: owner.token, body: { name: 'holder of PREFIX' } });
    expectError(name, 409, 'PROJECT_NAME_TAKEN');
    expect(await projectRow(project.id)).toEqual(before);
    expect((await projectRow(taken.id)).task_id_prefix).toBe('HOLD');
  });

  it('changes the prefix to a free one and frees the old one', async () => {
    const project = await createProject(owner.token, { name: 'Renamed Prefix', task_id_prefix: 'OLDP' });
    const patched = await t.api('PATCH', `/projects/${project.id}`, { token: owner.token, body: { task_id_prefix: 'NEWP' } });
    expectStatus(patched, 200);
    expect(patched.json.data.task_id_prefix).toBe('NEWP');
    const reuse = await createProject(owner.token, { name: 'Takes Old Prefix', task_id_prefix: 'OLDP' });
    expect(reuse.task_id_prefix).toBe('OLDP');
  });

  it('rejects an invalid prefix or unknown field with 422 and changes nothing', async () => {
    const project = await createProject(owner.token, { name: 'Strict Patch' });
    const before = await projectRow(project.id);
    expectError(await t.api('PATCH', `/projects/${project.id}`, { token: owner.token, body: { task_id_prefix: 'lower' } }), 422, 'VALIDATION_FAILED');
    expectError(await t.api('PATCH', `/projects/${project.id}`, { token: owner.token, body: { owner: 'me' } }), 422, 'VALIDATION_FAILED');
    expect(await projectRow(project.id)).toEqual(before);
  });
});

describe('DELETE /projects/:id', () => {
  it('soft-deletes: 404 afterwards, the row stays, project.deleted is logged, and the name and prefix are reusable', async () => {
    const owner = await t.createUser();
    const project = await createProject(owner.token, { name: 'Disposable Thing' });
    expect(project.task_id_prefix).toBe('DT');
    const deleted = await t.api('DELETE', `/projects/${project.id}`, { token: owner.token });
    expectStatus(deleted, 204);
    expect(deleted.raw.body).toBe('');

    expectError(await t.api('GET', `/projects/${project.id}`, { token: owner.token }), 404, 'PROJECT_NOT_FOUND');
    expectError(await t.api('GET', `/projects/${project.id}`, { token: t.adminToken }), 404, 'PROJECT_NOT_FOUND');
    expectError(await t.api('PATCH', `/projects/${project.id}`, { token: owner.token, body: { name: 'Zombie' } }), 404, 'PROJECT_NOT_FOUND');
    expectError(await t.api('DELETE', `/projects/${project.id}`, { token: owner.token }), 404, 'PROJECT_NOT_FOUND');
    const list = await t.api('GET', '/projects', { token: owner.token });
    expect(list.json.data).toMatchObject({ items: [], total: 0 });

    const row = await projectRow(project.id);
    expect(row.deleted_at).not.toBeNull();
    expect(row.name).toBe('Disposable Thing');
    expect(await db()('activities').where({ project_id: project.id, activity_type: 'project.deleted' })).toHaveLength(1);

    const again = await createProject(owner.token, { name: 'Disposable Thing' });
    expect(again.id).not.toBe(project.id);
    expect(again.task_id_prefix).toBe('DT');
    const explicit = await createProject(owner.token, { name: 'disposable thing 2', task_id_prefix: 'DT2' });
    expect(explicit.task_id_prefix).toBe('DT2');
  });

  it('answers 404 PROJECT_NOT_FOUND on every sub-resource of a deleted project and creates nothing in it', async () => {
    const owner = await t.createUser();
    const project = await createProject(owner.token, { name: 'Ghost Town' });
    expectStatus(await t.api('DELETE', `/projects/${project.id}`, { token: owner.token }), 204);
    const statuses: Record<string, string> = {};
    for (const path of ['/members', '/activities', '/roles', '/members/me/permissions']) {
      const response = await t.api('GET', `/projects/${project.id}${path}`, { token: owner.token });
      statuses[`GET ${path}`] = `${response.status} ${response.json?.error_code ?? ''}`;
    }
    const rolesBefore = await db()('roles').where({ project_id: project.id }).count({ n: '*' }).first();
    const role = await t.api('POST', `/projects/${project.id}/roles`, {
      token: owner.token, body: { name: 'Ghost Role', policy: { version: '2026-10-01', statements: [] } },
    });
    statuses['POST /roles'] = `${role.status} ${role.json?.error_code ?? ''}`;
    expect(statuses).toEqual({
      'GET /members': '404 PROJECT_NOT_FOUND',
      'GET /activities': '404 PROJECT_NOT_FOUND',
      'GET /roles': '404 PROJECT_NOT_FOUND',
      'GET /members/me/permissions': '404 PROJECT_NOT_FOUND',
      'POST /roles': '404 PROJECT_NOT_FOUND',
    });
    expect(await db()('roles').where({ project_id: project.id }).count({ n: '*' }).first()).toEqual(rolesBefore);
  });

  it('reuses an explicit prefix of a deleted project', async () => {
    const project = await createProject(t.adminToken, { name: 'Short Lived', task_id_prefix: 'GONE' });
    expectStatus(await t.api('DELETE', `/projects/${project.id}`, { token: t.adminToken }), 204);
    const reuse = await createProject(t.adminToken, { name: 'Long Lived', task_id_prefix: 'GONE' });
    expect(reuse.task_id_prefix).toBe('GONE');
  });

  it('refuses a non-member (403) and a principal with no roles (403) and keeps the project', async () => {
    const owner = await t.createUser();
    const outsider = await t.createUser();
    const nobody = await t.createUser({ platformRoles: [] });
    const project = await createProject(owner.token, { name: 'Keep Me' });
    expectError(await t.api('DELETE', `/projects/${project.id}`, { token: outsider.token }), 403, 'FORBIDDEN');
    expectError(await t.api('DELETE', `/projects/${project.id}`, { token: nobody.token }), 403, 'FORBIDDEN');
    expect((await projectRow(project.id)).deleted_at).toBeNull();
    expectStatus(await t.api('GET', `/projects/${project.id}`, { token: owner.token }), 200);
  });
});

describe('GET /projects/:id/activities', () => {
  let owner: TestUser;
  let project: { id: string };
  let feed: Array<{ id: string; activity_type: string; content: any; actor: any; created_at: string; entity_type: string }>;

  beforeAll(async () => {
    owner = await t.createUser();
    project = await createProject(owner.token, { name: 'Chatty Project' });
    t.clock.advance(1000);
    expectStatus(await t.api('PATCH', `/projects/${project.id}`, { token: owner.token, body: { name: 'Chatty Project Renamed', description: 'now described' } }), 200);
    t.clock.advance(1000);
    expectStatus(await t.api('PATCH', `/projects/${project.id}`, { token: owner.token, body: { task_id_prefix: 'CHAT' } }), 200);
    t.clock.advance(1000);
  });

  it('lists the feed newest first in the cursor form {items, next_cursor}', async () => {
    const response = await t.api('GET', `/projects/${project.id}/activities`, { token: owner.token });
    expectStatus(response, 200);
    expect(Object.keys(response.json.data).sort()).toEqual(['items', 'next_cursor']);
    expect(response.json.data.next_cursor).toBeNull();
    feed = response.json.data.items;
    expect(feed.map((a) => a.activity_type)).toEqual(['project.updated', 'project.updated', 'project.created']);
    const times = feed.map((a) => Date.parse(a.created_at));
    expect(times).toEqual([...times].sort((a, b) => b - a));
    expect(new Set(times).size).toBe(3);
  });

  it('records project.created and project.updated with changes [{field, old, new}] and the actor', async () => {
    const [prefixChange, rename, created] = feed;
    expect(created).toMatchObject({
      entity_type: 'project', content: { name: 'Chatty Project', task_id_prefix: 'CP' },
      actor: { type: 'user', id: owner.id, username: owner.username },
    });
    expect(rename!.content.changes).toEqual(expect.arrayContaining([
      { field: 'name', old: 'Chatty Project', new: 'Chatty Project Renamed' },
      { field: 'description', old: '', new: 'now described' },
    ]));
    expect(rename!.content.changes).toHaveLength(2);
    expect(prefixChange!.content.changes).toEqual([{ field: 'task_id_prefix', old: 'CP', new: 'CHAT' }]);
  });

  it('does not log a PATCH that changes nothing', async () => {
    const before = await t.api('GET', `/projects/${project.id}/activities`, { token: owner.token });
    const noop = await t.api('PATCH', `/projects/${project.id}`, { token: owner.token, body: { name: 'Chatty Project Renamed' } });
    expectStatus(noop, 200);
    const after = await t.api('GET', `/projects/${project.id}/activities`, { token: owner.token });
    expect(after.json.data.items.map((a: { id: string }) => a.id)).toEqual(before.json.data.items.map((a: { id: string }) => a.id));
  });

  it('walks every entry with page_size=1 and next_cursor', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    for (let i = 0; i < 10; i++) {
      const query: Record<string, string> = { page_size: '1', ...(cursor ? { cursor } : {}) };
      const page = await t.api('GET', `/projects/${project.id}/activities`, { token: owner.token, query });
      expectStatus(page, 200);
      expect(page.json.data.items).toHaveLength(1);
      seen.push(page.json.data.items[0].id);
      cursor = page.json.data.next_cursor;
      if (!cursor) break;
    }
    expect(cursor).toBeNull();
    expect(seen).toEqual(feed.map((a) => a.id));
  });

  it('walks entries sharing one timestamp without skipping or repeating any', async () => {
    const busy = await createProject(owner.token, { name: 'Same Instant' });
    for (let i = 1; i <= 4; i++) {
      expectStatus(await t.api('PATCH', `/projects/${busy.id}`, { token: owner.token, body: { description: `d${i}` } }), 200);
    }
    const all = await t.api('GET', `/projects/${busy.id}/activities`, { token: owner.token });
    expect(all.json.data.items).toHaveLength(5);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const query: Record<string, string> = { page_size: '2', ...(cursor ? { cursor } : {}) };
      const page = await t.api('GET', `/projects/${busy.id}/activities`, { token: owner.token, query });
      expectStatus(page, 200);
      seen.push(...page.json.data.items.map((a: { id: string }) => a.id));
      cursor = page.json.data.next_cursor;
    } while (cursor && seen.length < 20);
    expect(seen).toEqual(all.json.data.items.map((a: { id: string }) => a.id));
    expect(new Set(seen).size).toBe(5);
  });

  it.each([
    ['garbage', 'not-a-cursor'],
    ['JSON of the wrong shape', Buffer.from(JSON.stringify({ t: 'yesterday', id: 'x' })).toString('base64url')],
    ['too long', 'x'.repeat(600)],
  ])('rejects a bad cursor (%s) with 422 VALIDATION_FAILED', async (_label, cursor) => {
    const response = await t.api('GET', `/projects/${project.id}/activities`, { token: owner.token, query: { cursor } });
    expectError(response, 422, 'VALIDATION_FAILED');
  });

  it('is not readable by a non-member or anonymously', async () => {
    const outsider = await t.createUser();
    expectError(await t.api('GET', `/projects/${project.id}/activities`, { token: outsider.token }), 403, 'FORBIDDEN');
    expectError(await t.api('GET', `/projects/${project.id}/activities`), 401, 'AUTH_UNAUTHENTICATED');
  });
});
