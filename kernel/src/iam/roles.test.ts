import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectData, expectError, startTestKernel, type ApiResponse, type TestKernel, type TestUser } from '../testing/index.js';

/*
 * Roles and attachments (reference 3.1–3.2, D15, D16): the action catalogue, platform role CRUD
 * with its guard rails (built-ins, the default, last full access, escalation), replace-set
 * attachments, explicit Deny, effective permissions, and project roles.
 */

let t: TestKernel;
let nobody: TestUser;
let plain: TestUser;
let adminRoleUser: TestUser;
let adminId: string;
let builtin: Record<'SUPER_ADMIN' | 'ADMIN' | 'USER', string>;

beforeAll(async () => {
  t = await startTestKernel();
  nobody = await t.createUser({ platformRoles: [] });
  plain = await t.createUser();
  adminRoleUser = await t.createUser({ platformRoles: ['ADMIN'] });
  adminId = (await t.api('GET', '/users/me', { token: t.adminToken })).json.data.id;
  const roles = await t.api('GET', '/admin/roles', { token: t.adminToken });
  builtin = Object.fromEntries(roles.json.data.items.map((r: { name: string; id: string }) => [r.name, r.id])) as typeof builtin;
});
afterAll(() => t.close());

const db = () => t.kernel.database.knex;

type Statement = { effect: 'Allow' | 'Deny'; actions: string[]; resources: string[] };
const allow = (actions: string[], resources: string[]): Statement => ({ effect: 'Allow', actions, resources });
const deny = (actions: string[], resources: string[]): Statement => ({ effect: 'Deny', actions, resources });
const policy = (...statements: Statement[]) => ({ version: '2026-10-01', statements });

let seq = 0;
const unique = (stem: string) => `${stem} ${++seq}${Math.random().toString(36).slice(2, 6)}`;

const roleCount = async () => Number((await db()('roles').count({ n: '*' }).first())!.n);
const roleRow = (id: string) => db()('roles').where({ id }).first();
const platformRoleIds = async (userId: string) => (await db()('role_attachments')
  .where({ principal_type: 'user', principal_id: userId }).whereNull('project_id').pluck('role_id') as string[]).sort();

async function createRole(body: Record<string, unknown>, token = t.adminToken) {
  return expectData(await t.api('POST', '/admin/roles', { token, body }), 201);
}

async function setRoles(userId: string, roleIds: string[], token = t.adminToken) {
  return expectData(await t.api('PUT', `/admin/users/${userId}/roles`, { token, body: { role_ids: roleIds } }));
}

async function globalActions(token: string): Promise<string[]> {
  return (expectData(await t.api('GET', '/users/me/global-permissions', { token })).actions as string[]).slice().sort();
}

const PLATFORM_ACTIONS = [
  'agents:read', 'agents:write', 'plugins:read', 'plugins:write', 'projects:create', 'projects:delete', 'projects:read',
  'projects:write', 'roles:assign', 'roles:read', 'roles:write', 'settings:write', 'users:delete', 'users:read', 'users:write',
];

describe('GET /roles/actions', () => {
  it('lists the kernel’s action catalogue to any principal', async () => {
    const items = expectData(await t.api('GET', '/roles/actions', { token: nobody.token })).items;
    const kernelItems = items.filter((a: { plugin_id: string | null }) => a.plugin_id === null);
    expect(kernelItems.map((a: { action: string }) => a.action).sort()).toEqual([
      ...PLATFORM_ACTIONS, 'project.activities:read', 'project.members:read', 'project.members:write',
    ].sort());
    // Core plugins' actions join the catalogue from their manifests (D16).
    expect(items).toContainEqual({ action: 'tasks:write', description: expect.any(String), platform_root: null, project_scoped: true, plugin_id: 'tasks' });
    expect(items).toContainEqual({ action: 'users:read', description: expect.any(String), platform_root: 'user/*', project_scoped: false, plugin_id: null });
    expect(items).toContainEqual({ action: 'roles:assign', description: expect.any(String), platform_root: 'role/*', project_scoped: true, plugin_id: null });
    expect(items).toContainEqual({ action: 'projects:create', description: expect.any(String), platform_root: 'project', project_scoped: false, plugin_id: null });
    expect(items).toContainEqual({ action: 'settings:write', description: expect.any(String), platform_root: 'settings', project_scoped: false, plugin_id: null });
    expect(items).toContainEqual({ action: 'project.members:write', description: expect.any(String), platform_root: null, project_scoped: true, plugin_id: null });
    for (const item of items) expect(item.description.length).toBeGreaterThan(0);
  });

  it('needs credentials', async () => {
    expectError(await t.api('GET', '/roles/actions'), 401, 'AUTH_UNAUTHENTICATED');
  });
});

describe('platform roles', () => {
  it('lists the built-ins SUPER_ADMIN, ADMIN and USER in the cursor form', async () => {
    // A project exists, so its Admin/Editor/Viewer must stay out of the platform list.
    expectData(await t.api('POST', '/projects', { token: t.adminToken, body: { name: unique('Listing') } }), 201);
    const data = expectData(await t.api('GET', '/admin/roles', { token: t.adminToken }));
    expect(Object.keys(data).sort()).toEqual(['items', 'next_cursor']);
    expect(data.next_cursor).toBeNull();
    const byName = Object.fromEntries(data.items.map((r: { name: string }) => [r.name, r]));
    expect(byName.SUPER_ADMIN).toMatchObject({ is_system: true, is_default: false, project_id: null,
      policy: { version: '2026-10-01', statements: [{ effect: 'Allow', actions: ['*'], resources: ['*'] }] } });
    expect(byName.ADMIN).toMatchObject({ is_system: true, is_default: false, project_id: null });
    expect(byName.ADMIN.policy.statements).toContainEqual({ effect: 'Allow', actions: ['roles:read'], resources: ['role/*'] });
    expect(byName.ADMIN.policy.statements).toContainEqual({ effect: 'Allow', actions: ['users:*'], resources: ['user/*'] });
    expect(byName.USER).toMatchObject({ is_system: true, is_default: true, project_id: null });
    expect(byName.USER.policy.statements).toEqual([
      { effect: 'Allow', actions: ['users:read'], resources: ['user/*'] },
      { effect: 'Allow', actions: ['projects:create'], resources: ['project'] },
    ]);
    for (const role of data.items) expect(role.project_id).toBeNull();
    expect(data.items.map((r: { id: string }) => r.id).sort())
      .toEqual((await db()('roles').whereNull('project_id').pluck('id') as string[]).sort());
  });

  it('walks the list with page_size and next_cursor without gaps or repeats', async () => {
    await createRole({ name: unique('Paging'), policy: policy(allow(['users:read'], ['user/*'])) });
    const all = expectData(await t.api('GET', '/admin/roles', { token: t.adminToken })).items.map((r: { id: string }) => r.id);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const query: Record<string, string> = { page_size: '1', ...(cursor ? { cursor } : {}) };
      const page = expectData(await t.api('GET', '/admin/roles', { token: t.adminToken, query }));
      expect(page.items.length).toBeLessThanOrEqual(1);
      seen.push(...page.items.map((r: { id: string }) => r.id));
      cursor = page.next_cursor;
    } while (cursor && seen.length <= all.length);
    expect(seen).toEqual(all);
    expectError(await t.api('GET', '/admin/roles', { token: t.adminToken, query: { cursor: 'garbage' } }), 422, 'VALIDATION_FAILED');
  });

  it('is readable with roles:read (ADMIN), not by USER or a principal with no roles', async () => {
    expect(expectData(await t.api('GET', '/admin/roles', { token: adminRoleUser.token })).items.length).toBeGreaterThanOrEqual(3);
    expect(expectData(await t.api('GET', `/admin/roles/${builtin.USER}`, { token: adminRoleUser.token })).name).toBe('USER');
    for (const caller of [plain, nobody]) {
      expectError(await t.api('GET', '/admin/roles', { token: caller.token }), 403, 'FORBIDDEN');
      expectError(await t.api('GET', `/admin/roles/${builtin.USER}`, { token: caller.token }), 403, 'FORBIDDEN');
    }
  });

  it('answers an unknown role id with 404 ROLE_NOT_FOUND', async () => {
    expectError(await t.api('GET', `/admin/roles/${randomUUID()}`, { token: t.adminToken }), 404, 'ROLE_NOT_FOUND');
  });

  it('creates a role with POST /admin/roles', async () => {
    const name = unique('Auditors');
    const body = { name: `  ${name} `, description: 'Reads users', policy: policy(allow(['users:read'], ['user/*'])) };
    const before = await roleCount();
    const role = await createRole(body);
    expect(role).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/), name, description: 'Reads users', policy: body.policy,
      project_id: null, is_system: false, is_default: false, created_at: expect.any(String), updated_at: expect.any(String),
    });
    expect(await roleCount()).toBe(before + 1);
    expect(expectData(await t.api('GET', `/admin/roles/${role.id}`, { token: t.adminToken }))).toEqual(role);
  });

  it('is closed to an ADMIN-role user (roles:read only); nothing is created', async () => {
    const before = await roleCount();
    const name = unique('Sneaky');
    const response = await t.api('POST', '/admin/roles', { token: adminRoleUser.token, body: { name, policy: policy(allow(['users:read'], ['user/*'])) } });
    expectError(response, 403, 'FORBIDDEN');
    expect(response.json.error_details).toMatchObject({ action: 'roles:write' });
    expect(await roleCount()).toBe(before);
    expect(await db()('roles').where({ name }).first()).toBeUndefined();
  });

  it.each([
    ['a missing policy', { policy: undefined }, 'policy'],
    ['a wrong policy version', { policy: { version: '2012-10-17', statements: [] } }, 'policy.version'],
    ['statements that are not an array', { policy: { version: '2026-10-01', statements: {} } }, 'policy.statements'],
    ['an unknown effect', { policy: { version: '2026-10-01', statements: [{ effect: 'Maybe', actions: ['users:read'], resources: ['user/*'] }] } }, 'policy.statements.0.effect'],
    ['an empty action list', { policy: policy({ effect: 'Allow', actions: [], resources: ['user/*'] }) }, 'policy.statements.0.actions'],
    ['actions given as a string', { policy: { version: '2026-10-01', statements: [{ effect: 'Allow', actions: 'users:read', resources: ['user/*'] }] } }, 'policy.statements.0.actions'],
    ['an unknown statement field', { policy: { version: '2026-10-01', statements: [{ ...allow(['users:read'], ['user/*']), principal: '*' }] } }, 'policy.statements.0.principal'],
    ['an unknown top-level field', { is_system: true }, 'is_system'],
    ['a blank name', { name: '   ' }, 'name'],
  ])('rejects %s with 422 VALIDATION_FAILED; nothing is created', async (_label, override, path) => {
    const before = await roleCount();
    const body = { name: unique('Shape'), policy: policy(allow(['users:read'], ['user/*'])), ...override };
    const response = await t.api('POST', '/admin/roles', { token: t.adminToken, body });
    expectError(response, 422, 'VALIDATION_FAILED');
    expect(response.json.error_details.issues.map((i: { path: string }) => i.path)).toContain(path);
    expect(await roleCount()).toBe(before);
  });

  it.each([
    ['an unknown action', [allow(['nosuch:read'], ['user/*'])], 'policy.statements.0.actions.0'],
    ['an unknown action domain wildcard', [allow(['nosuch:*'], ['user/*'])], 'policy.statements.0.actions.0'],
    ['an action without a verb', [allow(['users'], ['user/*'])], 'policy.statements.0.actions.0'],
    ['a known domain with an unknown verb', [allow(['users:read', 'users:fly'], ['user/*'])], 'policy.statements.0.actions.1'],
    ['a resource of an unknown kind', [allow(['users:read'], ['bogus/*'])], 'policy.statements.0.resources.0'],
    ['a resource with an empty segment', [allow(['users:read'], ['user//x'])], 'policy.statements.0.resources.0'],
    ['a resource with a space', [allow(['users:read'], ['user/a b'])], 'policy.statements.0.resources.0'],
    ['conditions (not supported yet)', [{ ...allow(['users:read'], ['user/*']), conditions: { StringEquals: { 'principal.type': 'user' } } }], 'policy.statements.0.conditions'],
    ['a bad Deny in the second statement', [allow(['users:read'], ['user/*']), deny(['nosuch:write'], ['user/*'])], 'policy.statements.1.actions.0'],
  ])('rejects %s with 422 ROLE_POLICY_INVALID and the issues; nothing is created', async (_label, statements, path) => {
    const before = await roleCount();
    const response = await t.api('POST', '/admin/roles', { token: t.adminToken, body: { name: unique('Semantic'), policy: policy(...(statements as Statement[])) } });
    expectError(response, 422, 'ROLE_POLICY_INVALID');
    expect(response.json.error_details.issues).toContainEqual({ path, message: expect.any(String) });
    expect(await roleCount()).toBe(before);
  });

  it('accepts wildcards the evaluator understands', async () => {
    const role = await createRole({ name: unique('Wildcards'), policy: policy(
      allow(['users:*', 'project.members:*'], ['user/*', 'project/*/role/*', 'project']),
      deny(['*'], ['settings', 'sso']),
    ) });
    expect(role.policy.statements).toHaveLength(2);
  });

  it('refuses a taken name, case-insensitively, with 409 ROLE_NAME_TAKEN', async () => {
    const name = unique('Reviewers');
    await createRole({ name, policy: policy(allow(['users:read'], ['user/*'])) });
    const before = await roleCount();
    for (const taken of [name.toUpperCase(), name.toLowerCase(), ` ${name} `, 'user', 'Super_Admin']) {
      expectError(await t.api('POST', '/admin/roles', { token: t.adminToken, body: { name: taken, policy: policy(allow(['users:read'], ['user/*'])) } }),
        409, 'ROLE_NAME_TAKEN');
    }
    expect(await roleCount()).toBe(before);
  });

  it('PUT replaces name, description and policy; holders feel it on their next request', async () => {
    const role = await createRole({ name: unique('Readers'), description: 'old', policy: policy(allow(['users:read'], ['user/*'])) });
    const holder = await t.createUser({ platformRoles: [] });
    await setRoles(holder.id, [role.id]);
    expectData(await t.api('GET', '/admin/users', { token: holder.token }));
    expectError(await t.api('GET', '/admin/roles', { token: holder.token }), 403, 'FORBIDDEN');

    t.clock.advance(1000);
    const name = unique('Role readers');
    const next = policy(allow(['roles:read'], ['role/*']));
    const updated = expectData(await t.api('PUT', `/admin/roles/${role.id}`, { token: t.adminToken, body: { name, description: 'new', policy: next } }));
    expect(updated).toMatchObject({ id: role.id, name, description: 'new', policy: next, is_system: false, is_default: false });
    expect(Date.parse(updated.updated_at)).toBeGreaterThan(Date.parse(role.updated_at));
    expect(expectData(await t.api('GET', `/admin/roles/${role.id}`, { token: t.adminToken }))).toEqual(updated);

    expectError(await t.api('GET', '/admin/users', { token: holder.token }), 403, 'FORBIDDEN');
    expectData(await t.api('GET', '/admin/roles', { token: holder.token }));
    expect(await globalActions(holder.token)).toEqual(['roles:read']);
  });

  it('PUT without a description clears it (a PUT replaces the whole role)', async () => {
    const role = await createRole({ name: unique('Described'), description: 'to be cleared', policy: policy(allow(['users:read'], ['user/*'])) });
    const updated = expectData(await t.api('PUT', `/admin/roles/${role.id}`, { token: t.adminToken, body: { name: role.name, policy: role.policy } }));
    expect(updated.description).toBe('');
  });

  it('PUT refuses a taken name, an invalid policy or an unknown id; nothing changes', async () => {
    const role = await createRole({ name: unique('Stable'), policy: policy(allow(['users:read'], ['user/*'])) });
    const before = await roleRow(role.id);
    expectError(await t.api('PUT', `/admin/roles/${role.id}`, { token: t.adminToken, body: { name: 'admin', policy: role.policy } }), 409, 'ROLE_NAME_TAKEN');
    expectError(await t.api('PUT', `/admin/roles/${role.id}`, { token: t.adminToken, body: { name: role.name, policy: policy(allow(['nosuch:read'], ['user/*'])) } }),
      422, 'ROLE_POLICY_INVALID');
    expectError(await t.api('PUT', `/admin/roles/${role.id}`, { token: t.adminToken, body: { name: role.name } }), 422, 'VALIDATION_FAILED');
    expect(await roleRow(role.id)).toEqual(before);
    expectError(await t.api('PUT', `/admin/roles/${randomUUID()}`, { token: t.adminToken, body: { name: unique('Ghost'), policy: role.policy } }),
      404, 'ROLE_NOT_FOUND');
  });

  it('DELETE removes a custom role and every attachment of it', async () => {
    const role = await createRole({ name: unique('Temporary'), policy: policy(allow(['roles:read'], ['role/*'])) });
    const holder = await t.createUser({ platformRoles: [] });
    await setRoles(holder.id, [role.id]);
    expectData(await t.api('GET', '/admin/roles', { token: holder.token }));

    const response = await t.api('DELETE', `/admin/roles/${role.id}`, { token: t.adminToken });
    expect(response.status).toBe(204);
    expect(response.raw.body).toBe('');
    expectError(await t.api('GET', `/admin/roles/${role.id}`, { token: t.adminToken }), 404, 'ROLE_NOT_FOUND');
    expect(await roleRow(role.id)).toBeUndefined();
    expect(await platformRoleIds(holder.id)).toEqual([]);
    expectError(await t.api('GET', '/admin/roles', { token: holder.token }), 403, 'FORBIDDEN');
    expectError(await t.api('DELETE', `/admin/roles/${role.id}`, { token: t.adminToken }), 404, 'ROLE_NOT_FOUND');
  });

  it('refuses deleting a built-in role with 409 ROLE_IS_SYSTEM', async () => {
    for (const id of Object.values(builtin)) {
      const before = await roleRow(id);
      expectError(await t.api('DELETE', `/admin/roles/${id}`, { token: t.adminToken }), 409, 'ROLE_IS_SYSTEM');
      expect(await roleRow(id)).toEqual(before);
    }
    expect(await platformRoleIds(adminId)).toEqual([builtin.SUPER_ADMIN]);
  });

  it('moves the default with PUT /admin/roles/:id/default; new users get it and it cannot be deleted', async () => {
    const starter = await createRole({ name: unique('Starter'), policy: policy(allow(['users:read'], ['user/*'])) });
    const made = expectData(await t.api('PUT', `/admin/roles/${starter.id}/default`, { token: t.adminToken }));
    expect(made).toMatchObject({ id: starter.id, is_default: true });
    expect(expectData(await t.api('GET', `/admin/roles/${builtin.USER}`, { token: t.adminToken })).is_default).toBe(false);
    expect(await db()('roles').whereNull('project_id').where({ is_default: true }).pluck('id')).toEqual([starter.id]);

    try {
      const newcomer = expectData(await t.api('POST', '/admin/users', { token: t.adminToken, body: { username: `starter${Date.now() % 100000}`, password: 'first-password-1' } }), 201);
      expect(newcomer.roles).toEqual([{ id: starter.id, name: starter.name }]);

      const before = await roleCount();
      expectError(await t.api('DELETE', `/admin/roles/${starter.id}`, { token: t.adminToken }), 409, 'ROLE_IS_DEFAULT');
      expect(await roleCount()).toBe(before);
      expect(await platformRoleIds(newcomer.id)).toEqual([starter.id]);
    } finally {
      expectData(await t.api('PUT', `/admin/roles/${builtin.USER}/default`, { token: t.adminToken }));
    }
    expect(await db()('roles').whereNull('project_id').where({ is_default: true }).pluck('id')).toEqual([builtin.USER]);
    const later = await t.createUser();
    expect(await platformRoleIds(later.id)).toEqual([builtin.USER]);
    expect((await t.api('DELETE', `/admin/roles/${starter.id}`, { token: t.adminToken })).status).toBe(204);
  });

  it('answers PUT …/default for an unknown role with 404 and keeps the default', async () => {
    expectError(await t.api('PUT', `/admin/roles/${randomUUID()}/default`, { token: t.adminToken }), 404, 'ROLE_NOT_FOUND');
    expect(await db()('roles').whereNull('project_id').where({ is_default: true }).pluck('id')).toEqual([builtin.USER]);
  });

  it('never lets SUPER_ADMIN lose full access (409 ROLE_LAST_FULL_ACCESS), though it stays editable', async () => {
    const before = await roleRow(builtin.SUPER_ADMIN);
    for (const weaker of [
      policy(allow(['users:read'], ['user/*'])),
      policy(allow(['*'], ['project'])),
      policy(allow(['*'], ['*']), deny(['settings:write'], ['settings'])),
      policy(),
    ]) {
      expectError(await t.api('PUT', `/admin/roles/${builtin.SUPER_ADMIN}`, { token: t.adminToken, body: { name: 'SUPER_ADMIN', policy: weaker } }),
        409, 'ROLE_LAST_FULL_ACCESS');
    }
    expect(await roleRow(builtin.SUPER_ADMIN)).toEqual(before);
    expect(await globalActions(t.adminToken)).toEqual(PLATFORM_ACTIONS);

    const edited = expectData(await t.api('PUT', `/admin/roles/${builtin.SUPER_ADMIN}`, {
      token: t.adminToken, body: { name: 'SUPER_ADMIN', description: 'Root', policy: policy(allow(['*'], ['*'])) },
    }));
    expect(edited).toMatchObject({ description: 'Root', is_system: true, policy: policy(allow(['*'], ['*'])) });
  });
});

describe('escalation guard', () => {
  // Can write and assign roles and read users — nothing else.
  let manager: TestUser;
  const held = policy(allow(['roles:read', 'roles:write', 'roles:assign'], ['role/*']), allow(['users:read'], ['user/*']));

  beforeAll(async () => {
    const role = await createRole({ name: unique('Role managers'), policy: held });
    manager = await t.createUser({ platformRoles: [] });
    await setRoles(manager.id, [role.id]);
  });

  it.each([
    ['* on *', policy(allow(['*'], ['*']))],
    ['an action it lacks (users:write)', policy(allow(['users:write'], ['user/*']))],
    ['a domain wildcard wider than what it holds (users:*)', policy(allow(['users:*'], ['user/*']))],
    ['what it holds, on a wider resource (users:read on *)', policy(allow(['users:read'], ['*']))],
    ['one grant too many among held ones', policy(allow(['users:read'], ['user/*']), allow(['projects:create'], ['project']))],
  ])('refuses creating a role granting %s with 403 FORBIDDEN; nothing is created', async (_label, wanted) => {
    const before = await roleCount();
    const name = unique('Escalate');
    expectError(await t.api('POST', '/admin/roles', { token: manager.token, body: { name, policy: wanted } }), 403, 'FORBIDDEN');
    expect(await roleCount()).toBe(before);
    expect(await db()('roles').where({ name }).first()).toBeUndefined();
  });

  it('creates roles granting what it holds, or less, or only Denies', async () => {
    for (const granted of [
      held,
      policy(allow(['users:read'], ['user/*'])),
      policy(allow(['users:read'], [`user/${plain.id}`])),
      policy(allow(['roles:read'], ['role/*']), deny(['users:read'], ['user/*'])),
      policy(deny(['*'], ['*'])),
    ]) {
      const role = await createRole({ name: unique('Granted'), policy: granted }, manager.token);
      expect(role.policy).toEqual(granted);
    }
  });

  it('cannot widen an existing role beyond what it holds; nothing changes', async () => {
    const role = await createRole({ name: unique('Narrow'), policy: policy(allow(['users:read'], ['user/*'])) }, manager.token);
    const before = await roleRow(role.id);
    expectError(await t.api('PUT', `/admin/roles/${role.id}`, { token: manager.token, body: { name: role.name, policy: policy(allow(['*'], ['*'])) } }),
      403, 'FORBIDDEN');
    expect(await roleRow(role.id)).toEqual(before);
  });

  it('cannot attach a role granting more than it holds, to anyone; nothing changes', async () => {
    const target = await t.createUser({ platformRoles: [] });
    for (const roleId of [builtin.SUPER_ADMIN, builtin.ADMIN, builtin.USER]) {
      expectError(await t.api('PUT', `/admin/users/${target.id}/roles`, { token: manager.token, body: { role_ids: [roleId] } }), 403, 'FORBIDDEN');
    }
    expectError(await t.api('PUT', `/admin/users/${manager.id}/roles`, {
      token: manager.token, body: { role_ids: [...await platformRoleIds(manager.id), builtin.SUPER_ADMIN] },
    }), 403, 'FORBIDDEN');
    expect(await platformRoleIds(target.id)).toEqual([]);
    expect(await globalActions(target.token)).toEqual([]);
    expect(await globalActions(manager.token)).toEqual(['roles:assign', 'roles:read', 'roles:write', 'users:read']);

    const readable = await createRole({ name: unique('Readable'), policy: policy(allow(['users:read'], ['user/*'])) }, manager.token);
    await setRoles(target.id, [readable.id], manager.token);
    expect(await globalActions(target.token)).toEqual(['users:read']);
  });

  it('cannot make a role it does not hold the default for every new user', async () => {
    // Moving the default hands the role to everyone created from now on: it must be grantable.
    const before = await roleRow(builtin.SUPER_ADMIN);
    const response = await t.api('PUT', `/admin/roles/${builtin.SUPER_ADMIN}/default`, { token: manager.token });
    try {
      expectError(response, 403, 'FORBIDDEN');
      expect(await roleRow(builtin.SUPER_ADMIN)).toEqual(before);
      expect(await db()('roles').whereNull('project_id').where({ is_default: true }).pluck('id')).toEqual([builtin.USER]);
    } finally {
      if (response.status === 200) expectData(await t.api('PUT', `/admin/roles/${builtin.USER}/default`, { token: t.adminToken }));
    }
  });
});

describe('attachments: PUT /admin/users/:id/roles', () => {
  it('replaces the set of platform roles', async () => {
    const target = await t.createUser({ platformRoles: [] });
    const both = await setRoles(target.id, [builtin.ADMIN, builtin.USER]);
    expect(both.items.map((r: { name: string }) => r.name).sort()).toEqual(['ADMIN', 'USER']);
    expect(await platformRoleIds(target.id)).toEqual([builtin.ADMIN, builtin.USER].sort());
    const listed = expectData(await t.api('GET', `/admin/users/${target.id}/roles`, { token: t.adminToken })).items;
    expect(listed.map((r: { id: string }) => r.id).sort()).toEqual([builtin.ADMIN, builtin.USER].sort());

    await setRoles(target.id, [builtin.USER, builtin.USER]);
    expect(await platformRoleIds(target.id)).toEqual([builtin.USER]);
    expect(expectData(await t.api('GET', `/admin/users/${target.id}`, { token: t.adminToken })).roles).toEqual([{ id: builtin.USER, name: 'USER' }]);

    expect((await setRoles(target.id, [])).items).toEqual([]);
    expect(await platformRoleIds(target.id)).toEqual([]);
    expectError(await t.api('GET', '/admin/users', { token: target.token }), 403, 'FORBIDDEN');
  });

  it('needs roles:assign: a USER gets 403 and nothing changes', async () => {
    const target = await t.createUser();
    for (const roleIds of [[builtin.USER, builtin.ADMIN], []]) {
      expectError(await t.api('PUT', `/admin/users/${target.id}/roles`, { token: plain.token, body: { role_ids: roleIds } }), 403, 'FORBIDDEN');
    }
    expectError(await t.api('PUT', `/admin/users/${plain.id}/roles`, { token: plain.token, body: { role_ids: [builtin.SUPER_ADMIN] } }), 403, 'FORBIDDEN');
    expect(await platformRoleIds(target.id)).toEqual([builtin.USER]);
    expect(await platformRoleIds(plain.id)).toEqual([builtin.USER]);
  });

  it('needs roles:assign on each role added or removed; a partial refusal changes nothing', async () => {
    const readers = await createRole({ name: unique('Assignable'), policy: policy(allow(['users:read'], ['user/*'])) });
    const other = await createRole({ name: unique('Not assignable'), policy: policy(allow(['users:read'], ['user/*'])) });
    const assigner = await t.createUser({ platformRoles: [] });
    const assignerRole = await createRole({ name: unique('Assigns one'), policy: policy(
      allow(['roles:assign'], [`role/${readers.id}`]), allow(['users:read'], ['user/*']),
    ) });
    await setRoles(assigner.id, [assignerRole.id]);

    const target = await t.createUser({ platformRoles: [] });
    expectError(await t.api('PUT', `/admin/users/${target.id}/roles`, { token: assigner.token, body: { role_ids: [readers.id, other.id] } }), 403, 'FORBIDDEN');
    expect(await platformRoleIds(target.id)).toEqual([]);

    await setRoles(target.id, [readers.id], assigner.token);
    expect(await platformRoleIds(target.id)).toEqual([readers.id]);

    // Removing a role is as guarded as adding one.
    await setRoles(target.id, [readers.id, other.id]);
    expectError(await t.api('PUT', `/admin/users/${target.id}/roles`, { token: assigner.token, body: { role_ids: [readers.id] } }), 403, 'FORBIDDEN');
    expect(await platformRoleIds(target.id)).toEqual([readers.id, other.id].sort());
    await setRoles(target.id, [other.id], assigner.token);
    expect(await platformRoleIds(target.id)).toEqual([other.id]);
  });

  it('refuses project roles and unknown roles with 422 ROLE_NOT_ATTACHABLE; nothing changes', async () => {
    const project = expectData(await t.api('POST', '/projects', { token: t.adminToken, body: { name: unique('Attachable') } }), 201);
    const projectAdmin = expectData(await t.api('GET', `/projects/${project.id}/roles`, { token: t.adminToken })).items
      .find((r: { name: string }) => r.name === 'Admin');
    const target = await t.createUser();
    for (const roleId of [projectAdmin.id, randomUUID()]) {
      const response = await t.api('PUT', `/admin/users/${target.id}/roles`, { token: t.adminToken, body: { role_ids: [builtin.ADMIN, roleId] } });
      expectError(response, 422, 'ROLE_NOT_ATTACHABLE');
      expect(response.json.error_details).toEqual({ role_id: roleId });
    }
    expect(await platformRoleIds(target.id)).toEqual([builtin.USER]);
    expect(await db()('role_attachments').where({ principal_id: target.id })).toHaveLength(1);
  });

  it('answers an unknown user with 404 USER_NOT_FOUND and a malformed body with 422', async () => {
    const id = randomUUID();
    expectError(await t.api('PUT', `/admin/users/${id}/roles`, { token: t.adminToken, body: { role_ids: [builtin.USER] } }), 404, 'USER_NOT_FOUND');
    expect(await db()('role_attachments').where({ principal_id: id })).toEqual([]);
    expectError(await t.api('PUT', `/admin/users/${plain.id}/roles`, { token: t.adminToken, body: { role_ids: ['USER'] } }), 422, 'VALIDATION_FAILED');
    expectError(await t.api('PUT', `/admin/users/${plain.id}/roles`, { token: t.adminToken, body: {} }), 422, 'VALIDATION_FAILED');
    expect(await platformRoleIds(plain.id)).toEqual([builtin.USER]);
  });

  it('never removes SUPER_ADMIN from its last holder (409 ROLE_LAST_FULL_ACCESS)', async () => {
    const holders = await db()('role_attachments').where({ role_id: builtin.SUPER_ADMIN }).pluck('principal_id');
    expect(holders).toEqual([adminId]);
    for (const roleIds of [[], [builtin.USER], [builtin.ADMIN, builtin.USER]]) {
      expectError(await t.api('PUT', `/admin/users/${adminId}/roles`, { token: t.adminToken, body: { role_ids: roleIds } }), 409, 'ROLE_LAST_FULL_ACCESS');
    }
    expect(await platformRoleIds(adminId)).toEqual([builtin.SUPER_ADMIN]);
    expect(await globalActions(t.adminToken)).toEqual(PLATFORM_ACTIONS);

    // With a second holder, either may lose it.
    const second = await t.createUser({ platformRoles: ['SUPER_ADMIN'] });
    await setRoles(second.id, [builtin.USER]);
    expect(await platformRoleIds(second.id)).toEqual([builtin.USER]);
    expect(await globalActions(second.token)).toEqual(['projects:create', 'users:read']);
  });
});

describe('evaluation', () => {
  it('lets an explicit Deny win over an Allow', async () => {
    const user = await t.createUser();
    const projectCount = async () => Number((await db()('projects').count({ n: '*' }).first())!.n);
    expectData(await t.api('POST', '/projects', { token: user.token, body: { name: unique('Allowed first') } }), 201);
    expect(await globalActions(user.token)).toContain('projects:create');

    const noProjects = await createRole({ name: unique('No new projects'), policy: policy(deny(['projects:create'], ['project'])) });
    await setRoles(user.id, [builtin.USER, noProjects.id]);
    const before = await projectCount();
    const name = unique('Denied');
    const response = await t.api('POST', '/projects', { token: user.token, body: { name } });
    expectError(response, 403, 'FORBIDDEN');
    expect(response.json.error_details).toMatchObject({ action: 'projects:create', resource: 'project' });
    expect(await projectCount()).toBe(before);
    expect(await db()('projects').where({ name }).first()).toBeUndefined();
    expect(await globalActions(user.token)).toEqual(['users:read']);
    expectData(await t.api('GET', '/admin/users', { token: user.token }));

    // A wildcard Deny beats even SUPER_ADMIN.
    const super2 = await t.createUser({ platformRoles: ['SUPER_ADMIN'] });
    const denyAll = await createRole({ name: unique('Deny all users'), policy: policy(deny(['users:*'], ['user/*'])) });
    await setRoles(super2.id, [builtin.SUPER_ADMIN, denyAll.id]);
    expectError(await t.api('GET', '/admin/users', { token: super2.token }), 403, 'FORBIDDEN');
    expect(await globalActions(super2.token)).toEqual(PLATFORM_ACTIONS.filter((a) => !a.startsWith('users:')));
    await setRoles(super2.id, [builtin.USER]);
  });

  it('reports attachments through GET /users/me/global-permissions', async () => {
    const user = await t.createUser({ platformRoles: [] });
    expect(await globalActions(user.token)).toEqual([]);
    await setRoles(user.id, [builtin.USER]);
    expect(await globalActions(user.token)).toEqual(['projects:create', 'users:read']);
    await setRoles(user.id, [builtin.ADMIN]);
    expect(await globalActions(user.token)).toEqual(PLATFORM_ACTIONS.filter((a) => a !== 'roles:write' && a !== 'roles:assign'));
    await setRoles(user.id, [builtin.SUPER_ADMIN]);
    expect(await globalActions(user.token)).toEqual(PLATFORM_ACTIONS);
    await setRoles(user.id, []);
    expect(await globalActions(user.token)).toEqual([]);
    expectError(await t.api('GET', '/users/me/global-permissions'), 401, 'AUTH_UNAUTHENTICATED');
  });

  it('never turns a project role into platform permissions', async () => {
    const owner = await t.createUser();
    expectData(await t.api('POST', '/projects', { token: owner.token, body: { name: unique('Own project') } }), 201);
    expect(await globalActions(owner.token)).toEqual(['projects:create', 'users:read']);
  });
});

describe('project roles', () => {
  let owner: TestUser; // a plain USER who created the project, hence its Admin
  let projectId: string;
  let otherProjectId: string;
  let projectRoles: Record<string, string>;

  const activityCount = async (id = projectId) => Number((await db()('activities').where({ project_id: id }).count({ n: '*' }).first())!.n);
  const projectRoleCount = async (id = projectId) => Number((await db()('roles').where({ project_id: id }).count({ n: '*' }).first())!.n);
  const roleActivities = async () => expectData(await t.api('GET', `/projects/${projectId}/activities`, {
    token: owner.token, query: { entity_type: 'role', page_size: '200' },
  })).items as Array<{ activity_type: string; entity_id: string; content: { name: string }; actor: { id: string } | null }>;

  beforeAll(async () => {
    owner = await t.createUser();
    projectId = expectData(await t.api('POST', '/projects', { token: owner.token, body: { name: unique('Role project') } }), 201).id;
    otherProjectId = expectData(await t.api('POST', '/projects', { token: t.adminToken, body: { name: unique('Other project') } }), 201).id;
    const items = expectData(await t.api('GET', `/projects/${projectId}/roles`, { token: owner.token })).items;
    projectRoles = Object.fromEntries(items.map((r: { name: string; id: string }) => [r.name, r.id]));
  });

  it('lists Admin, Editor and Viewer for a new project, in the cursor form', async () => {
    const data = expectData(await t.api('GET', `/projects/${projectId}/roles`, { token: owner.token }));
    expect(data.next_cursor).toBeNull();
    expect(data.items.map((r: { name: string }) => r.name).sort()).toEqual(['Admin', 'Editor', 'Viewer']);
    for (const role of data.items) expect(role).toMatchObject({ project_id: projectId, is_system: true, is_default: false });
    const admin = data.items.find((r: { name: string }) => r.name === 'Admin');
    expect(admin.policy.statements).toEqual([{ effect: 'Allow', actions: ['*'], resources: [`project/${projectId}/*`] }]);
    // Each project has its own instances.
    const other = expectData(await t.api('GET', `/projects/${otherProjectId}/roles`, { token: t.adminToken })).items;
    expect(other.map((r: { id: string }) => r.id)).not.toContain(admin.id);
    expect(await db()('role_attachments').where({ principal_id: owner.id, project_id: projectId }).pluck('role_id')).toEqual([admin.id]);
  });

  it('lets the project Admin create a project role, recorded as role.created', async () => {
    const before = await activityCount();
    const name = unique('Reviewer');
    const body = { name, description: 'Reads the project', policy: policy(allow(['projects:read', 'project.members:read'], [`project/${projectId}/*`])) };
    const role = expectData(await t.api('POST', `/projects/${projectId}/roles`, { token: owner.token, body }), 201);
    expect(role).toMatchObject({ name, description: 'Reads the project', policy: body.policy, project_id: projectId, is_system: false, is_default: false });
    expect(expectData(await t.api('GET', `/projects/${projectId}/roles/${role.id}`, { token: owner.token }))).toEqual(role);
    expect(await activityCount()).toBe(before + 1);
    const created = (await roleActivities()).filter((a) => a.activity_type === 'role.created' && a.entity_id === role.id);
    expect(created).toEqual([expect.objectContaining({ content: { name }, actor: expect.objectContaining({ id: owner.id, type: 'user' }) })]);
    // Not a platform role.
    expectError(await t.api('GET', `/admin/roles/${role.id}`, { token: t.adminToken }), 404, 'ROLE_NOT_FOUND');
  });

  it('records role.updated and role.deleted', async () => {
    const role = expectData(await t.api('POST', `/projects/${projectId}/roles`, {
      token: owner.token, body: { name: unique('Short-lived'), policy: policy(allow(['projects:read'], [`project/${projectId}`])) },
    }), 201);
    const renamed = unique('Renamed');
    const updated = expectData(await t.api('PUT', `/projects/${projectId}/roles/${role.id}`, {
      token: owner.token, body: { name: renamed, policy: policy(allow(['project.members:read'], [`project/${projectId}/*`])) },
    }));
    expect(updated).toMatchObject({ id: role.id, name: renamed, policy: { statements: [{ actions: ['project.members:read'] }] } });
    expect((await t.api('DELETE', `/projects/${projectId}/roles/${role.id}`, { token: owner.token })).status).toBe(204);
    expectError(await t.api('GET', `/projects/${projectId}/roles/${role.id}`, { token: owner.token }), 404, 'ROLE_NOT_FOUND');
    expect(await roleRow(role.id)).toBeUndefined();
    const mine = (await roleActivities()).filter((a) => a.entity_id === role.id);
    expect(mine.map((a) => a.activity_type).sort()).toEqual(['role.created', 'role.deleted', 'role.updated']);
    expect(mine.find((a) => a.activity_type === 'role.updated')!.content).toEqual({ name: renamed });
    expect(mine.find((a) => a.activity_type === 'role.deleted')!.content).toEqual({ name: renamed });
  });

  it.each([
    ['*', () => '*'],
    ['a platform root (role/*)', () => 'role/*'],
    ['a platform user', () => 'user/*'],
    ['settings', () => 'settings'],
    ['the project root (project)', () => 'project'],
    ['every project (project/*)', () => 'project/*'],
    ['another project', () => `project/${otherProjectId}/*`],
  ])('refuses a project role naming %s with 422 ROLE_POLICY_INVALID; nothing is written', async (_label, resource) => {
    const rolesBefore = await projectRoleCount();
    const activitiesBefore = await activityCount();
    const response = await t.api('POST', `/projects/${projectId}/roles`, {
      token: owner.token, body: { name: unique('Outside'), policy: policy(allow(['projects:read'], [`project/${projectId}/*`, resource()])) },
    });
    expectError(response, 422, 'ROLE_POLICY_INVALID');
    expect(response.json.error_details.issues).toContainEqual({ path: 'policy.statements.0.resources.1', message: expect.any(String) });
    expect(await projectRoleCount()).toBe(rolesBefore);
    expect(await activityCount()).toBe(activitiesBefore);
  });

  it('does not let the project Admin grant platform-level permissions anywhere', async () => {
    const before = await roleCount();
    expectError(await t.api('POST', '/admin/roles', { token: owner.token, body: { name: unique('Platform'), policy: policy(allow(['projects:read'], ['project'])) } }),
      403, 'FORBIDDEN');
    expectError(await t.api('POST', `/projects/${otherProjectId}/roles`, {
      token: owner.token, body: { name: unique('Foreign'), policy: policy(allow(['projects:read'], [`project/${otherProjectId}/*`])) },
    }), 403, 'FORBIDDEN');
    expectError(await t.api('PUT', `/admin/users/${owner.id}/roles`, { token: owner.token, body: { role_ids: [builtin.USER, builtin.ADMIN] } }), 403, 'FORBIDDEN');
    expect(await roleCount()).toBe(before);
    expect(await platformRoleIds(owner.id)).toEqual([builtin.USER]);
    expect(await globalActions(owner.token)).toEqual(['projects:create', 'users:read']);
  });

  it('refuses deleting the built-in project roles (409 ROLE_IS_SYSTEM) and weakening Admin (409 ROLE_LAST_FULL_ACCESS)', async () => {
    for (const id of Object.values(projectRoles)) {
      expectError(await t.api('DELETE', `/projects/${projectId}/roles/${id}`, { token: owner.token }), 409, 'ROLE_IS_SYSTEM');
      expect(await roleRow(id)).toBeDefined();
    }
    const before = await roleRow(projectRoles.Admin!);
    expectError(await t.api('PUT', `/projects/${projectId}/roles/${projectRoles.Admin}`, {
      token: owner.token, body: { name: 'Admin', policy: policy(allow(['projects:read'], [`project/${projectId}/*`])) },
    }), 409, 'ROLE_LAST_FULL_ACCESS');
    expect(await roleRow(projectRoles.Admin!)).toEqual(before);
  });

  it('refuses a project role name taken in the project (case-insensitively), but not one from another project', async () => {
    const before = await projectRoleCount();
    expectError(await t.api('POST', `/projects/${projectId}/roles`, {
      token: owner.token, body: { name: 'EDITOR', policy: policy(allow(['projects:read'], [`project/${projectId}/*`])) },
    }), 409, 'ROLE_NAME_TAKEN');
    expect(await projectRoleCount()).toBe(before);
    const shared = unique('Shared name');
    expectData(await t.api('POST', `/projects/${otherProjectId}/roles`, {
      token: t.adminToken, body: { name: shared, policy: policy(allow(['projects:read'], [`project/${otherProjectId}/*`])) },
    }), 201);
    expectData(await t.api('POST', `/projects/${projectId}/roles`, {
      token: owner.token, body: { name: shared, policy: policy(allow(['projects:read'], [`project/${projectId}/*`])) },
    }), 201);
  });

  it('keeps role management from Editors and applies the escalation guard inside the project', async () => {
    const editor = await t.createUser();
    const writer = await t.createUser();
    const roleWriter = expectData(await t.api('POST', `/projects/${projectId}/roles`, {
      token: owner.token, body: { name: unique('Role writer'), policy: policy(allow(['roles:read', 'roles:write', 'projects:read'], [`project/${projectId}/*`])) },
    }), 201);
    expectData(await t.api('POST', `/projects/${projectId}/members`, { token: owner.token, body: { user_id: editor.id, role_ids: [projectRoles.Editor] } }), 201);
    expectData(await t.api('POST', `/projects/${projectId}/members`, { token: owner.token, body: { user_id: writer.id, role_ids: [roleWriter.id] } }), 201);

    const rolesBefore = await projectRoleCount();
    const activitiesBefore = await activityCount();
    expectData(await t.api('GET', `/projects/${projectId}/roles`, { token: editor.token }));
    expectError(await t.api('POST', `/projects/${projectId}/roles`, {
      token: editor.token, body: { name: unique('By editor'), policy: policy(allow(['projects:read'], [`project/${projectId}/*`])) },
    }), 403, 'FORBIDDEN');
    expectError(await t.api('POST', `/projects/${projectId}/roles`, {
      token: writer.token, body: { name: unique('Escalating'), policy: policy(allow(['project.members:write'], [`project/${projectId}/*`])) },
    }), 403, 'FORBIDDEN');
    expectError(await t.api('PUT', `/projects/${projectId}/roles/${projectRoles.Viewer}`, {
      token: writer.token, body: { name: 'Viewer', policy: policy(allow(['*'], [`project/${projectId}/*`])) },
    }), 403, 'FORBIDDEN');
    expect(await projectRoleCount()).toBe(rolesBefore);
    expect(await activityCount()).toBe(activitiesBefore);
    expect((await roleRow(projectRoles.Viewer!)).policy.statements[0].actions).not.toContain('*');

    const allowed = expectData(await t.api('POST', `/projects/${projectId}/roles`, {
      token: writer.token, body: { name: unique('Readers'), policy: policy(allow(['projects:read'], [`project/${projectId}/*`])) },
    }), 201);
    expect(allowed.project_id).toBe(projectId);
  });

  it('is closed to a principal with no roles and to anonymous callers on a private project', async () => {
    expectError(await t.api('GET', `/projects/${projectId}/roles`, { token: nobody.token }), 403, 'FORBIDDEN');
    expectError(await t.api('GET', `/projects/${projectId}/roles`), 401, 'AUTH_UNAUTHENTICATED');
    expectError(await t.api('POST', `/projects/${projectId}/roles`, {
      token: plain.token, body: { name: unique('Outsider'), policy: policy(allow(['projects:read'], [`project/${projectId}/*`])) },
    }), 403, 'FORBIDDEN');
  });
});
