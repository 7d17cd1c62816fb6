import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectData, expectError, startTestKernel, type ApiResponse, type TestKernel, type TestUser } from '../testing/index.js';

/*
 * User administration under /admin/users (reference 2.3, D3, D10, D15): creation with the default
 * role and a forced password change, the page-form list with search and role filter, edits, and
 * deletion that ends every credential, membership and attachment — with the self-delete and
 * last-SUPER_ADMIN guards.
 */

let t: TestKernel;
let nobody: TestUser; // no roles at all (D15 negative tests)
let plain: TestUser; // the default role, USER: users:read + projects:create
let adminRoleUser: TestUser; // the built-in ADMIN role: users:* but not SUPER_ADMIN
let adminId: string;
let roleIds: Record<string, string>;

beforeAll(async () => {
  t = await startTestKernel();
  nobody = await t.createUser({ platformRoles: [] });
  plain = await t.createUser();
  adminRoleUser = await t.createUser({ platformRoles: ['ADMIN'] });
  adminId = (await t.api('GET', '/users/me', { token: t.adminToken })).json.data.id;
  const roles = await t.api('GET', '/admin/roles', { token: t.adminToken });
  roleIds = Object.fromEntries(roles.json.data.items.map((r: { name: string; id: string }) => [r.name, r.id]));
});
afterAll(() => t.close());

const db = () => t.kernel.database.knex;

const liveUserCount = async () => Number((await db()('users').whereNull('deleted_at').count({ n: '*' }).first())!.n);
const liveUser = (username: string) => db()('users').where({ username }).whereNull('deleted_at').first();
const platformRoleNames = async (userId: string) => (await db()('role_attachments as a').join('roles as r', 'r.id', 'a.role_id')
  .where({ 'a.principal_type': 'user', 'a.principal_id': userId }).whereNull('a.project_id').orderBy('r.name').pluck('r.name')) as string[];

let seq = 0;
const unique = (stem: string) => `${stem}${++seq}${Math.random().toString(36).slice(2, 6)}`;

function adminCreate(body: Record<string, unknown>, token = t.adminToken) {
  return t.api('POST', '/admin/users', { token, body: { password: 'first-password-1', ...body } });
}

describe('POST /admin/users', () => {
  it('creates a user who must change password, holds the default USER role, and never sees a hash', async () => {
    const username = unique('newbie');
    const response = await adminCreate({ username, full_name: '  New Bie  ', email: 'newbie@example.com' });
    const user = expectData(response, 201);
    expect(user).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      username,
      full_name: 'New Bie',
      email: 'newbie@example.com',
      must_change_password: true,
      roles: [{ id: roleIds.USER, name: 'USER' }],
      created_at: expect.any(String),
      updated_at: expect.any(String),
    });
    expect(response.raw.body).not.toMatch(/password_hash|\$argon2|first-password-1/i);

    const row = await db()('users').where({ id: user.id }).first();
    expect(row.password_hash).toMatch(/^\$argon2id\$/);
    expect(row.must_change_password).toBe(true);
    expect(await platformRoleNames(user.id)).toEqual(['USER']);

    const fetched = await t.api('GET', `/admin/users/${user.id}`, { token: t.adminToken });
    expect(expectData(fetched)).toEqual(user);
    expect(fetched.raw.body).not.toMatch(/password_hash|argon2/i);
    const listed = await t.api('GET', '/admin/users', { token: t.adminToken, query: { search: username } });
    expect(expectData(listed).items).toEqual([user]);
    expect(listed.raw.body).not.toMatch(/password_hash|argon2/i);

    // The forced change is real: the new user's session can only change the password.
    const login = await t.api('POST', '/auth/login', { body: { username, password: 'first-password-1' } });
    expect(expectData(login).user.must_change_password).toBe(true);
    expectError(await t.api('GET', '/users/me', { token: login.json.data.access_token }), 403, 'AUTH_PASSWORD_CHANGE_REQUIRED');
  });

  it('refuses a duplicate username with 409 USER_USERNAME_TAKEN and keeps the original', async () => {
    const username = unique('dup');
    const original = expectData(await adminCreate({ username, full_name: 'Original' }), 201);
    const before = await liveUserCount();
    expectError(await adminCreate({ username, full_name: 'Impostor', password: 'other-password-2' }), 409, 'USER_USERNAME_TAKEN');
    expect(await liveUserCount()).toBe(before);
    const rows = await db()('users').where({ username });
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ id: original.id, full_name: 'Original' });
    await t.login(username, 'first-password-1'); // the original password still works
  });

  it.each([
    ['too short', { username: 'ab' }, 'username'],
    ['too long', { username: 'a'.repeat(33) }, 'username'],
    ['uppercase', { username: 'UpperCase' }, 'username'],
    ['a space', { username: 'has space' }, 'username'],
    ['a 7-character password', { username: 'shortpass', password: 'seven77' }, 'password'],
    ['a missing password', { username: 'nopass', password: undefined }, 'password'],
    ['a malformed email', { username: 'bademail', email: 'not-an-email' }, 'email'],
    ['an unknown field', { username: 'extrafield', is_admin: true }, 'is_admin'],
  ])('rejects %s with 422 VALIDATION_FAILED and creates nothing', async (_label, body, path) => {
    const before = await liveUserCount();
    const response = await adminCreate(body);
    expectError(response, 422, 'VALIDATION_FAILED');
    expect(response.json.error_details.issues.map((i: { path: string }) => i.path)).toContain(path);
    expect(await liveUserCount()).toBe(before);
  });

  it('accepts a password of exactly 8 characters', async () => {
    const username = unique('eight');
    expectData(await adminCreate({ username, password: 'exactly8' }), 201);
    await t.login(username, 'exactly8');
  });

  it('is forbidden to a USER (users:read only) and to a principal with no roles; nothing is created', async () => {
    const before = await liveUserCount();
    for (const caller of [plain, nobody]) {
      const username = unique('sneaky');
      const response = await adminCreate({ username }, caller.token);
      expectError(response, 403, 'FORBIDDEN');
      expect(response.json.error_details).toMatchObject({ action: 'users:write' });
      expect(await liveUser(username)).toBeUndefined();
    }
    expect(await liveUserCount()).toBe(before);
  });

  it('needs credentials', async () => {
    const before = await liveUserCount();
    const username = unique('anon');
    expectError(await t.api('POST', '/admin/users', { body: { username, password: 'first-password-1' } }), 401, 'AUTH_UNAUTHENTICATED');
    expect(await liveUser(username)).toBeUndefined();
    expect(await liveUserCount()).toBe(before);
  });
});

describe('GET /admin/users', () => {
  // A private namespace so the assertions do not depend on users other tests create.
  const tag = `q${Math.random().toString(36).slice(2, 6)}`;
  const made: Record<string, { id: string; username: string }> = {};

  beforeAll(async () => {
    const specs = [
      { key: 'alpha', username: `${tag}_alpha`, full_name: 'Quokka Keeper', email: `keeper.${tag}@Example.com` },
      { key: 'bravo', username: `${tag}_bravo`, full_name: 'Bravo Person', email: null },
      { key: 'charlie', username: `${tag}xcharlie`, full_name: 'Charlie', email: `wombat.${tag}@zoo.test` },
    ];
    for (const { key, ...body } of specs) made[key] = expectData(await adminCreate(body), 201);
  });

  it('answers in the page form {items, page, page_size, total} with the defaults', async () => {
    const response = await t.api('GET', '/admin/users', { token: t.adminToken });
    const data = expectData(response);
    expect(Object.keys(data).sort()).toEqual(['items', 'page', 'page_size', 'total']);
    expect(data).toMatchObject({ page: 1, page_size: 20, total: await liveUserCount() });
    expect(data.items.length).toBe(Math.min(20, data.total));
    const names = data.items.map((u: { username: string }) => u.username);
    expect(names).toEqual([...names].sort());
    for (const item of data.items) expect(item.roles).toEqual(expect.any(Array));
  });

  it('searches username, full name and email by case-insensitive substring', async () => {
    const search = async (text: string) => {
      const data = expectData(await t.api('GET', '/admin/users', { token: t.adminToken, query: { search: text } }));
      expect(data.total).toBe(data.items.length);
      return data.items.map((u: { id: string }) => u.id).sort();
    };
    expect(await search(`${tag.toUpperCase()}_BRAVO`)).toEqual([made.bravo!.id]);
    expect(await search('qUOKKA kEEPER')).toEqual([made.alpha!.id]);
    expect(await search(`WOMBAT.${tag}@ZOO`)).toEqual([made.charlie!.id]);
    expect(await search(`keeper.${tag}@example.COM`)).toEqual([made.alpha!.id]);
    expect(await search(tag)).toEqual([made.alpha!.id, made.bravo!.id, made.charlie!.id].sort());
    expect(await search(`${tag}-nobody-matches`)).toEqual([]);
  });

  it('treats LIKE wildcards in the search text literally', async () => {
    const search = async (text: string) =>
      expectData(await t.api('GET', '/admin/users', { token: t.adminToken, query: { search: text } })).items.map((u: { id: string }) => u.id).sort();
    // `_` would match the `x` of `<tag>xcharlie` if it were a wildcard.
    expect(await search(`${tag}_`)).toEqual([made.alpha!.id, made.bravo!.id].sort());
    expect(await search(`${tag}%`)).toEqual([]);
  });

  it('pages with page and page_size, ordered by username, with a stable total', async () => {
    const page = async (n: number) => expectData(await t.api('GET', '/admin/users', {
      token: t.adminToken, query: { search: tag, page: String(n), page_size: '2' },
    }));
    const first = await page(1);
    const second = await page(2);
    const third = await page(3);
    expect(first).toMatchObject({ page: 1, page_size: 2, total: 3 });
    expect(second).toMatchObject({ page: 2, page_size: 2, total: 3 });
    expect(third).toMatchObject({ page: 3, page_size: 2, total: 3, items: [] });
    const usernames = [...first.items, ...second.items].map((u: { username: string }) => u.username);
    expect(usernames).toEqual([made.alpha!.username, made.bravo!.username, made.charlie!.username].sort());
  });

  it('filters by platform role name or id', async () => {
    const holder = await t.createUser({ platformRoles: ['ADMIN'] });
    const byName = expectData(await t.api('GET', '/admin/users', { token: t.adminToken, query: { role: 'ADMIN', page_size: '100' } }));
    const byId = expectData(await t.api('GET', '/admin/users', { token: t.adminToken, query: { role: roleIds.ADMIN!, page_size: '100' } }));
    const expected = (await db()('role_attachments').where({ role_id: roleIds.ADMIN, principal_type: 'user' }).whereNull('project_id')
      .pluck('principal_id') as string[]).sort();
    expect(expected).toContain(holder.id);
    expect(expected).toContain(adminRoleUser.id);
    for (const data of [byName, byId]) {
      expect(data.items.map((u: { id: string }) => u.id).sort()).toEqual(expected);
      expect(data.total).toBe(expected.length);
      for (const item of data.items) expect(item.roles).toContainEqual({ id: roleIds.ADMIN, name: 'ADMIN' });
    }
    const superAdmins = expectData(await t.api('GET', '/admin/users', { token: t.adminToken, query: { role: 'SUPER_ADMIN' } }));
    expect(superAdmins.items.map((u: { username: string }) => u.username)).toEqual(['admin']);
    const caseInsensitive = expectData(await t.api('GET', '/admin/users', { token: t.adminToken, query: { role: 'super_admin' } }));
    expect(caseInsensitive.items.map((u: { username: string }) => u.username)).toEqual(['admin']);
    const combined = expectData(await t.api('GET', '/admin/users', { token: t.adminToken, query: { role: 'USER', search: tag } }));
    expect(combined.total).toBe(3);
    const none = expectData(await t.api('GET', '/admin/users', { token: t.adminToken, query: { role: 'NO_SUCH_ROLE' } }));
    expect(none).toMatchObject({ items: [], total: 0 });
    const unknownId = expectData(await t.api('GET', '/admin/users', { token: t.adminToken, query: { role: randomUUID() } }));
    expect(unknownId).toMatchObject({ items: [], total: 0 });
  });

  it('answers a role filter that merely looks like an id with an empty page, never a 500', async () => {
    // 36 characters of hex digits and dashes, but not a UUID: it can only be a (non-existent) name.
    for (const role of ['a'.repeat(36), '-'.repeat(36)]) {
      const response = await t.api('GET', '/admin/users', { token: t.adminToken, query: { role } });
      expect(response.status, `role=${role}: ${JSON.stringify(response.json)}`).toBe(200);
      expect(response.json.data).toMatchObject({ items: [], total: 0 });
    }
  });

  it.each([
    ['page_size above 100', { page_size: '101' }, 'query.page_size'],
    ['page_size 0', { page_size: '0' }, 'query.page_size'],
    ['page 0', { page: '0' }, 'query.page'],
    ['an unknown parameter', { order_by: 'username' }, 'query.order_by'],
    ['a sort on a column that is not offered', { sort: 'password_hash' }, 'query.sort'],
    ['a page beyond any real list', { page: '1000000000000000000' }, 'query.page'],
  ])('rejects %s with 422 VALIDATION_FAILED', async (_label, query, path) => {
    const response = await t.api('GET', '/admin/users', { token: t.adminToken, query });
    expectError(response, 422, 'VALIDATION_FAILED');
    expect(response.json.error_details.issues.map((i: { path: string }) => i.path)).toContain(path);
  });

  it('sorts by the reference\'s sort parameter (- for descending)', async () => {
    const names = (sort: string) => t.api('GET', '/admin/users', { token: t.adminToken, query: { sort, page_size: '100' } })
      .then((r) => expectData(r).items.map((u: { username: string }) => u.username) as string[]);
    const ascending = await names('username');
    expect(ascending).toEqual([...ascending].sort());
    expect(await names('-username')).toEqual([...ascending].reverse());
  });

  it('lists by cursor too (GET /admin/users/cursor), with the same filters', async () => {
    const all = expectData(await t.api('GET', '/admin/users', { token: t.adminToken, query: { page_size: '100' } }));
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { items: Array<{ id: string }>; next_cursor: string | null } = expectData(
        await t.api('GET', '/admin/users/cursor', { token: t.adminToken, query: { page_size: '3', ...(cursor ? { cursor } : {}) } }));
      seen.push(...page.items.map((u) => u.id));
      cursor = page.next_cursor;
    } while (cursor);
    expect(seen.sort()).toEqual(all.items.map((u: { id: string }) => u.id).sort());
    const supers = expectData(await t.api('GET', '/admin/users/cursor', { token: t.adminToken, query: { role: 'SUPER_ADMIN' } }));
    expect(supers.items.map((u: { username: string }) => u.username)).toEqual(['admin']);
  });

  it('accepts page_size 100', async () => {
    expect(expectData(await t.api('GET', '/admin/users', { token: t.adminToken, query: { page_size: '100' } })).page_size).toBe(100);
  });

  it('is open to users:read (the default USER role), closed to a principal with no roles and to anonymous callers', async () => {
    const asUser = expectData(await t.api('GET', '/admin/users', { token: plain.token, query: { search: tag } }));
    expect(asUser.total).toBe(3);
    expectError(await t.api('GET', '/admin/users', { token: nobody.token }), 403, 'FORBIDDEN');
    expectError(await t.api('GET', '/admin/users'), 401, 'AUTH_UNAUTHENTICATED');
  });
});

describe('what users:read allows (the default USER role)', () => {
  let target: { id: string; username: string; full_name: string };
  beforeAll(async () => {
    target = expectData(await adminCreate({ username: unique('target'), full_name: 'Target Person' }), 201);
  });

  it('reads a user and their platform roles', async () => {
    expect(expectData(await t.api('GET', `/admin/users/${target.id}`, { token: plain.token }))).toMatchObject({ id: target.id, full_name: 'Target Person' });
    const roles = expectData(await t.api('GET', `/admin/users/${target.id}/roles`, { token: plain.token }));
    expect(roles.items.map((r: { name: string }) => r.name)).toEqual(['USER']);
  });

  it('cannot edit, reset the password of, delete, or re-role a user; nothing changes', async () => {
    const before = await db()('users').where({ id: target.id }).first();
    const attempts = [
      t.api('PATCH', `/admin/users/${target.id}`, { token: plain.token, body: { full_name: 'Hacked' } }),
      t.api('PATCH', `/admin/users/${target.id}/password`, { token: plain.token, body: { new_password: 'hijacked-password' } }),
      t.api('DELETE', `/admin/users/${target.id}`, { token: plain.token }),
      t.api('PUT', `/admin/users/${target.id}/roles`, { token: plain.token, body: { role_ids: [roleIds.ADMIN] } }),
    ];
    for (const response of await Promise.all(attempts)) expectError(response, 403, 'FORBIDDEN');
    expect(await db()('users').where({ id: target.id }).first()).toEqual(before);
    expect(await platformRoleNames(target.id)).toEqual(['USER']);
  });

  it('gives a principal with no roles nothing at all', async () => {
    for (const url of [`/admin/users/${target.id}`, `/admin/users/${target.id}/roles`]) {
      expectError(await t.api('GET', url, { token: nobody.token }), 403, 'FORBIDDEN');
    }
  });
});

describe('an ADMIN-role user', () => {
  it('creates, edits, resets and deletes users', async () => {
    const token = adminRoleUser.token;
    const username = unique('managed');
    const created = expectData(await adminCreate({ username, full_name: 'Managed' }, token), 201);
    expect(created).toMatchObject({ username, must_change_password: true, roles: [{ name: 'USER' }] });

    const edited = expectData(await t.api('PATCH', `/admin/users/${created.id}`, { token, body: { full_name: 'Managed Well' } }));
    expect(edited.full_name).toBe('Managed Well');

    await db()('users').where({ id: created.id }).update({ must_change_password: false });
    const reset = expectData(await t.api('PATCH', `/admin/users/${created.id}/password`, { token, body: { new_password: 'reset-password-9' } }));
    expect(reset.must_change_password).toBe(true);
    expectError(await t.api('POST', '/auth/login', { body: { username, password: 'first-password-1' } }), 401, 'AUTH_INVALID_CREDENTIALS');
    await t.login(username, 'reset-password-9');

    expect((await t.api('DELETE', `/admin/users/${created.id}`, { token })).status).toBe(204);
    expectError(await t.api('GET', `/admin/users/${created.id}`, { token }), 404, 'USER_NOT_FOUND');
  });

  it('cannot attach roles (it lacks roles:assign); nothing changes', async () => {
    const target = await t.createUser();
    const response = await t.api('PUT', `/admin/users/${target.id}/roles`, { token: adminRoleUser.token, body: { role_ids: [roleIds.USER, roleIds.ADMIN] } });
    expectError(response, 403, 'FORBIDDEN');
    expect(await platformRoleNames(target.id)).toEqual(['USER']);
  });
});

describe('PATCH /admin/users/:id', () => {
  let user: TestUser;
  beforeAll(async () => {
    user = await t.createUser();
  });

  it('edits full name, email and username; the user signs in under the new name', async () => {
    t.clock.advance(1000);
    const newName = unique('renamed');
    const data = expectData(await t.api('PATCH', `/admin/users/${user.id}`, {
      token: t.adminToken, body: { username: newName, full_name: '  Re Named ', email: 'renamed@example.com' },
    }));
    expect(data).toMatchObject({ id: user.id, username: newName, full_name: 'Re Named', email: 'renamed@example.com', roles: [{ name: 'USER' }] });
    expect(Date.parse(data.updated_at)).toBeGreaterThan(Date.parse(data.created_at));
    expect(expectData(await t.api('GET', `/admin/users/${user.id}`, { token: t.adminToken }))).toEqual(data);
    await t.login(newName, user.password);
    expectError(await t.api('POST', '/auth/login', { body: { username: user.username, password: user.password } }), 401, 'AUTH_INVALID_CREDENTIALS');
    user = { ...user, username: newName };

    const cleared = expectData(await t.api('PATCH', `/admin/users/${user.id}`, { token: t.adminToken, body: { email: null } }));
    expect(cleared).toMatchObject({ email: null, full_name: 'Re Named', username: newName });
  });

  it('refuses a username someone else holds with 409 USER_USERNAME_TAKEN; nothing changes', async () => {
    const before = await db()('users').where({ id: user.id }).first();
    expectError(await t.api('PATCH', `/admin/users/${user.id}`, { token: t.adminToken, body: { username: plain.username, full_name: 'Changed' } }),
      409, 'USER_USERNAME_TAKEN');
    expect(await db()('users').where({ id: user.id }).first()).toEqual(before);
  });

  it.each([
    ['a bad username', { username: 'No Way' }, 'username'],
    ['a bad email', { email: 'nope' }, 'email'],
    ['an unknown field', { must_change_password: false }, 'must_change_password'],
    ['a password (not editable here)', { password: 'another-password' }, 'password'],
  ])('rejects %s with 422 VALIDATION_FAILED; nothing changes', async (_label, body, path) => {
    const before = await db()('users').where({ id: user.id }).first();
    const response = await t.api('PATCH', `/admin/users/${user.id}`, { token: t.adminToken, body });
    expectError(response, 422, 'VALIDATION_FAILED');
    expect(response.json.error_details.issues.map((i: { path: string }) => i.path)).toContain(path);
    expect(await db()('users').where({ id: user.id }).first()).toEqual(before);
  });

  it('answers an unknown id with 404 USER_NOT_FOUND', async () => {
    const id = randomUUID();
    expectError(await t.api('PATCH', `/admin/users/${id}`, { token: t.adminToken, body: { full_name: 'Ghost' } }), 404, 'USER_NOT_FOUND');
    expectError(await t.api('GET', `/admin/users/${id}`, { token: t.adminToken }), 404, 'USER_NOT_FOUND');
    expect(await db()('users').where({ id }).first()).toBeUndefined();
  });
});

describe('DELETE /admin/users/:id', () => {
  it('ends the user’s tokens, API keys and refresh tokens, memberships and role attachments', async () => {
    const victim = await t.createUser({ platformRoles: ['USER', 'ADMIN'] });
    const login = expectData(await t.api('POST', '/auth/login', { body: { username: victim.username, password: victim.password } }));
    const apiKey = expectData(await t.api('POST', '/users/me/api-keys', { token: victim.token, body: { name: 'ci' } }), 201).key as string;
    expectData(await t.api('GET', '/users/me', { apiKey }));

    const project = expectData(await t.api('POST', '/projects', { token: t.adminToken, body: { name: unique('Doomed membership ') } }), 201);
    const projectRoles = expectData(await t.api('GET', `/projects/${project.id}/roles`, { token: t.adminToken })).items;
    const viewer = projectRoles.find((r: { name: string }) => r.name === 'Viewer');
    expectData(await t.api('POST', `/projects/${project.id}/members`, { token: t.adminToken, body: { user_id: victim.id, role_ids: [viewer.id] } }), 201);
    expectData(await t.api('GET', `/projects/${project.id}`, { token: victim.token }));
    expect(await db()('role_attachments').where({ principal_id: victim.id })).toHaveLength(3);

    const response = await t.api('DELETE', `/admin/users/${victim.id}`, { token: t.adminToken });
    expect(response.status).toBe(204);
    expect(response.raw.body).toBe('');

    expectError(await t.api('GET', '/users/me', { token: victim.token }), 401, 'AUTH_TOKEN_INVALID');
    expectError(await t.api('GET', `/projects/${project.id}`, { token: login.access_token }), 401, 'AUTH_TOKEN_INVALID');
    const viaKey = await t.api('GET', '/users/me', { apiKey });
    expect(viaKey.status).toBe(401);
    const refreshed = await t.api('POST', '/auth/refresh', { body: { refresh_token: login.refresh_token } });
    expect(refreshed.status).toBe(401);
    expectError(await t.api('POST', '/auth/login', { body: { username: victim.username, password: victim.password } }), 401, 'AUTH_INVALID_CREDENTIALS');

    expectError(await t.api('GET', `/admin/users/${victim.id}`, { token: t.adminToken }), 404, 'USER_NOT_FOUND');
    const listed = expectData(await t.api('GET', '/admin/users', { token: t.adminToken, query: { search: victim.username } }));
    expect(listed).toMatchObject({ items: [], total: 0 });
    const members = expectData(await t.api('GET', `/projects/${project.id}/members`, { token: t.adminToken })).items;
    expect(members.map((m: { user_id: string }) => m.user_id)).not.toContain(victim.id);

    expect(await db()('role_attachments').where({ principal_type: 'user', principal_id: victim.id })).toEqual([]);
    expect(await db()('project_members').where({ user_id: victim.id }).whereNull('deleted_at')).toEqual([]);
    expect(await db()('api_keys').where({ user_id: victim.id }).whereNull('revoked_at')).toEqual([]);
    expect(await db()('refresh_token_families').where({ user_id: victim.id }).whereNull('revoked_at')).toEqual([]);
  });

  it('frees the username for a new account', async () => {
    const gone = await t.createUser();
    expect((await t.api('DELETE', `/admin/users/${gone.id}`, { token: t.adminToken })).status).toBe(204);
    const again = expectData(await adminCreate({ username: gone.username }), 201);
    expect(again.id).not.toBe(gone.id);
    expect(again.roles).toEqual([{ id: roleIds.USER, name: 'USER' }]);
    expectError(await t.api('DELETE', `/admin/users/${gone.id}`, { token: t.adminToken }), 404, 'USER_NOT_FOUND');
  });

  it('refuses deleting yourself with 409 USER_CANNOT_DELETE_SELF', async () => {
    for (const actor of [{ id: adminId, token: t.adminToken }, adminRoleUser]) {
      expectError(await t.api('DELETE', `/admin/users/${actor.id}`, { token: actor.token }), 409, 'USER_CANNOT_DELETE_SELF');
      expect(await db()('users').where({ id: actor.id }).first('deleted_at')).toEqual({ deleted_at: null });
      expectData(await t.api('GET', '/users/me', { token: actor.token }));
    }
  });

  it('answers an unknown id with 404 USER_NOT_FOUND', async () => {
    const before = await liveUserCount();
    expectError(await t.api('DELETE', `/admin/users/${randomUUID()}`, { token: t.adminToken }), 404, 'USER_NOT_FOUND');
    expect(await liveUserCount()).toBe(before);
  });

  it('is forbidden without users:delete; nothing is deleted', async () => {
    const target = await t.createUser();
    for (const caller of [plain, nobody]) {
      expectError(await t.api('DELETE', `/admin/users/${target.id}`, { token: caller.token }), 403, 'FORBIDDEN');
    }
    expectData(await t.api('GET', '/users/me', { token: target.token }));
    expect(await platformRoleNames(target.id)).toEqual(['USER']);
  });

  // Runs last in this file: it ends with the bootstrap admin deleted.
  it('never lets a lesser admin delete a SUPER_ADMIN; a SUPER_ADMIN can, and the last one stays', async () => {
    const token = adminRoleUser.token; // users:delete, not SUPER_ADMIN itself
    expectError(await t.api('DELETE', `/admin/users/${adminId}`, { token }), 403, 'FORBIDDEN');
    expect(await platformRoleNames(adminId)).toEqual(['SUPER_ADMIN']);
    expectData(await t.api('GET', '/users/me', { token: t.adminToken }));

    const second = await t.createUser({ platformRoles: ['SUPER_ADMIN'] });
    expect((await t.api('DELETE', `/admin/users/${adminId}`, { token: second.token })).status).toBe(204);
    expectError(await t.api('GET', '/users/me', { token: t.adminToken }), 401, 'AUTH_TOKEN_INVALID');

    // Now the second holder is the last one: nobody below it may delete it, and it may not delete itself.
    expectError(await t.api('DELETE', `/admin/users/${second.id}`, { token }), 403, 'FORBIDDEN');
    expectError(await t.api('DELETE', `/admin/users/${second.id}`, { token: second.token }), 409, 'USER_CANNOT_DELETE_SELF');
    expect(await platformRoleNames(second.id)).toEqual(['SUPER_ADMIN']);
    expectData(await t.api('GET', '/users/me', { token: second.token }));
  });
});
