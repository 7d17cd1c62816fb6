import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectData, expectError, startTestKernel, type TestKernel, type TestUser } from '../testing/index.js';

/*
 * Agent principals (D14, reference 2.2 "Agent credentials", 3.4, 7.1): CRUD under
 * /projects/:id/agents and /admin/agents, handles shared with usernames, per-agent keys that act
 * as the agent and are limited by its own roles, agent members, confinement of project agents.
 */
let t: TestKernel;
beforeAll(async () => {
  t = await startTestKernel({ now: '2026-03-01T09:00:00Z' });
});
afterAll(() => t.close());

const db = () => t.kernel.database.knex;

interface Project {
  owner: TestUser;
  id: string;
  roles: { Admin: string; Editor: string; Viewer: string };
}

let counter = 0;
const handle = (base: string) => `${base}-${++counter}-${Math.random().toString(36).slice(2, 6)}`;

/** A fresh project whose creator (a default USER) is its only Admin. */
async function newProject(name: string, body: Record<string, unknown> = {}): Promise<Project> {
  const owner = await t.createUser();
  const created = expectData(await t.api('POST', '/projects', { token: owner.token, body: { name: `${name} ${++counter}`, ...body } }), 201);
  const roles = expectData(await t.api('GET', `/projects/${created.id}/roles`, { token: owner.token })).items as Array<{ id: string; name: string }>;
  const byName = (name: string) => roles.find((r) => r.name === name)!.id;
  return { owner, id: created.id, roles: { Admin: byName('Admin'), Editor: byName('Editor'), Viewer: byName('Viewer') } };
}

async function createProjectAgent(p: Project, body: Record<string, unknown> = {}, token = p.owner.token) {
  return expectData(await t.api('POST', `/projects/${p.id}/agents`, { token, body: { handle: handle('bot'), name: 'Build Bot', ...body } }), 201);
}

async function mintKey(url: string, token: string, body: Record<string, unknown> = { name: 'runner' }): Promise<string> {
  const created = expectData(await t.api('POST', url, { token, body }), 201);
  return created.key as string;
}

async function memberOf(projectId: string, agentId: string, token: string) {
  const list = expectData(await t.api('GET', `/projects/${projectId}/members`, { token }));
  return (list.items as Array<{ id: string; agent_id: string | null }>).find((m) => m.agent_id === agentId);
}

const eventsOf = (scope: string, type: string) => db()('events').where({ scope, type }).orderBy('project_seq');
const agentCount = async () => Number((await db()('agents').count({ n: '*' }).first())!.n);

describe('project agents: CRUD', () => {
  let p: Project;
  beforeAll(async () => {
    p = await newProject('Agent Crud');
  });

  it('creates, lists, gets and edits a project agent, with events and feed entries in the project', async () => {
    const h = handle('writer');
    const response = await t.api('POST', `/projects/${p.id}/agents`, { token: p.owner.token, body: { handle: h, name: ' Doc Writer ', description: 'writes docs' } });
    const agent = expectData(response, 201);
    expect(agent).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/), project_id: p.id, agent_scope: 'project', handle: h, name: 'Doc Writer', description: 'writes docs',
      avatar_url: null, version: 1, created_by: p.owner.id, created_at: '2026-03-01T09:00:00.000Z', updated_at: '2026-03-01T09:00:00.000Z',
    });
    expect(response.headers.etag).toBe('"1"');

    const list = expectData(await t.api('GET', `/projects/${p.id}/agents`, { token: p.owner.token }));
    expect(Object.keys(list).sort()).toEqual(['items', 'next_cursor']);
    expect(list.items).toEqual([agent]);
    expect(expectData(await t.api('GET', `/projects/${p.id}/agents/${agent.id}`, { token: p.owner.token }))).toEqual(agent);

    t.clock.advance(60_000);
    const patched = expectData(await t.api('PATCH', `/projects/${p.id}/agents/${agent.id}`, { token: p.owner.token, body: { name: 'Docs Writer', avatar_url: 'https://example.com/a.png' } }));
    expect(patched).toMatchObject({ name: 'Docs Writer', avatar_url: 'https://example.com/a.png', version: 2, handle: h, updated_at: '2026-03-01T09:01:00.000Z' });

    const created = await eventsOf(p.id, 'agent.created');
    expect(created).toHaveLength(1);
    expect(created[0]).toMatchObject({ project_id: p.id, actor_type: 'user', actor_id: p.owner.id, origin: 'user' });
    expect(created[0].payload).toEqual({ agent_id: agent.id, project_id: p.id, handle: h, name: 'Doc Writer' });
    const updated = await eventsOf(p.id, 'agent.updated');
    expect(updated).toHaveLength(1);
    expect(updated[0].payload).toMatchObject({ agent_id: agent.id, version: 2 });
    expect(updated[0].payload.changes.map((c: { field: string }) => c.field).sort()).toEqual(['avatar_url', 'name']);

    const feed = expectData(await t.api('GET', `/projects/${p.id}/activities`, { token: p.owner.token, query: { entity_type: 'agent' } }));
    expect(feed.items.map((a: { activity_type: string }) => a.activity_type)).toEqual(['agent.updated', 'agent.created']);
  });

  it('makes PATCH conditional on version or If-Match (D4): a stale one gets 409 AGENT_VERSION_CONFLICT', async () => {
    const agent = await createProjectAgent(p);
    const url = `/projects/${p.id}/agents/${agent.id}`;
    expectData(await t.api('PATCH', url, { token: p.owner.token, body: { name: 'One', version: 1 } }));
    const stale = await t.api('PATCH', url, { token: p.owner.token, body: { name: 'Two', version: 1 } });
    expectError(stale, 409, 'AGENT_VERSION_CONFLICT');
    expect(stale.json.error_details).toEqual({ current_version: 2 });
    expectError(await t.api('PATCH', url, { token: p.owner.token, body: { name: 'Two' }, headers: { 'if-match': '"1"' } }), 409, 'AGENT_VERSION_CONFLICT');
    expect(expectData(await t.api('PATCH', url, { token: p.owner.token, body: { name: 'Two' }, headers: { 'if-match': '"2"' } })).version).toBe(3);
    expect((await db()('agents').where({ id: agent.id }).first()).name).toBe('Two');
  });

  it('validates input with 422 VALIDATION_FAILED and creates nothing', async () => {
    const before = await agentCount();
    const bad: Array<Record<string, unknown>> = [
      { handle: 'No Caps', name: 'x' }, { handle: 'ab', name: 'x' }, { handle: handle('ok'), name: '   ' }, { handle: handle('ok') },
      { handle: handle('ok'), name: 'x', extra: true }, { handle: handle('ok'), name: 'x', avatar_url: 'not a url' }, { handle: handle('ok'), name: 'x', role_ids: [] },
      { handle: 42, name: 'x' },
    ];
    for (const body of bad) expectError(await t.api('POST', `/projects/${p.id}/agents`, { token: p.owner.token, body }), 422, 'VALIDATION_FAILED');
    expectError(await t.api('GET', `/projects/${p.id}/agents/not-a-uuid`, { token: p.owner.token }), 422, 'VALIDATION_FAILED');
    expectError(await t.api('GET', `/projects/${p.id}/agents`, { token: p.owner.token, query: { cursor: 'garbage' } }), 422, 'VALIDATION_FAILED');
    expect(await agentCount()).toBe(before);
  });

  it('pages the list with {items, next_cursor}', async () => {
    const q = await newProject('Agent Pages');
    const made = [];
    for (let i = 0; i < 3; i++) {
      made.push(await createProjectAgent(q));
      t.clock.advance(1000);
    }
    const first = expectData(await t.api('GET', `/projects/${q.id}/agents`, { token: q.owner.token, query: { page_size: '2' } }));
    expect(first.items.map((a: { id: string }) => a.id)).toEqual(made.slice(0, 2).map((a) => a.id));
    expect(first.next_cursor).toEqual(expect.any(String));
    const second = expectData(await t.api('GET', `/projects/${q.id}/agents`, { token: q.owner.token, query: { page_size: '2', cursor: first.next_cursor } }));
    expect(second).toEqual({ items: [made[2]], next_cursor: null });
  });

  it('does not show or edit another project’s agent through this project (404 AGENT_NOT_FOUND)', async () => {
    const other = await newProject('Agent Elsewhere');
    const foreign = await createProjectAgent(other, {}, other.owner.token);
    const admin = t.adminToken;
    expectError(await t.api('GET', `/projects/${p.id}/agents/${foreign.id}`, { token: admin }), 404, 'AGENT_NOT_FOUND');
    expectError(await t.api('PATCH', `/projects/${p.id}/agents/${foreign.id}`, { token: admin, body: { name: 'hijacked' } }), 404, 'AGENT_NOT_FOUND');
    expectError(await t.api('DELETE', `/projects/${p.id}/agents/${foreign.id}`, { token: admin }), 404, 'AGENT_NOT_FOUND');
    expectError(await t.api('GET', `/admin/agents/${foreign.id}`, { token: admin }), 404, 'AGENT_NOT_FOUND');
    expect((await db()('agents').where({ id: foreign.id }).first()).name).toBe('Build Bot');
  });

  it('refuses a principal without agents:write with 403, and nothing changes', async () => {
    const viewer = await t.createUser();
    expectData(await t.api('POST', `/projects/${p.id}/members`, { token: p.owner.token, body: { user_id: viewer.id, role_ids: [p.roles.Viewer] } }), 201);
    const agent = await createProjectAgent(p);
    const nobody = await t.createUser({ platformRoles: [] });
    const before = await agentCount();
    const eventsBefore = Number((await db()('events').count({ n: '*' }).first())!.n);
    expectError(await t.api('POST', `/projects/${p.id}/agents`, { token: viewer.token, body: { handle: handle('nope'), name: 'x' } }), 403, 'FORBIDDEN');
    expectError(await t.api('PATCH', `/projects/${p.id}/agents/${agent.id}`, { token: viewer.token, body: { name: 'renamed' } }), 403, 'FORBIDDEN');
    expectError(await t.api('DELETE', `/projects/${p.id}/agents/${agent.id}`, { token: viewer.token }), 403, 'FORBIDDEN');
    expectError(await t.api('POST', `/projects/${p.id}/agents/${agent.id}/api-keys`, { token: viewer.token, body: { name: 'k' } }), 403, 'FORBIDDEN');
    expectError(await t.api('POST', '/admin/agents', { token: nobody.token, body: { handle: handle('nope'), name: 'x' } }), 403, 'FORBIDDEN');
    expectError(await t.api('GET', `/projects/${p.id}/agents`, { token: nobody.token }), 403, 'FORBIDDEN');
    expect(await agentCount()).toBe(before);
    expect((await db()('agents').where({ id: agent.id }).first()).name).toBe('Build Bot');
    expect(await db()('agent_api_keys').where({ agent_id: agent.id })).toHaveLength(0);
    expect(Number((await db()('events').count({ n: '*' }).first())!.n)).toBe(eventsBefore);
  });

  it('needs project.members:write to create with role_ids: an Editor gets 403 and no agent is created', async () => {
    const editor = await t.createUser();
    expectData(await t.api('POST', `/projects/${p.id}/members`, { token: p.owner.token, body: { user_id: editor.id, role_ids: [p.roles.Editor] } }), 201);
    const h = handle('member');
    const refused = await t.api('POST', `/projects/${p.id}/agents`, { token: editor.token, body: { handle: h, name: 'x', role_ids: [p.roles.Viewer] } });
    expectError(refused, 403, 'FORBIDDEN');
    expect(refused.json.error_details).toMatchObject({ action: 'project.members:write' });
    expect(await db()('agents').where({ handle: h })).toHaveLength(0);
    // Without role_ids an Editor may (agents:write), and the agent is not a member.
    const agent = await createProjectAgent(p, {}, editor.token);
    expect(await memberOf(p.id, agent.id, p.owner.token)).toBeUndefined();
  });

  it('creates with role_ids: the agent becomes a member, with the project.member.added event (principal_type agent)', async () => {
    const agent = await createProjectAgent(p, { role_ids: [p.roles.Viewer] });
    const member = await memberOf(p.id, agent.id, p.owner.token);
    expect(member).toMatchObject({ member_type: 'agent', agent_id: agent.id, user_id: null, user: null, agent: { id: agent.id, handle: agent.handle, name: 'Build Bot' }, roles: [{ id: p.roles.Viewer, name: 'Viewer' }] });
    const added = (await eventsOf(p.id, 'project.member.added')).filter((e) => e.payload.principal_id === agent.id);
    expect(added).toHaveLength(1);
    expect(added[0].payload).toEqual({ member_id: member!.id, principal_type: 'agent', principal_id: agent.id, role_ids: [p.roles.Viewer] });
  });
});

describe('global agents under /admin/agents', () => {
  it('creates, lists, edits and deletes a global agent; its events are workspace events', async () => {
    const h = handle('global');
    const agent = expectData(await t.api('POST', '/admin/agents', { token: t.adminToken, body: { handle: h, name: 'Helper' } }), 201);
    expect(agent).toMatchObject({ project_id: null, agent_scope: 'global', handle: h, version: 1 });
    const list = expectData(await t.api('GET', '/admin/agents', { token: t.adminToken, query: { page_size: '200' } }));
    expect(list.items.map((a: { id: string }) => a.id)).toContain(agent.id);
    expect(list.items.every((a: { project_id: string | null }) => a.project_id === null)).toBe(true);
    expect(expectData(await t.api('PATCH', `/admin/agents/${agent.id}`, { token: t.adminToken, body: { description: 'helps' } }))).toMatchObject({ description: 'helps', version: 2 });
    expectData(await t.api('DELETE', `/admin/agents/${agent.id}`, { token: t.adminToken }), 204);
    expectError(await t.api('GET', `/admin/agents/${agent.id}`, { token: t.adminToken }), 404, 'AGENT_NOT_FOUND');

    const types = (await db()('events').where({ scope: 'workspace' }).whereRaw("payload->>'agent_id' = ?", [agent.id]).orderBy('project_seq')).map((e) => [e.type, e.project_id]);
    expect(types).toEqual([['agent.created', null], ['agent.updated', null], ['agent.deleted', null]]);
  });

  it('replaces platform roles through /admin/agents/:id/roles (roles:assign and the escalation guard apply)', async () => {
    const agent = expectData(await t.api('POST', '/admin/agents', { token: t.adminToken, body: { handle: handle('ops'), name: 'Ops' } }), 201);
    const adminRole = (await db()('roles').whereNull('project_id').where({ builtin_key: 'ADMIN' }).first('id')).id as string;
    const put = expectData(await t.api('PUT', `/admin/agents/${agent.id}/roles`, { token: t.adminToken, body: { role_ids: [adminRole] } }));
    expect(put.items.map((r: { name: string }) => r.name)).toEqual(['ADMIN']);
    expect(expectData(await t.api('GET', `/admin/agents/${agent.id}/roles`, { token: t.adminToken })).items.map((r: { id: string }) => r.id)).toEqual([adminRole]);
    const changed = await db()('events').where({ scope: 'workspace', type: 'agent.roles_changed' }).whereRaw("payload->>'agent_id' = ?", [agent.id]);
    expect(changed).toHaveLength(1);
    expect(changed[0].payload).toMatchObject({ added: [adminRole], removed: [] });

    // An ADMIN user holds agents:* but not roles:assign: cannot attach SUPER_ADMIN.
    const platformAdmin = await t.createUser({ platformRoles: ['ADMIN'] });
    const superAdmin = (await db()('roles').whereNull('project_id').where({ builtin_key: 'SUPER_ADMIN' }).first('id')).id as string;
    expectError(await t.api('PUT', `/admin/agents/${agent.id}/roles`, { token: platformAdmin.token, body: { role_ids: [superAdmin] } }), 403, 'FORBIDDEN');
    expect((await db()('role_attachments').where({ principal_type: 'agent', principal_id: agent.id })).map((a) => a.role_id)).toEqual([adminRole]);
    expectError(await t.api('PUT', `/admin/agents/${agent.id}/roles`, { token: t.adminToken, body: { role_ids: ['nope'] } }), 422, 'VALIDATION_FAILED');
  });
});

describe('handles are unique across users and agents (D14)', () => {
  let p: Project;
  beforeAll(async () => {
    p = await newProject('Handles');
  });

  it('refuses an agent handle a live user has: 409 AGENT_HANDLE_TAKEN, on create and on rename', async () => {
    const user = await t.createUser();
    expectError(await t.api('POST', `/projects/${p.id}/agents`, { token: p.owner.token, body: { handle: user.username, name: 'x' } }), 409, 'AGENT_HANDLE_TAKEN');
    expectError(await t.api('POST', '/admin/agents', { token: t.adminToken, body: { handle: user.username, name: 'x' } }), 409, 'AGENT_HANDLE_TAKEN');
    expectError(await t.api('POST', '/admin/agents', { token: t.adminToken, body: { handle: t.config.adminUsername, name: 'x' } }), 409, 'AGENT_HANDLE_TAKEN');
    const agent = await createProjectAgent(p);
    expectError(await t.api('PATCH', `/projects/${p.id}/agents/${agent.id}`, { token: p.owner.token, body: { handle: user.username } }), 409, 'AGENT_HANDLE_TAKEN');
    expect((await db()('agents').where({ id: agent.id }).first()).handle).toBe(agent.handle);
    expect(await db()('agents').where({ handle: user.username })).toHaveLength(0);
  });

  it('refuses an agent handle another live agent has, in any project or globally', async () => {
    const agent = await createProjectAgent(p);
    const other = await newProject('Handles Other');
    expectError(await t.api('POST', `/projects/${other.id}/agents`, { token: other.owner.token, body: { handle: agent.handle, name: 'x' } }), 409, 'AGENT_HANDLE_TAKEN');
    expectError(await t.api('POST', '/admin/agents', { token: t.adminToken, body: { handle: agent.handle, name: 'x' } }), 409, 'AGENT_HANDLE_TAKEN');
    // Keeping one's own handle is no conflict.
    expectData(await t.api('PATCH', `/projects/${p.id}/agents/${agent.id}`, { token: p.owner.token, body: { handle: agent.handle, name: 'Same Handle' } }));
  });

  it('refuses a username a live agent has: 409 USER_USERNAME_TAKEN, on create and on rename', async () => {
    const agent = await createProjectAgent(p);
    expectError(await t.api('POST', '/admin/users', { token: t.adminToken, body: { username: agent.handle, password: 'long-enough-1' } }), 409, 'USER_USERNAME_TAKEN');
    const user = await t.createUser();
    expectError(await t.api('PATCH', `/admin/users/${user.id}`, { token: t.adminToken, body: { username: agent.handle } }), 409, 'USER_USERNAME_TAKEN');
    expect(await db()('users').where({ username: agent.handle })).toHaveLength(0);
    // A user keeping their own username is no conflict.
    expectData(await t.api('PATCH', `/admin/users/${user.id}`, { token: t.adminToken, body: { username: user.username, full_name: 'Kept' } }));
  });

  it('frees the handle when the agent is deleted', async () => {
    const agent = await createProjectAgent(p);
    expectData(await t.api('DELETE', `/projects/${p.id}/agents/${agent.id}`, { token: p.owner.token }), 204);
    expectData(await t.api('POST', '/admin/users', { token: t.adminToken, body: { username: agent.handle, password: 'long-enough-1' } }), 201);
  });

  it('lets exactly one of a user and an agent claim the same handle at once', async () => {
    for (let round = 0; round < 3; round++) {
      const h = handle('race');
      const [user, agent] = await Promise.all([
        t.api('POST', '/admin/users', { token: t.adminToken, body: { username: h, password: 'long-enough-1' } }),
        t.api('POST', '/admin/agents', { token: t.adminToken, body: { handle: h, name: 'Racer' } }),
      ]);
      expect([user.status, agent.status].sort()).toEqual([201, 409]);
      const holders = (await db()('users').where({ username: h }).whereNull('deleted_at')).length + (await db()('agents').where({ handle: h }).whereNull('deleted_at')).length;
      expect(holders).toBe(1);
    }
  });
});

describe('an agent key acts as the agent, limited by the agent’s roles', () => {
  let p: Project;
  let other: Project;
  let agent: { id: string; handle: string };
  let key: string;
  let memberId: string;

  beforeAll(async () => {
    p = await newProject('Agent Acts');
    other = await newProject('Agent Cannot Reach');
    agent = await createProjectAgent(p, { role_ids: [p.roles.Viewer] });
    key = await mintKey(`/projects/${p.id}/agents/${agent.id}/api-keys`, p.owner.token);
    memberId = (await memberOf(p.id, agent.id, p.owner.token))!.id;
  });

  it('authenticates as the agent through X-API-Key and Authorization: ApiKey', async () => {
    expect(key).toMatch(/^paca_[0-9a-f]{64}$/);
    const me = expectData(await t.api('GET', '/users/me', { apiKey: key }));
    expect(me).toMatchObject({ id: agent.id, principal_type: 'agent', username: agent.handle, full_name: 'Build Bot', must_change_password: false, agent: { id: agent.id, project_id: p.id } });
    const viaHeader = expectData(await t.api('GET', '/users/me', { headers: { authorization: `ApiKey ${key}` } }));
    expect(viaHeader.id).toBe(agent.id);
    // An agent has no user profile to edit.
    expectError(await t.api('PATCH', '/users/me', { apiKey: key, body: { full_name: 'x' } }), 403, 'PRINCIPAL_USER_REQUIRED');
    expect((await db()('agent_api_keys').where({ agent_id: agent.id }).first()).last_used_at).toEqual(new Date(t.clock.now()));
  });

  it('a Viewer agent reads its project, lists only it, and cannot PATCH it (403)', async () => {
    expect(expectData(await t.api('GET', `/projects/${p.id}`, { apiKey: key })).id).toBe(p.id);
    const list = expectData(await t.api('GET', '/projects', { apiKey: key }));
    expect(list.items.map((x: { id: string }) => x.id)).toEqual([p.id]);
    expect(expectData(await t.api('GET', `/projects/${p.id}/members`, { apiKey: key })).items.length).toBeGreaterThanOrEqual(2);
    expect(expectData(await t.api('GET', `/projects/${p.id}/members/me/permissions`, { apiKey: key })).actions).toEqual(
      expect.arrayContaining(['projects:read', 'agents:read']));
    const refused = await t.api('PATCH', `/projects/${p.id}`, { apiKey: key, body: { description: 'by the agent' } });
    expectError(refused, 403, 'FORBIDDEN');
    expectError(await t.api('POST', `/projects/${p.id}/agents`, { apiKey: key, body: { handle: handle('child'), name: 'x' } }), 403, 'FORBIDDEN');
    expect((await db()('projects').where({ id: p.id }).first()).description).toBe('');
  });

  it('after its roles are replaced with Editor it can what Editor allows, and with Admin it can PATCH the project', async () => {
    expectData(await t.api('PUT', `/projects/${p.id}/members/${memberId}/roles`, { token: p.owner.token, body: { role_ids: [p.roles.Editor] } }));
    const rolesChanged = (await eventsOf(p.id, 'project.member.roles_changed')).filter((e) => e.payload.principal_id === agent.id);
    expect(rolesChanged.map((e) => e.payload)).toEqual([{ member_id: memberId, principal_type: 'agent', principal_id: agent.id, added: [p.roles.Editor], removed: [p.roles.Viewer] }]);
    expectError(await t.api('PATCH', `/projects/${p.id}`, { apiKey: key, body: { description: 'by the agent' } }), 403, 'FORBIDDEN');
    const child = expectData(await t.api('POST', `/projects/${p.id}/agents`, { apiKey: key, body: { handle: handle('child'), name: 'Child' } }), 201);
    expect(child.created_by).toBe(agent.id);
    const created = (await eventsOf(p.id, 'agent.created')).find((e) => e.payload.agent_id === child.id);
    expect(created).toMatchObject({ actor_type: 'agent', actor_id: agent.id, origin: 'agent' });
    const feed = expectData(await t.api('GET', `/projects/${p.id}/activities`, { token: p.owner.token, query: { entity_id: child.id } }));
    expect(feed.items[0]).toMatchObject({ activity_type: 'agent.created', origin: 'agent', actor: { type: 'agent', id: agent.id, username: agent.handle, full_name: 'Build Bot' } });

    expectData(await t.api('PUT', `/projects/${p.id}/members/${memberId}/roles`, { token: p.owner.token, body: { role_ids: [p.roles.Admin] } }));
    const patched = expectData(await t.api('PATCH', `/projects/${p.id}`, { apiKey: key, body: { description: 'by the agent' } }));
    expect(patched.description).toBe('by the agent');
    const updated = (await eventsOf(p.id, 'project.updated')).at(-1);
    expect(updated).toMatchObject({ actor_type: 'agent', actor_id: agent.id, origin: 'agent' });
  });

  it('cannot reach another project (403), not even with roles attached there directly in the database', async () => {
    expectError(await t.api('GET', `/projects/${other.id}`, { apiKey: key }), 403, 'FORBIDDEN');
    await db()('role_attachments').insert({
      id: randomUUID(), role_id: other.roles.Admin, principal_type: 'agent', principal_id: agent.id, project_id: other.id, created_by: null, created_at: t.clock.now(),
    });
    const superAdmin = (await db()('roles').whereNull('project_id').where({ builtin_key: 'SUPER_ADMIN' }).first('id')).id as string;
    await db()('role_attachments').insert({
      id: randomUUID(), role_id: superAdmin, principal_type: 'agent', principal_id: agent.id, project_id: null, created_by: null, created_at: t.clock.now(),
    });
    expectError(await t.api('GET', `/projects/${other.id}`, { apiKey: key }), 403, 'FORBIDDEN');
    expectError(await t.api('PATCH', `/projects/${other.id}`, { apiKey: key, body: { description: 'escaped' } }), 403, 'FORBIDDEN');
    expectError(await t.api('GET', `/projects/${other.id}/members`, { apiKey: key }), 403, 'FORBIDDEN');
    expectError(await t.api('GET', '/admin/users', { apiKey: key }), 403, 'FORBIDDEN');
    expectError(await t.api('POST', '/projects', { apiKey: key, body: { name: 'Agent Made' } }), 403, 'FORBIDDEN');
    expect(expectData(await t.api('GET', '/projects', { apiKey: key })).items.map((x: { id: string }) => x.id)).toEqual([p.id]);
    expect((await db()('projects').where({ id: other.id }).first()).description).toBe('');
    // Its own project still works.
    expectData(await t.api('GET', `/projects/${p.id}`, { apiKey: key }));
    await db()('role_attachments').where({ principal_type: 'agent', principal_id: agent.id }).whereNot({ role_id: p.roles.Admin }).delete();
  });

  it('is confined by the evaluator itself, also for callers holding only {type, id} (plugins, sockets)', async () => {
    const { iam } = t.kernel.services;
    const attachment = randomUUID();
    await db()('role_attachments').insert({
      id: attachment, role_id: other.roles.Viewer, principal_type: 'agent', principal_id: agent.id, project_id: other.id, created_by: null, created_at: t.clock.now(),
    });
    const set = await iam.policySetFor(db(), { type: 'agent', id: agent.id });
    expect(iam.allows(set, 'projects:read', `project/${p.id}`)).toBe(true);
    expect(iam.allows(set, 'projects:read', `project/${other.id}`)).toBe(false);
    expect(set.statements.every((s) => s.resources.every((r) => r.startsWith(`project/${p.id}`)))).toBe(true);
    await db()('role_attachments').where({ id: attachment }).delete();
    // An unknown agent holds nothing (fail closed).
    expect((await iam.policySetFor(db(), { type: 'agent', id: randomUUID() })).statements).toEqual([]);
  });

  it('stays out of a public project too, which anyone else may read', async () => {
    const open = await newProject('Open House', { is_public: true });
    expectData(await t.api('GET', `/projects/${open.id}`));
    expectError(await t.api('GET', `/projects/${open.id}`, { apiKey: key }), 403, 'FORBIDDEN');
  });

  it('an API key cannot mint agent keys (403 AUTH_JWT_REQUIRED), neither the agent’s nor a personal one', async () => {
    const url = `/projects/${p.id}/agents/${agent.id}/api-keys`;
    const personal = expectData(await t.api('POST', '/users/me/api-keys', { token: p.owner.token, body: { name: 'mine' } }), 201).key as string;
    const before = (await db()('agent_api_keys').where({ agent_id: agent.id })).length;
    expectError(await t.api('POST', url, { apiKey: key, body: { name: 'more' } }), 403, 'AUTH_JWT_REQUIRED');
    expectError(await t.api('POST', url, { apiKey: personal, body: { name: 'more' } }), 403, 'AUTH_JWT_REQUIRED');
    expectError(await t.api('GET', url, { apiKey: key }), 403, 'AUTH_JWT_REQUIRED');
    expectError(await t.api('POST', '/users/me/api-keys', { apiKey: key, body: { name: 'more' } }), 403, 'AUTH_JWT_REQUIRED');
    expect((await db()('agent_api_keys').where({ agent_id: agent.id })).length).toBe(before);
  });
});

describe('agent API keys', () => {
  let p: Project;
  beforeAll(async () => {
    p = await newProject('Agent Keys');
  });

  it('shows the secret once; the list shows the prefix only', async () => {
    const agent = await createProjectAgent(p);
    const url = `/projects/${p.id}/agents/${agent.id}/api-keys`;
    const created = expectData(await t.api('POST', url, { token: p.owner.token, body: { name: 'runner', expires_at: '2026-04-01T00:00:00Z' } }), 201);
    expect(created).toMatchObject({ agent_id: agent.id, name: 'runner', key_prefix: created.key.slice(0, 13), expires_at: '2026-04-01T00:00:00.000Z', last_used_at: null });
    const list = expectData(await t.api('GET', url, { token: p.owner.token }));
    expect(list.items).toHaveLength(1);
    expect(list.items[0]).not.toHaveProperty('key');
    expect(JSON.stringify(list)).not.toContain(created.key);
    expect(await db()('agent_api_keys').where({ key_hash: created.key })).toHaveLength(0);
    expectError(await t.api('POST', url, { token: p.owner.token, body: { name: 'old', expires_at: '2020-01-01T00:00:00Z' } }), 422, 'VALIDATION_FAILED');
    expectError(await t.api('POST', url, { token: p.owner.token, body: { name: 'x', scopes: ['all'] } }), 422, 'VALIDATION_FAILED');
  });

  it('a revoked key gets 401 API_KEY_REVOKED; an expired one 401 API_KEY_EXPIRED', async () => {
    const agent = await createProjectAgent(p, { role_ids: [p.roles.Viewer] });
    const url = `/projects/${p.id}/agents/${agent.id}/api-keys`;
    const revoked = expectData(await t.api('POST', url, { token: p.owner.token, body: { name: 'short-lived' } }), 201);
    expectData(await t.api('GET', `/projects/${p.id}`, { apiKey: revoked.key }));
    expectData(await t.api('DELETE', `${url}/${revoked.id}`, { token: p.owner.token }), 204);
    expectError(await t.api('GET', `/projects/${p.id}`, { apiKey: revoked.key }), 401, 'API_KEY_REVOKED');
    expectError(await t.api('DELETE', `${url}/${revoked.id}`, { token: p.owner.token }), 404, 'API_KEY_NOT_FOUND');
    expect(expectData(await t.api('GET', url, { token: p.owner.token })).items).toEqual([]);

    // Two minutes: session tokens of this file live 15 minutes on the same clock.
    const expiring = await mintKey(url, p.owner.token, { name: 'brief', expires_at: new Date(t.clock.now().getTime() + 120_000).toISOString() });
    expectData(await t.api('GET', `/projects/${p.id}`, { apiKey: expiring }));
    t.clock.advance(120_000);
    expectError(await t.api('GET', `/projects/${p.id}`, { apiKey: expiring }), 401, 'API_KEY_EXPIRED');
  });

  it('revokes only the named agent’s keys (another agent’s key id → 404)', async () => {
    const a = await createProjectAgent(p);
    const b = await createProjectAgent(p);
    const keyOfB = expectData(await t.api('POST', `/projects/${p.id}/agents/${b.id}/api-keys`, { token: p.owner.token, body: { name: 'b' } }), 201);
    expectError(await t.api('DELETE', `/projects/${p.id}/agents/${a.id}/api-keys/${keyOfB.id}`, { token: p.owner.token }), 404, 'API_KEY_NOT_FOUND');
    expectData(await t.api('GET', '/users/me', { apiKey: keyOfB.key }));
  });

  it('minting needs holding what the agent may do: an Editor cannot mint a key for an Admin agent', async () => {
    const editor = await t.createUser();
    expectData(await t.api('POST', `/projects/${p.id}/members`, { token: p.owner.token, body: { user_id: editor.id, role_ids: [p.roles.Editor] } }), 201);
    const powerful = await createProjectAgent(p, { role_ids: [p.roles.Admin] });
    const refused = await t.api('POST', `/projects/${p.id}/agents/${powerful.id}/api-keys`, { token: editor.token, body: { name: 'steal' } });
    expectError(refused, 403, 'FORBIDDEN');
    expect(await db()('agent_api_keys').where({ agent_id: powerful.id })).toHaveLength(0);
    const modest = await createProjectAgent(p, { role_ids: [p.roles.Viewer] });
    expectData(await t.api('POST', `/projects/${p.id}/agents/${modest.id}/api-keys`, { token: editor.token, body: { name: 'fine' } }), 201);
  });

  it('global agent keys live under /admin/agents/:id/api-keys and act with the agent’s platform roles and memberships', async () => {
    const agent = expectData(await t.api('POST', '/admin/agents', { token: t.adminToken, body: { handle: handle('roamer'), name: 'Roamer' } }), 201);
    const key = await mintKey(`/admin/agents/${agent.id}/api-keys`, t.adminToken);
    expect(expectData(await t.api('GET', '/projects', { apiKey: key })).items).toEqual([]);
    expectError(await t.api('GET', `/projects/${p.id}`, { apiKey: key }), 403, 'FORBIDDEN');
    expectData(await t.api('POST', `/projects/${p.id}/members`, { token: p.owner.token, body: { agent_id: agent.id, role_ids: [p.roles.Viewer] } }), 201);
    expectData(await t.api('GET', `/projects/${p.id}`, { apiKey: key }));
    expect(expectData(await t.api('GET', '/projects', { apiKey: key })).items.map((x: { id: string }) => x.id)).toEqual([p.id]);
    expectError(await t.api('GET', '/admin/users', { apiKey: key }), 403, 'FORBIDDEN');
    const adminRole = (await db()('roles').whereNull('project_id').where({ builtin_key: 'ADMIN' }).first('id')).id as string;
    expectData(await t.api('PUT', `/admin/agents/${agent.id}/roles`, { token: t.adminToken, body: { role_ids: [adminRole] } }));
    expectData(await t.api('GET', '/admin/users', { apiKey: key }));
    // A global agent allowed to create projects becomes their Admin member.
    const made = expectData(await t.api('POST', '/projects', { apiKey: key, body: { name: `Agent Made ${handle('p')}` } }), 201);
    expect(made.created_by).toBeNull();
    const members = expectData(await t.api('GET', `/projects/${made.id}/members`, { apiKey: key })).items;
    expect(members).toMatchObject([{ member_type: 'agent', agent_id: agent.id, roles: [{ name: 'Admin' }] }]);
    expectError(await t.api('GET', '/admin/agents/' + agent.id + '/api-keys', { apiKey: key }), 403, 'AUTH_JWT_REQUIRED');
  });
});

describe('agent members', () => {
  let p: Project;
  beforeAll(async () => {
    p = await newProject('Agent Members');
  });

  it('adds a global agent with {agent_id, role_ids}; lists, edits, replaces roles and removes it', async () => {
    const agent = expectData(await t.api('POST', '/admin/agents', { token: t.adminToken, body: { handle: handle('member'), name: 'Member Bot' } }), 201);
    const added = expectData(await t.api('POST', `/projects/${p.id}/members`, { token: p.owner.token, body: { agent_id: agent.id, role_ids: [p.roles.Viewer], description: 'triage' } }), 201);
    expect(added).toMatchObject({ member_type: 'agent', agent_id: agent.id, user_id: null, user: null, description: 'triage', agent: { id: agent.id, handle: agent.handle, name: 'Member Bot' }, roles: [{ id: p.roles.Viewer, name: 'Viewer' }] });
    expectError(await t.api('POST', `/projects/${p.id}/members`, { token: p.owner.token, body: { agent_id: agent.id, role_ids: [p.roles.Editor] } }), 409, 'PROJECT_MEMBER_ALREADY_ADDED');

    const listed = (expectData(await t.api('GET', `/projects/${p.id}/members`, { token: p.owner.token })).items as Array<{ id: string; member_type: string }>);
    expect(listed.map((m) => m.member_type).sort()).toEqual(['agent', 'human']);
    expect(listed.find((m) => m.id === added.id)).toMatchObject({ agent: { handle: agent.handle }, roles: [{ name: 'Viewer' }] });

    expect(expectData(await t.api('PATCH', `/projects/${p.id}/members/${added.id}`, { token: p.owner.token, body: { description: 'reviews' } }))).toMatchObject({ description: 'reviews', roles: [{ name: 'Viewer' }] });
    const replaced = expectData(await t.api('PUT', `/projects/${p.id}/members/${added.id}/roles`, { token: p.owner.token, body: { role_ids: [p.roles.Editor, p.roles.Viewer] } }));
    expect(replaced.items.map((r: { name: string }) => r.name)).toEqual(['Editor', 'Viewer']);
    expect(expectData(await t.api('GET', `/projects/${p.id}/members/${added.id}/roles`, { token: p.owner.token })).items.map((r: { name: string }) => r.name)).toEqual(['Editor', 'Viewer']);

    expectData(await t.api('DELETE', `/projects/${p.id}/members/${added.id}`, { token: p.owner.token }), 204);
    expect(await db()('role_attachments').where({ principal_type: 'agent', principal_id: agent.id, project_id: p.id })).toHaveLength(0);
    const events = (await db()('events').where({ scope: p.id }).whereRaw("payload->>'principal_id' = ?", [agent.id]).orderBy('project_seq')).map((e) => [e.type, e.payload.principal_type]);
    expect(events).toEqual([['project.member.added', 'agent'], ['project.member.updated', 'agent'], ['project.member.roles_changed', 'agent'], ['project.member.removed', 'agent']]);
    const feed = await db()('activities').where({ project_id: p.id, entity_id: added.id }).orderBy('created_at').pluck('activity_type');
    expect(feed).toEqual(expect.arrayContaining(['project.member.added', 'project.member.roles_changed', 'project.member.removed']));

    // Re-adding restores the same member row.
    expect(expectData(await t.api('POST', `/projects/${p.id}/members`, { token: p.owner.token, body: { agent_id: agent.id, role_ids: [p.roles.Viewer] } }), 201).id).toBe(added.id);
  });

  it('takes exactly one of user_id and agent_id (422), and answers an unknown agent with 404 AGENT_NOT_FOUND', async () => {
    const user = await t.createUser();
    const agent = await createProjectAgent(p);
    for (const body of [{ role_ids: [p.roles.Viewer] }, { user_id: user.id, agent_id: agent.id, role_ids: [p.roles.Viewer] }]) {
      const response = await t.api('POST', `/projects/${p.id}/members`, { token: p.owner.token, body });
      expectError(response, 422, 'VALIDATION_FAILED');
      expect(response.json.error_details.issues[0].message).toContain('exactly one');
    }
    expectError(await t.api('POST', `/projects/${p.id}/members`, { token: p.owner.token, body: { agent_id: randomUUID(), role_ids: [p.roles.Viewer] } }), 404, 'AGENT_NOT_FOUND');
    expect(await memberOf(p.id, agent.id, p.owner.token)).toBeUndefined();
  });

  it('refuses a project agent in another project with 422 AGENT_OUTSIDE_PROJECT, and nothing is attached', async () => {
    const other = await newProject('Agent Home');
    const foreign = await createProjectAgent(other, {}, other.owner.token);
    const response = await t.api('POST', `/projects/${p.id}/members`, { token: t.adminToken, body: { agent_id: foreign.id, role_ids: [p.roles.Viewer] } });
    expectError(response, 422, 'AGENT_OUTSIDE_PROJECT');
    expect(response.json.error_details).toEqual({ agent_id: foreign.id, agent_project_id: other.id, project_id: p.id });
    expect(await db()('project_members').where({ agent_id: foreign.id })).toHaveLength(0);
    expect(await db()('role_attachments').where({ principal_type: 'agent', principal_id: foreign.id })).toHaveLength(0);
    // The same rule holds wherever roles are attached (the role service checks it).
    const roles = t.kernel.services.roles;
    const policies = await t.kernel.services.iam.policySetFor(db(), { type: 'user', id: p.owner.id, agentProjectId: null });
    await expect(db().transaction((tx) => roles.replaceAttachments(tx, {
      principal: { type: 'agent', id: foreign.id }, scope: { projectId: null }, roleIds: [], actor: null, actorPolicies: policies,
    }))).rejects.toMatchObject({ code: 'AGENT_OUTSIDE_PROJECT' });
    expectError(await t.api('PUT', `/admin/agents/${foreign.id}/roles`, { token: t.adminToken, body: { role_ids: [] } }), 404, 'AGENT_NOT_FOUND');
  });
});

describe('deleting an agent', () => {
  it('kills its keys, removes its attachments and memberships, and emits the events', async () => {
    const p = await newProject('Agent Delete');
    const agent = await createProjectAgent(p, { role_ids: [p.roles.Editor] });
    const key = await mintKey(`/projects/${p.id}/agents/${agent.id}/api-keys`, p.owner.token);
    expectData(await t.api('GET', `/projects/${p.id}`, { apiKey: key }));
    const member = (await memberOf(p.id, agent.id, p.owner.token))!;

    expectData(await t.api('DELETE', `/projects/${p.id}/agents/${agent.id}`, { token: p.owner.token }), 204);
    expectError(await t.api('GET', `/projects/${p.id}`, { apiKey: key }), 401, 'AUTH_TOKEN_INVALID');
    expect((await db()('agent_api_keys').where({ agent_id: agent.id })).every((k) => k.revoked_at !== null)).toBe(true);
    expect(await db()('role_attachments').where({ principal_type: 'agent', principal_id: agent.id })).toHaveLength(0);
    expect(await memberOf(p.id, agent.id, p.owner.token)).toBeUndefined();
    expect((await db()('agents').where({ id: agent.id }).first()).deleted_at).not.toBeNull();
    expectError(await t.api('GET', `/projects/${p.id}/agents/${agent.id}`, { token: p.owner.token }), 404, 'AGENT_NOT_FOUND');
    expect(expectData(await t.api('GET', `/projects/${p.id}/agents`, { token: p.owner.token })).items).toEqual([]);

    const types = (await db()('events').where({ scope: p.id }).orderBy('project_seq')).filter((e) => e.payload.agent_id === agent.id || e.payload.principal_id === agent.id).map((e) => e.type);
    expect(types).toEqual(['agent.created', 'project.member.added', 'project.member.removed', 'agent.deleted']);
    const removed = await eventsOf(p.id, 'project.member.removed');
    expect(removed.at(-1)!.payload).toEqual({ member_id: member.id, principal_type: 'agent', principal_id: agent.id });
    expect(await db()('activities').where({ project_id: p.id, entity_type: 'agent', entity_id: agent.id, activity_type: 'agent.deleted' })).toHaveLength(1);
  });

  it('refuses to remove the last holder of a project’s full access', async () => {
    const p = await newProject('Agent Last Admin');
    const agent = await createProjectAgent(p, { role_ids: [p.roles.Admin] });
    const ownerMember = expectData(await t.api('GET', `/projects/${p.id}/members`, { token: p.owner.token })).items.find((m: { user_id: string }) => m.user_id === p.owner.id);
    expectData(await t.api('DELETE', `/projects/${p.id}/members/${ownerMember.id}`, { token: p.owner.token }), 204);
    expectError(await t.api('DELETE', `/projects/${p.id}/agents/${agent.id}`, { token: t.adminToken }), 409, 'ROLE_LAST_FULL_ACCESS');
    expect((await db()('agents').where({ id: agent.id }).first()).deleted_at).toBeNull();
  });
});
