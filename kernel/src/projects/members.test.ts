import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectError, expectStatus, startTestKernel, type ApiResponse, type TestKernel, type TestUser } from '../testing/index.js';

/*
 * Project members (reference 1.3, 2.3 "Single project", 3.2; D15): adding with project roles,
 * what Viewer/Editor/Admin may do, last-Admin protection, removal and restore, role replacement.
 */
let t: TestKernel;
beforeAll(async () => {
  t = await startTestKernel();
});
afterAll(() => t.close());

const db = () => t.kernel.database.knex;

interface Fixture {
  owner: TestUser;
  projectId: string;
  roles: { Admin: string; Editor: string; Viewer: string };
}

/** A fresh project created by a fresh default USER, who is therefore its only Admin. */
async function newProject(name: string): Promise<Fixture> {
  const owner = await t.createUser();
  const created = await t.api('POST', '/projects', { token: owner.token, body: { name } });
  expectStatus(created, 201);
  const projectId = created.json.data.id as string;
  const list = await t.api('GET', `/projects/${projectId}/roles`, { token: owner.token });
  expectStatus(list, 200);
  const byName = Object.fromEntries(list.json.data.items.map((r: { name: string; id: string }) => [r.name, r.id]));
  return { owner, projectId, roles: { Admin: byName.Admin, Editor: byName.Editor, Viewer: byName.Viewer } };
}

async function addMember(f: Fixture, user: TestUser, roleIds: string[], token = f.owner.token) {
  const response = await t.api('POST', `/projects/${f.projectId}/members`, { token, body: { user_id: user.id, role_ids: roleIds } });
  expectStatus(response, 201);
  return response.json.data as { id: string; user_id: string; roles: Array<{ id: string; name: string }> };
}

const liveMembers = (projectId: string) => db()('project_members').where({ project_id: projectId }).whereNull('deleted_at');
const attachedRoleNames = async (projectId: string, userId: string) => (await db()('role_attachments as a')
  .join('roles as r', 'r.id', 'a.role_id')
  .where({ 'a.project_id': projectId, 'a.principal_type': 'user', 'a.principal_id': userId })
  .orderBy('r.name').pluck('r.name')) as string[];
const activitiesOf = (projectId: string, type: string) => db()('activities').where({ project_id: projectId, activity_type: type });

describe('POST /projects/:id/members', () => {
  let f: Fixture;
  let viewer: TestUser;

  beforeAll(async () => {
    f = await newProject('Members Add');
    viewer = await t.createUser();
  });

  it('adds a user with the Viewer role: 201, the member view, attachments and a project.member.added activity', async () => {
    const response = await t.api('POST', `/projects/${f.projectId}/members`, { token: f.owner.token, body: { user_id: viewer.id, role_ids: [f.roles.Viewer] } });
    expectStatus(response, 201);
    expect(response.json.data).toMatchObject({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/), project_id: f.projectId, member_type: 'human', user_id: viewer.id, description: '',
      user: { id: viewer.id, username: viewer.username }, roles: [{ id: f.roles.Viewer, name: 'Viewer' }],
    });
    expect(await attachedRoleNames(f.projectId, viewer.id)).toEqual(['Viewer']);
    const logged = await activitiesOf(f.projectId, 'project.member.added');
    expect(logged).toHaveLength(1);
    expect(logged[0]).toMatchObject({ entity_type: 'member', entity_id: response.json.data.id, actor_id: f.owner.id });
    expect(logged[0].content).toMatchObject({ username: viewer.username, roles: ['Viewer'] });
  });

  it('lists members with user {username} and their roles', async () => {
    const response = await t.api('GET', `/projects/${f.projectId}/members`, { token: f.owner.token });
    expectStatus(response, 200);
    expect(Object.keys(response.json.data).sort()).toEqual(['items', 'next_cursor']);
    const items = response.json.data.items as Array<{ user_id: string; user: { username: string }; roles: Array<{ name: string }> }>;
    expect(items).toHaveLength(2);
    const byUser = new Map(items.map((m) => [m.user_id, m]));
    expect(byUser.get(f.owner.id)).toMatchObject({ user: { username: f.owner.username }, roles: [{ id: f.roles.Admin, name: 'Admin' }] });
    expect(byUser.get(viewer.id)).toMatchObject({ user: { username: viewer.username }, roles: [{ id: f.roles.Viewer, name: 'Viewer' }] });
  });

  it('refuses a duplicate with 409 PROJECT_MEMBER_ALREADY_ADDED and keeps the member’s roles', async () => {
    const response = await t.api('POST', `/projects/${f.projectId}/members`, { token: f.owner.token, body: { user_id: viewer.id, role_ids: [f.roles.Editor] } });
    expectError(response, 409, 'PROJECT_MEMBER_ALREADY_ADDED');
    expect(await liveMembers(f.projectId).where({ user_id: viewer.id })).toHaveLength(1);
    expect(await attachedRoleNames(f.projectId, viewer.id)).toEqual(['Viewer']);
  });

  it('answers an unknown user with 404 USER_NOT_FOUND and adds nobody', async () => {
    const before = (await liveMembers(f.projectId)).length;
    const response = await t.api('POST', `/projects/${f.projectId}/members`, { token: f.owner.token, body: { user_id: randomUUID(), role_ids: [f.roles.Viewer] } });
    expectError(response, 404, 'USER_NOT_FOUND');
    expect(await liveMembers(f.projectId)).toHaveLength(before);
  });

  it('rejects empty or missing role_ids with 422 VALIDATION_FAILED and adds nobody', async () => {
    const someone = await t.createUser();
    for (const body of [{ user_id: someone.id, role_ids: [] }, { user_id: someone.id }]) {
      const response = await t.api('POST', `/projects/${f.projectId}/members`, { token: f.owner.token, body });
      expectError(response, 422, 'VALIDATION_FAILED');
      expect(response.json.error_details.issues.map((i: { path: string }) => i.path)).toContain('role_ids');
    }
    expect(await db()('project_members').where({ user_id: someone.id })).toHaveLength(0);
  });

  it('refuses a role of another project, a platform role or an unknown role with 422 ROLE_NOT_ATTACHABLE and adds nobody', async () => {
    const other = await newProject('Members Other');
    const someone = await t.createUser();
    const userRole = (await db()('roles').whereNull('project_id').where({ builtin_key: 'USER' }).first('id')).id as string;
    for (const roleId of [other.roles.Viewer, userRole, randomUUID()]) {
      const response = await t.api('POST', `/projects/${f.projectId}/members`, { token: f.owner.token, body: { user_id: someone.id, role_ids: [roleId] } });
      expectError(response, 422, 'ROLE_NOT_ATTACHABLE');
      expect(response.json.error_details).toEqual({ role_id: roleId });
    }
    expect(await db()('project_members').where({ user_id: someone.id })).toHaveLength(0);
    expect(await db()('role_attachments').where({ principal_id: someone.id }).whereNotNull('project_id')).toHaveLength(0);
    const list = await t.api('GET', `/projects/${f.projectId}/members`, { token: f.owner.token });
    expect(list.json.data.items.map((m: { user_id: string }) => m.user_id)).not.toContain(someone.id);
  });

  it('refuses a project that does not exist with 404 PROJECT_NOT_FOUND (for the admin)', async () => {
    const someone = await t.createUser();
    const response = await t.api('POST', `/projects/${randomUUID()}/members`, { token: t.adminToken, body: { user_id: someone.id, role_ids: [f.roles.Viewer] } });
    expectError(response, 404, 'PROJECT_NOT_FOUND');
    expect(await db()('project_members').where({ user_id: someone.id })).toHaveLength(0);
  });
});

describe('what each project role may do', () => {
  let f: Fixture;
  let viewer: TestUser;
  let editor: TestUser;
  let viewerMemberId: string;

  beforeAll(async () => {
    f = await newProject('Role Powers');
    viewer = await t.createUser();
    editor = await t.createUser();
    viewerMemberId = (await addMember(f, viewer, [f.roles.Viewer])).id;
    await addMember(f, editor, [f.roles.Editor]);
  });

  it('lets a Viewer read the project, its members and its activities', async () => {
    const project = await t.api('GET', `/projects/${f.projectId}`, { token: viewer.token });
    expectStatus(project, 200);
    expect(project.json.data.name).toBe('Role Powers');
    expectStatus(await t.api('GET', `/projects/${f.projectId}/members`, { token: viewer.token }), 200);
    const activities = await t.api('GET', `/projects/${f.projectId}/activities`, { token: viewer.token });
    expectStatus(activities, 200);
    expect(activities.json.data.items.length).toBeGreaterThan(0);
    const list = await t.api('GET', '/projects', { token: viewer.token });
    expect(list.json.data.items.map((p: { id: string }) => p.id)).toEqual([f.projectId]);
  });

  it('refuses a Viewer’s writes with 403 FORBIDDEN and changes nothing', async () => {
    const projectBefore = await db()('projects').where({ id: f.projectId }).first();
    const membersBefore = await liveMembers(f.projectId).orderBy('id');
    const attachmentsBefore = await db()('role_attachments').where({ project_id: f.projectId }).orderBy('id');
    const someone = await t.createUser();
    const attempts: Array<[string, string, unknown]> = [
      ['PATCH', `/projects/${f.projectId}`, { name: 'Viewer Was Here' }],
      ['DELETE', `/projects/${f.projectId}`, undefined],
      ['POST', `/projects/${f.projectId}/members`, { user_id: someone.id, role_ids: [f.roles.Viewer] }],
      ['PATCH', `/projects/${f.projectId}/members/${viewerMemberId}`, { description: 'self-description' }],
      ['PUT', `/projects/${f.projectId}/members/${viewerMemberId}/roles`, { role_ids: [f.roles.Admin] }],
      ['DELETE', `/projects/${f.projectId}/members/${viewerMemberId}`, undefined],
    ];
    for (const [method, url, body] of attempts) {
      const response = await t.api(method as 'POST', url, { token: viewer.token, body });
      expectError(response, 403, 'FORBIDDEN');
    }
    expect(await db()('projects').where({ id: f.projectId }).first()).toEqual(projectBefore);
    expect(await liveMembers(f.projectId).orderBy('id')).toEqual(membersBefore);
    expect(await db()('role_attachments').where({ project_id: f.projectId }).orderBy('id')).toEqual(attachmentsBefore);
  });

  it('reports the caller’s actions: an Admin holds project.members:write, a Viewer does not', async () => {
    const admin = await t.api('GET', `/projects/${f.projectId}/members/me/permissions`, { token: f.owner.token });
    expectStatus(admin, 200);
    expect(admin.json.data.actions).toEqual(expect.arrayContaining([
      'projects:read', 'projects:write', 'projects:delete', 'project.members:read', 'project.members:write',
      'project.activities:read', 'roles:read', 'roles:write', 'roles:assign',
    ]));
    const view = await t.api('GET', `/projects/${f.projectId}/members/me/permissions`, { token: viewer.token });
    expectStatus(view, 200);
    expect(view.json.data.actions).toEqual(expect.arrayContaining(['projects:read', 'project.members:read', 'project.activities:read']));
    for (const action of ['project.members:write', 'projects:write', 'projects:delete', 'roles:write', 'roles:assign']) {
      expect(view.json.data.actions).not.toContain(action);
    }
  });

  it('refuses the permissions endpoint to a non-member of a private project', async () => {
    const outsider = await t.createUser();
    expectError(await t.api('GET', `/projects/${f.projectId}/members/me/permissions`, { token: outsider.token }), 403, 'FORBIDDEN');
  });

  it('answers the permissions endpoint with 404 PROJECT_NOT_FOUND for a deleted or unknown project', async () => {
    const gone = await newProject('Permissions Ghost');
    expectStatus(await t.api('DELETE', `/projects/${gone.projectId}`, { token: gone.owner.token }), 204);
    const deleted = await t.api('GET', `/projects/${gone.projectId}/members/me/permissions`, { token: gone.owner.token });
    expectError(deleted, 404, 'PROJECT_NOT_FOUND');
    const unknown = await t.api('GET', `/projects/${randomUUID()}/members/me/permissions`, { token: t.adminToken });
    expectError(unknown, 404, 'PROJECT_NOT_FOUND');
  });

  it('lets an Editor read members but not add them (403) and adds nobody', async () => {
    expectStatus(await t.api('GET', `/projects/${f.projectId}/members`, { token: editor.token }), 200);
    const someone = await t.createUser();
    for (const roleId of [f.roles.Viewer, f.roles.Editor]) {
      const response = await t.api('POST', `/projects/${f.projectId}/members`, { token: editor.token, body: { user_id: someone.id, role_ids: [roleId] } });
      expectError(response, 403, 'FORBIDDEN');
    }
    expect(await db()('project_members').where({ user_id: someone.id })).toHaveLength(0);
    const perms = await t.api('GET', `/projects/${f.projectId}/members/me/permissions`, { token: editor.token });
    expect(perms.json.data.actions).toContain('project.members:read');
    expect(perms.json.data.actions).not.toContain('project.members:write');
  });
});

describe('the last project Admin', () => {
  it('cannot be removed or demoted (409 ROLE_LAST_FULL_ACCESS); once a second Admin exists it can', async () => {
    const f = await newProject('Last Admin');
    const ownerMember = (await liveMembers(f.projectId).where({ user_id: f.owner.id }).first()).id as string;

    const remove = await t.api('DELETE', `/projects/${f.projectId}/members/${ownerMember}`, { token: f.owner.token });
    expectError(remove, 409, 'ROLE_LAST_FULL_ACCESS');
    const demote = await t.api('PUT', `/projects/${f.projectId}/members/${ownerMember}/roles`, { token: f.owner.token, body: { role_ids: [f.roles.Viewer] } });
    expectError(demote, 409, 'ROLE_LAST_FULL_ACCESS');
    const byAdmin = await t.api('DELETE', `/projects/${f.projectId}/members/${ownerMember}`, { token: t.adminToken });
    expectError(byAdmin, 409, 'ROLE_LAST_FULL_ACCESS');
    expect(await liveMembers(f.projectId).where({ id: ownerMember })).toHaveLength(1);
    expect(await attachedRoleNames(f.projectId, f.owner.id)).toEqual(['Admin']);
    expect(await activitiesOf(f.projectId, 'project.member.removed')).toHaveLength(0);

    const second = await t.createUser();
    await addMember(f, second, [f.roles.Admin]);
    const removed = await t.api('DELETE', `/projects/${f.projectId}/members/${ownerMember}`, { token: second.token });
    expectStatus(removed, 204);
    expect(await liveMembers(f.projectId).where({ id: ownerMember })).toHaveLength(0);
    expect(await attachedRoleNames(f.projectId, f.owner.id)).toEqual([]);
    expectError(await t.api('GET', `/projects/${f.projectId}`, { token: f.owner.token }), 403, 'FORBIDDEN');

    // The second Admin is now the last one.
    const secondMember = (await liveMembers(f.projectId).where({ user_id: second.id }).first()).id as string;
    expectError(await t.api('DELETE', `/projects/${f.projectId}/members/${secondMember}`, { token: second.token }), 409, 'ROLE_LAST_FULL_ACCESS');
  });

  it('can be demoted once another Admin exists', async () => {
    const f = await newProject('Demotable Admin');
    const ownerMember = (await liveMembers(f.projectId).where({ user_id: f.owner.id }).first()).id as string;
    const second = await t.createUser();
    await addMember(f, second, [f.roles.Admin]);
    const demote = await t.api('PUT', `/projects/${f.projectId}/members/${ownerMember}/roles`, { token: second.token, body: { role_ids: [f.roles.Viewer] } });
    expectStatus(demote, 200);
    expect(await attachedRoleNames(f.projectId, f.owner.id)).toEqual(['Viewer']);
    expectError(await t.api('PATCH', `/projects/${f.projectId}`, { token: f.owner.token, body: { name: 'Nope' } }), 403, 'FORBIDDEN');
  });
});

describe('removing and re-adding a member', () => {
  let f: Fixture;
  let member: TestUser;
  let memberId: string;

  beforeAll(async () => {
    f = await newProject('Come And Go');
    member = await t.createUser();
    memberId = (await addMember(f, member, [f.roles.Viewer])).id;
  });

  it('DELETE removes the member and their access (403 afterwards)', async () => {
    expectStatus(await t.api('GET', `/projects/${f.projectId}`, { token: member.token }), 200);
    const removed = await t.api('DELETE', `/projects/${f.projectId}/members/${memberId}`, { token: f.owner.token });
    expectStatus(removed, 204);
    expectError(await t.api('GET', `/projects/${f.projectId}`, { token: member.token }), 403, 'FORBIDDEN');
    expectError(await t.api('GET', `/projects/${f.projectId}/members`, { token: member.token }), 403, 'FORBIDDEN');
    const list = await t.api('GET', '/projects', { token: member.token });
    expect(list.json.data).toMatchObject({ items: [], total: 0 });
    const members = await t.api('GET', `/projects/${f.projectId}/members`, { token: f.owner.token });
    expect(members.json.data.items.map((m: { id: string }) => m.id)).not.toContain(memberId);
    expect(await attachedRoleNames(f.projectId, member.id)).toEqual([]);
    const logged = await activitiesOf(f.projectId, 'project.member.removed');
    expect(logged).toHaveLength(1);
    expect(logged[0]).toMatchObject({ entity_id: memberId, content: { username: member.username } });
  });

  it('answers a removed or unknown member id with 404 PROJECT_MEMBER_NOT_FOUND', async () => {
    expectError(await t.api('DELETE', `/projects/${f.projectId}/members/${memberId}`, { token: f.owner.token }), 404, 'PROJECT_MEMBER_NOT_FOUND');
    expectError(await t.api('PATCH', `/projects/${f.projectId}/members/${randomUUID()}`, { token: f.owner.token, body: { description: 'x' } }), 404, 'PROJECT_MEMBER_NOT_FOUND');
  });

  it('re-adding restores the same member id with the new roles and access', async () => {
    const again = await t.api('POST', `/projects/${f.projectId}/members`, { token: f.owner.token, body: { user_id: member.id, role_ids: [f.roles.Editor] } });
    expectStatus(again, 201);
    expect(again.json.data.id).toBe(memberId);
    expect(again.json.data.roles).toEqual([{ id: f.roles.Editor, name: 'Editor' }]);
    expect(await db()('project_members').where({ project_id: f.projectId, user_id: member.id })).toHaveLength(1);
    expect(await attachedRoleNames(f.projectId, member.id)).toEqual(['Editor']);
    expectStatus(await t.api('GET', `/projects/${f.projectId}`, { token: member.token }), 200);
    const members = await t.api('GET', `/projects/${f.projectId}/members`, { token: f.owner.token });
    const restored = members.json.data.items.find((m: { id: string }) => m.id === memberId);
    expect(restored).toMatchObject({ user_id: member.id, roles: [{ name: 'Editor' }] });
  });
});

describe('member roles and description', () => {
  let f: Fixture;
  let member: TestUser;
  let memberId: string;

  beforeAll(async () => {
    f = await newProject('Role Shuffle');
    member = await t.createUser();
    memberId = (await addMember(f, member, [f.roles.Viewer])).id;
  });

  it('PUT /members/:id/roles replaces the roles and logs project.member.roles_changed', async () => {
    const response = await t.api('PUT', `/projects/${f.projectId}/members/${memberId}/roles`, { token: f.owner.token, body: { role_ids: [f.roles.Editor] } });
    expectStatus(response, 200);
    expect(response.json.data.items.map((r: { id: string; name: string }) => [r.id, r.name])).toEqual([[f.roles.Editor, 'Editor']]);
    expect(await attachedRoleNames(f.projectId, member.id)).toEqual(['Editor']);
    const roles = await t.api('GET', `/projects/${f.projectId}/members/${memberId}/roles`, { token: f.owner.token });
    expectStatus(roles, 200);
    expect(roles.json.data.items.map((r: { name: string }) => r.name)).toEqual(['Editor']);
    const perms = await t.api('GET', `/projects/${f.projectId}/members/me/permissions`, { token: member.token });
    expect(perms.json.data.actions).toContain('agents:write');

    const feed = await t.api('GET', `/projects/${f.projectId}/activities`, { token: f.owner.token });
    const changed = feed.json.data.items.filter((a: { activity_type: string }) => a.activity_type === 'project.member.roles_changed');
    expect(changed).toHaveLength(1);
    expect(changed[0]).toMatchObject({
      entity_type: 'member', entity_id: memberId, actor: { id: f.owner.id },
      content: { username: member.username, added: ['Editor'], removed: ['Viewer'] },
    });
  });

  it('PUT with several roles keeps all of them', async () => {
    const response = await t.api('PUT', `/projects/${f.projectId}/members/${memberId}/roles`, { token: f.owner.token, body: { role_ids: [f.roles.Viewer, f.roles.Editor] } });
    expectStatus(response, 200);
    expect(await attachedRoleNames(f.projectId, member.id)).toEqual(['Editor', 'Viewer']);
    const list = await t.api('GET', `/projects/${f.projectId}/members`, { token: f.owner.token });
    const entry = list.json.data.items.find((m: { id: string }) => m.id === memberId);
    expect(entry.roles.map((r: { name: string }) => r.name)).toEqual(['Editor', 'Viewer']);
  });

  it('PUT with no roles or a foreign role is refused and changes nothing', async () => {
    const before = await attachedRoleNames(f.projectId, member.id);
    expectError(await t.api('PUT', `/projects/${f.projectId}/members/${memberId}/roles`, { token: f.owner.token, body: { role_ids: [] } }), 422, 'VALIDATION_FAILED');
    const other = await newProject('Role Shuffle Other');
    expectError(await t.api('PUT', `/projects/${f.projectId}/members/${memberId}/roles`, { token: f.owner.token, body: { role_ids: [other.roles.Admin] } }), 422, 'ROLE_NOT_ATTACHABLE');
    expect(await attachedRoleNames(f.projectId, member.id)).toEqual(before);
  });

  it('PATCH /members/:id sets the description', async () => {
    const response = await t.api('PATCH', `/projects/${f.projectId}/members/${memberId}`, { token: f.owner.token, body: { description: 'Handles the backend' } });
    expectStatus(response, 200);
    expect(response.json.data).toMatchObject({ id: memberId, description: 'Handles the backend', user: { username: member.username } });
    expect(response.json.data.roles.map((r: { name: string }) => r.name)).toEqual(['Editor', 'Viewer']);
    expect((await db()('project_members').where({ id: memberId }).first()).description).toBe('Handles the backend');
    const list = await t.api('GET', `/projects/${f.projectId}/members`, { token: f.owner.token });
    expect(list.json.data.items.find((m: { id: string }) => m.id === memberId).description).toBe('Handles the backend');
  });

  it('PATCH rejects unknown fields with 422 and changes nothing', async () => {
    const response = await t.api('PATCH', `/projects/${f.projectId}/members/${memberId}`, { token: f.owner.token, body: { description: 'x', user_id: randomUUID() } });
    expectError(response, 422, 'VALIDATION_FAILED');
    expect(await db()('project_members').where({ id: memberId }).first()).toMatchObject({ description: 'Handles the backend', user_id: member.id });
  });

  it('does not reach a member of another project through this project’s URL', async () => {
    const other = await newProject('Role Shuffle Elsewhere');
    const otherOwnerMember = (await liveMembers(other.projectId).where({ user_id: other.owner.id }).first()).id as string;
    expectError(await t.api('PATCH', `/projects/${f.projectId}/members/${otherOwnerMember}`, { token: f.owner.token, body: { description: 'hijack' } }), 404, 'PROJECT_MEMBER_NOT_FOUND');
    expectError(await t.api('DELETE', `/projects/${f.projectId}/members/${otherOwnerMember}`, { token: f.owner.token }), 404, 'PROJECT_MEMBER_NOT_FOUND');
    expect(await db()('project_members').where({ id: otherOwnerMember }).first()).toMatchObject({ description: '', deleted_at: null });
  });
});
