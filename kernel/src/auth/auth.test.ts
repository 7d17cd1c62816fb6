import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectError, startTestKernel, TEST_ADMIN_PASSWORD, type ApiResponse, type TestKernel } from '../testing/index.js';

let t: TestKernel;
beforeAll(async () => {
  t = await startTestKernel();
});
afterAll(() => t.close());

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const PASSWORD = 'first-password-1';

let counter = 0;
const uniqueName = (stem: string) => `${stem}${++counter}_${Math.random().toString(36).slice(2, 7)}`;

const db = () => t.kernel.database.knex;

// Several tests move the clock forward, which expires the harness's admin token: log in afresh.
const adminToken = () => t.login('admin', TEST_ADMIN_PASSWORD);

interface Created {
  id: string;
  username: string;
}

/** A user created through the admin API, as an administrator would (must change password). */
async function createPendingUser(): Promise<Created> {
  const username = uniqueName('pending');
  const created = await t.api('POST', '/admin/users', { token: await adminToken(), body: { username, password: PASSWORD, full_name: 'Pending Person' } });
  expect(created.status).toBe(201);
  return { id: created.json.data.id, username };
}

/** A ready-to-use user (password change already done), whatever the clock says. */
async function createActiveUser(): Promise<Created> {
  const user = await createPendingUser();
  await db()('users').where({ id: user.id }).update({ must_change_password: false });
  return user;
}

async function login(username: string, password = PASSWORD, extra: Record<string, unknown> = {}) {
  const response = await t.api('POST', '/auth/login', { body: { username, password, ...extra } });
  expect(response.status, JSON.stringify(response.json)).toBe(200);
  return response;
}

const familyCount = async (userId: string) =>
  Number((await db()('refresh_token_families').where({ user_id: userId }).count({ n: '*' }).first())!.n);
const liveFamilyCount = async (userId: string) =>
  Number((await db()('refresh_token_families').where({ user_id: userId }).whereNull('revoked_at').count({ n: '*' }).first())!.n);
const projectCount = async () => Number((await db()('projects').count({ n: '*' }).first())!.n);

const cookie = (response: ApiResponse, name: string) => response.cookies.find((c) => c.name === name);
const setCookieHeader = (response: ApiResponse, name: string): string => {
  const header = response.headers['set-cookie'];
  const all = Array.isArray(header) ? header : header ? [header] : [];
  return all.find((h) => h.startsWith(`${name}=`)) ?? '';
};

describe('POST /auth/login', () => {
  it('returns the D5 token pair and user, and sets both HttpOnly cookies', async () => {
    const user = await createActiveUser();
    const response = await login(user.username);
    const data = response.json.data;
    expect(response.json.success).toBe(true);
    expect(Object.keys(data).sort()).toEqual(['access_token', 'expires_in', 'refresh_token', 'token_type', 'user']);
    expect(data).toEqual({
      access_token: expect.any(String),
      token_type: 'Bearer',
      expires_in: 15 * 60,
      refresh_token: expect.any(String),
      user: { id: user.id, username: user.username, full_name: 'Pending Person', must_change_password: false },
    });
    expect(data.access_token.split('.')).toHaveLength(3);
    expect(data.refresh_token).not.toBe(data.access_token);

    const access = cookie(response, 'access_token');
    expect(access).toMatchObject({ value: data.access_token, path: '/', httpOnly: true, sameSite: 'Lax' });
    const refresh = cookie(response, 'refresh_token');
    expect(refresh).toMatchObject({ value: data.refresh_token, path: '/api/v1/auth', httpOnly: true, sameSite: 'Lax' });
    expect(setCookieHeader(response, 'access_token')).toMatch(/; HttpOnly/);
    expect(setCookieHeader(response, 'access_token')).toMatch(/; SameSite=Lax/);
    expect(setCookieHeader(response, 'refresh_token')).toMatch(/; Path=\/api\/v1\/auth/);
    // PUBLIC_URL defaults to http://localhost, so the cookies are not Secure.
    expect(setCookieHeader(response, 'access_token')).not.toMatch(/Secure/);

    const me = await t.api('GET', '/users/me', { token: data.access_token });
    expect(me.status).toBe(200);
    expect(me.json.data.id).toBe(user.id);
    const viaCookie = await t.api('GET', '/users/me', { cookies: { access_token: access!.value } });
    expect(viaCookie.status).toBe(200);
    expect(viaCookie.json.data.id).toBe(user.id);
  });

  it('opens one refresh family in the database per login', async () => {
    const user = await createActiveUser();
    expect(await familyCount(user.id)).toBe(0);
    await login(user.username);
    await login(user.username);
    expect(await familyCount(user.id)).toBe(2);
  });

  it('refuses a wrong password and an unknown user alike with 401 AUTH_INVALID_CREDENTIALS, opening no session', async () => {
    const user = await createActiveUser();
    const wrong = await t.api('POST', '/auth/login', { body: { username: user.username, password: 'not-the-password' } });
    expectError(wrong, 401, 'AUTH_INVALID_CREDENTIALS');
    expect(wrong.cookies).toEqual([]);
    const unknown = await t.api('POST', '/auth/login', { body: { username: 'nobody_here', password: PASSWORD } });
    expectError(unknown, 401, 'AUTH_INVALID_CREDENTIALS');
    // Same answer either way, so the response does not reveal which usernames exist.
    expect(unknown.json.error).toBe(wrong.json.error);
    expect(await familyCount(user.id)).toBe(0);
  });
});

describe('POST /auth/refresh', () => {
  it('rotates the refresh token given in the body and then in the cookie', async () => {
    const user = await createActiveUser();
    const first = (await login(user.username)).json.data;

    const viaBody = await t.api('POST', '/auth/refresh', { body: { refresh_token: first.refresh_token } });
    expect(viaBody.status).toBe(200);
    const second = viaBody.json.data;
    expect(second).toMatchObject({ token_type: 'Bearer', expires_in: 900, user: { id: user.id, username: user.username, must_change_password: false } });
    expect(second.refresh_token).not.toBe(first.refresh_token);
    expect(cookie(viaBody, 'refresh_token')).toMatchObject({ value: second.refresh_token, path: '/api/v1/auth', httpOnly: true });
    expect(cookie(viaBody, 'access_token')).toMatchObject({ value: second.access_token, path: '/', httpOnly: true });
    expect((await t.api('GET', '/users/me', { token: second.access_token })).status).toBe(200);

    // An empty JSON object: the token comes from the cookie alone.
    const viaCookie = await t.api('POST', '/auth/refresh', { cookies: { refresh_token: second.refresh_token }, body: {} });
    expect(viaCookie.status).toBe(200);
    const third = viaCookie.json.data;
    expect(third.refresh_token).not.toBe(second.refresh_token);
    expect((await t.api('GET', '/users/me', { token: third.access_token })).status).toBe(200);

    // Rotation stays in one family: the session is the same, only its token changes.
    expect(await familyCount(user.id)).toBe(1);
  });

  it('answers a reused refresh token with 401 AUTH_REFRESH_REUSED and revokes the whole family', async () => {
    const user = await createActiveUser();
    const first = (await login(user.username)).json.data;
    const otherSession = (await login(user.username)).json.data;
    const second = (await t.api('POST', '/auth/refresh', { body: { refresh_token: first.refresh_token } })).json.data;
    const third = (await t.api('POST', '/auth/refresh', { body: { refresh_token: second.refresh_token } })).json.data;
    expect((await t.api('GET', '/users/me', { token: third.access_token })).status).toBe(200);

    const reused = await t.api('POST', '/auth/refresh', { body: { refresh_token: first.refresh_token } });
    expectError(reused, 401, 'AUTH_REFRESH_REUSED');
    expect(reused.cookies.filter((c) => c.value !== '')).toEqual([]);

    // The newest token of the family is dead too, and so is every access token of the session.
    const newest = await t.api('POST', '/auth/refresh', { body: { refresh_token: third.refresh_token } });
    expect(newest.status).toBe(401);
    expect(['AUTH_TOKEN_INVALID', 'AUTH_REFRESH_REUSED']).toContain(newest.json.error_code);
    expectError(await t.api('GET', '/users/me', { token: third.access_token }), 401, 'AUTH_TOKEN_INVALID');
    expectError(await t.api('GET', '/users/me', { token: first.access_token }), 401, 'AUTH_TOKEN_INVALID');

    const families = await db()('refresh_token_families').where({ user_id: user.id }).orderBy('created_at').select('revoked_at', 'revoked_reason');
    expect(families.filter((f) => f.revoked_reason === 'refresh_reused')).toHaveLength(1);
    // Only the leaked family ends: the user's other session is untouched.
    expect(await liveFamilyCount(user.id)).toBe(1);
    expect((await t.api('GET', '/users/me', { token: otherSession.access_token })).status).toBe(200);
    expect((await t.api('POST', '/auth/refresh', { body: { refresh_token: otherSession.refresh_token } })).status).toBe(200);
  });

  it('refuses an unknown refresh token or none at all with 401 AUTH_TOKEN_INVALID', async () => {
    expectError(await t.api('POST', '/auth/refresh', { body: { refresh_token: 'f'.repeat(64) } }), 401, 'AUTH_TOKEN_INVALID');
    expectError(await t.api('POST', '/auth/refresh', { body: {} }), 401, 'AUTH_TOKEN_INVALID');
    expectError(await t.api('POST', '/auth/refresh', { body: '' }), 401, 'AUTH_TOKEN_INVALID');
  });

  it('accepts a bodiless POST carrying only the refresh cookie, as a browser fetch sends it', async () => {
    const user = await createActiveUser();
    const session = (await login(user.username)).json.data;
    // D6: a cookie-authenticated write declares JSON even without a body.
    const refreshed = await t.api('POST', '/auth/refresh', { cookies: { refresh_token: session.refresh_token }, headers: { 'content-type': 'application/json' } });
    expect(refreshed.status, JSON.stringify(refreshed.json)).toBe(200);
    expect(refreshed.json.data.user.id).toBe(user.id);
    // No credentials at all is an authentication failure, not a schema one.
    expectError(await t.api('POST', '/auth/refresh'), 401, 'AUTH_TOKEN_INVALID');
  });
});

describe('credentials on authenticated routes', () => {
  it('answers a request without credentials with 401 AUTH_UNAUTHENTICATED', async () => {
    expectError(await t.api('GET', '/users/me'), 401, 'AUTH_UNAUTHENTICATED');
    const before = await projectCount();
    expectError(await t.api('POST', '/projects', { body: { name: uniqueName('Anon') } }), 401, 'AUTH_UNAUTHENTICATED');
    expect(await projectCount()).toBe(before);
  });

  it('answers a garbage or foreign bearer token with 401 AUTH_TOKEN_INVALID', async () => {
    expectError(await t.api('GET', '/users/me', { token: 'not-a-jwt' }), 401, 'AUTH_TOKEN_INVALID');
    // Basic is not a scheme of ours (a proxy may add it): it authenticates nobody.
    expectError(await t.api('GET', '/users/me', { headers: { authorization: 'Basic YWRtaW46YWRtaW4=' } }), 401, 'AUTH_UNAUTHENTICATED');
    const admin = await db()('users').where({ username: 'admin' }).first('id');
    const now = Math.floor(t.clock.now().getTime() / 1000);
    const forged = await new SignJWT({ kind: 'access', sid: '00000000-0000-4000-8000-000000000000', must_change_password: false })
      .setProtectedHeader({ alg: 'HS256' }).setSubject(admin.id).setIssuedAt(now).setExpirationTime(now + 600)
      .sign(new TextEncoder().encode('some-other-secret-some-other-secret-0123'));
    expectError(await t.api('GET', '/users/me', { token: forged }), 401, 'AUTH_TOKEN_INVALID');
    const before = await projectCount();
    expectError(await t.api('POST', '/projects', { token: 'not-a-jwt', body: { name: uniqueName('Garbage') } }), 401, 'AUTH_TOKEN_INVALID');
    expect(await projectCount()).toBe(before);
  });
});

describe('POST /auth/logout', () => {
  it('revokes the session named by the refresh cookie alone', async () => {
    const user = await createActiveUser();
    const session = (await login(user.username)).json.data;
    const other = (await login(user.username)).json.data;

    const logout = await t.api('POST', '/auth/logout', { cookies: { refresh_token: session.refresh_token }, body: {} });
    expect(logout.status).toBe(204);
    expect(logout.raw.body).toBe('');
    // Both cookies are cleared.
    expect(cookie(logout, 'access_token')).toMatchObject({ value: '', path: '/' });
    expect(cookie(logout, 'refresh_token')).toMatchObject({ value: '', path: '/api/v1/auth' });

    expectError(await t.api('POST', '/auth/refresh', { body: { refresh_token: session.refresh_token } }), 401, 'AUTH_TOKEN_INVALID');
    expectError(await t.api('GET', '/users/me', { token: session.access_token }), 401, 'AUTH_TOKEN_INVALID');
    expect(Number((await db()('refresh_token_families').where({ user_id: user.id, revoked_reason: 'logout' }).count({ n: '*' }).first())!.n)).toBe(1);
    expect(await liveFamilyCount(user.id)).toBe(1);
    expect((await t.api('GET', '/users/me', { token: other.access_token })).status).toBe(200);
  });

  it('accepts a bodiless POST carrying only the refresh cookie, as a browser fetch sends it', async () => {
    const user = await createActiveUser();
    const session = (await login(user.username)).json.data;
    const logout = await t.api('POST', '/auth/logout', { cookies: { refresh_token: session.refresh_token }, headers: { 'content-type': 'application/json' } });
    expect(logout.status, JSON.stringify(logout.json)).toBe(204);
    expect(await liveFamilyCount(user.id)).toBe(0);
    expectError(await t.api('GET', '/users/me', { token: session.access_token }), 401, 'AUTH_TOKEN_INVALID');
  });

  it('is harmless for an unknown token and revokes nothing else', async () => {
    const user = await createActiveUser();
    const session = (await login(user.username)).json.data;
    const logout = await t.api('POST', '/auth/logout', { body: { refresh_token: 'e'.repeat(64) } });
    expect(logout.status).toBe(204);
    expect(await liveFamilyCount(user.id)).toBe(1);
    expect((await t.api('GET', '/users/me', { token: session.access_token })).status).toBe(200);
  });
});

describe('must_change_password', () => {
  it('blocks every other route with 403 AUTH_PASSWORD_CHANGE_REQUIRED until the password is changed', async () => {
    const user = await createPendingUser();
    const admin = await t.api('GET', `/admin/users/${user.id}`, { token: await adminToken() });
    expect(admin.json.data.must_change_password).toBe(true);

    const session = (await login(user.username)).json.data;
    expect(session.user.must_change_password).toBe(true);
    expectError(await t.api('GET', '/users/me', { token: session.access_token }), 403, 'AUTH_PASSWORD_CHANGE_REQUIRED');
    expectError(await t.api('GET', '/projects', { token: session.access_token }), 403, 'AUTH_PASSWORD_CHANGE_REQUIRED');
    const before = await projectCount();
    expectError(await t.api('POST', '/projects', { token: session.access_token, body: { name: uniqueName('Blocked') } }), 403, 'AUTH_PASSWORD_CHANGE_REQUIRED');
    expect(await projectCount()).toBe(before);
  });

  it('refuses a wrong current password with 422 USER_WRONG_PASSWORD and changes nothing', async () => {
    const user = await createPendingUser();
    const session = (await login(user.username)).json.data;
    const hashBefore = (await db()('users').where({ id: user.id }).first('password_hash')).password_hash;

    const wrong = await t.api('PATCH', '/users/me/password', {
      token: session.access_token, body: { current_password: 'not-my-password', new_password: 'second-password-2' },
    });
    expectError(wrong, 422, 'USER_WRONG_PASSWORD');

    const row = await db()('users').where({ id: user.id }).first('password_hash', 'must_change_password');
    expect(row).toEqual({ password_hash: hashBefore, must_change_password: true });
    expect(await liveFamilyCount(user.id)).toBe(1);
    expectError(await t.api('GET', '/projects', { token: session.access_token }), 403, 'AUTH_PASSWORD_CHANGE_REQUIRED');
    expectError(await t.api('POST', '/auth/login', { body: { username: user.username, password: 'second-password-2' } }), 401, 'AUTH_INVALID_CREDENTIALS');
    expect((await login(user.username)).json.data.user.must_change_password).toBe(true);
  });

  it('changes the password, revokes the old sessions and returns tokens that work', async () => {
    const user = await createPendingUser();
    const old = (await login(user.username)).json.data;
    const otherOld = (await login(user.username)).json.data;

    const changed = await t.api('PATCH', '/users/me/password', {
      token: old.access_token, body: { current_password: PASSWORD, new_password: 'second-password-2' },
    });
    expect(changed.status, JSON.stringify(changed.json)).toBe(200);
    const fresh = changed.json.data;
    expect(fresh).toEqual({
      access_token: expect.any(String), token_type: 'Bearer', expires_in: 900, refresh_token: expect.any(String),
      user: { id: user.id, username: user.username, full_name: 'Pending Person', must_change_password: false },
    });
    expect(cookie(changed, 'access_token')?.value).toBe(fresh.access_token);
    expect(cookie(changed, 'refresh_token')?.value).toBe(fresh.refresh_token);

    // Every earlier session ends, the one that made the change included.
    for (const session of [old, otherOld]) {
      expectError(await t.api('GET', '/users/me', { token: session.access_token }), 401, 'AUTH_TOKEN_INVALID');
      expectError(await t.api('POST', '/auth/refresh', { body: { refresh_token: session.refresh_token } }), 401, 'AUTH_TOKEN_INVALID');
    }
    expect(await liveFamilyCount(user.id)).toBe(1);

    const projects = await t.api('GET', '/projects', { token: fresh.access_token });
    expect(projects.status).toBe(200);
    const refreshed = await t.api('POST', '/auth/refresh', { body: { refresh_token: fresh.refresh_token } });
    expect(refreshed.status).toBe(200);
    expect(refreshed.json.data.user.must_change_password).toBe(false);

    expectError(await t.api('POST', '/auth/login', { body: { username: user.username, password: PASSWORD } }), 401, 'AUTH_INVALID_CREDENTIALS');
    expect((await login(user.username, 'second-password-2')).json.data.user.must_change_password).toBe(false);
  });

  it('refuses a new password equal to the current one with 422 and changes nothing', async () => {
    const user = await createActiveUser();
    const session = (await login(user.username)).json.data;
    const hashBefore = (await db()('users').where({ id: user.id }).first('password_hash')).password_hash;
    const same = await t.api('PATCH', '/users/me/password', { token: session.access_token, body: { current_password: PASSWORD, new_password: PASSWORD } });
    expectError(same, 422, 'VALIDATION_FAILED');
    expect((await db()('users').where({ id: user.id }).first('password_hash')).password_hash).toBe(hashBefore);
    expect((await t.api('GET', '/users/me', { token: session.access_token })).status).toBe(200);
  });
});

describe('PATCH /admin/users/:id/password', () => {
  it('resets the password, revokes the user’s sessions and forces a change', async () => {
    const user = await createActiveUser();
    const session = (await login(user.username)).json.data;
    const admin = await adminToken();

    const reset = await t.api('PATCH', `/admin/users/${user.id}/password`, { token: admin, body: { new_password: 'reset-password-3' } });
    expect(reset.status, JSON.stringify(reset.json)).toBe(200);
    expect(reset.json.data).toMatchObject({ id: user.id, must_change_password: true });
    expect(JSON.stringify(reset.json)).not.toContain('reset-password-3');

    expectError(await t.api('GET', '/users/me', { token: session.access_token }), 401, 'AUTH_TOKEN_INVALID');
    expectError(await t.api('POST', '/auth/refresh', { body: { refresh_token: session.refresh_token } }), 401, 'AUTH_TOKEN_INVALID');
    expect(await liveFamilyCount(user.id)).toBe(0);
    // The admin's own session is not affected.
    expect((await t.api('GET', '/users/me', { token: admin })).status).toBe(200);

    expectError(await t.api('POST', '/auth/login', { body: { username: user.username, password: PASSWORD } }), 401, 'AUTH_INVALID_CREDENTIALS');
    const next = (await login(user.username, 'reset-password-3')).json.data;
    expect(next.user.must_change_password).toBe(true);
    expectError(await t.api('GET', '/projects', { token: next.access_token }), 403, 'AUTH_PASSWORD_CHANGE_REQUIRED');
    const changed = await t.api('PATCH', '/users/me/password', {
      token: next.access_token, body: { current_password: 'reset-password-3', new_password: 'my-own-password-4' },
    });
    expect(changed.status).toBe(200);
    expect((await t.api('GET', '/projects', { token: changed.json.data.access_token })).status).toBe(200);
  });

  it('is refused to a default USER with 403 FORBIDDEN and changes nothing', async () => {
    const victim = await createActiveUser();
    const attacker = await createActiveUser();
    const attackerToken = (await login(attacker.username)).json.data.access_token;
    const victimSession = (await login(victim.username)).json.data;
    const hashBefore = (await db()('users').where({ id: victim.id }).first('password_hash')).password_hash;

    const reset = await t.api('PATCH', `/admin/users/${victim.id}/password`, { token: attackerToken, body: { new_password: 'attacker-password' } });
    expectError(reset, 403, 'FORBIDDEN');
    expect(await db()('users').where({ id: victim.id }).first('password_hash', 'must_change_password'))
      .toEqual({ password_hash: hashBefore, must_change_password: false });
    expect((await t.api('GET', '/users/me', { token: victimSession.access_token })).status).toBe(200);
  });
});

describe('GET and PATCH /users/me', () => {
  it('returns your profile without secrets', async () => {
    const user = await createActiveUser();
    const token = (await login(user.username)).json.data.access_token;
    const me = await t.api('GET', '/users/me', { token });
    expect(me.status).toBe(200);
    expect(me.json.data).toEqual({
      id: user.id, username: user.username, full_name: 'Pending Person', email: null, must_change_password: false,
      created_at: expect.any(String), updated_at: expect.any(String),
    });
  });

  it('treats email as three-state: absent keeps it, a value sets it, null clears it', async () => {
    const user = await createActiveUser();
    const token = (await login(user.username)).json.data.access_token;

    const set = await t.api('PATCH', '/users/me', { token, body: { email: 'me@example.com' } });
    expect(set.status).toBe(200);
    expect(set.json.data).toMatchObject({ email: 'me@example.com', full_name: 'Pending Person' });

    const rename = await t.api('PATCH', '/users/me', { token, body: { full_name: '  New Name  ' } });
    expect(rename.status).toBe(200);
    expect(rename.json.data).toMatchObject({ email: 'me@example.com', full_name: 'New Name' });
    expect(await db()('users').where({ id: user.id }).first('email', 'full_name')).toEqual({ email: 'me@example.com', full_name: 'New Name' });

    const cleared = await t.api('PATCH', '/users/me', { token, body: { email: null } });
    expect(cleared.status).toBe(200);
    expect(cleared.json.data).toMatchObject({ email: null, full_name: 'New Name' });
    expect(await db()('users').where({ id: user.id }).first('email', 'full_name')).toEqual({ email: null, full_name: 'New Name' });
    expect((await t.api('GET', '/users/me', { token })).json.data.email).toBeNull();
  });

  it('rejects an invalid email or a field you may not change with 422 and changes nothing', async () => {
    const user = await createActiveUser();
    const token = (await login(user.username)).json.data.access_token;
    await t.api('PATCH', '/users/me', { token, body: { email: 'keep@example.com' } });
    const before = await db()('users').where({ id: user.id }).first('username', 'email', 'full_name', 'must_change_password', 'updated_at');

    const badEmail = await t.api('PATCH', '/users/me', { token, body: { email: 'not an email', full_name: 'Changed' } });
    expectError(badEmail, 422, 'VALIDATION_FAILED');
    expect(badEmail.json.error_details.issues.map((i: { path: string }) => i.path)).toContain('email');
    const username = await t.api('PATCH', '/users/me', { token, body: { username: 'renamed_user' } });
    expectError(username, 422, 'VALIDATION_FAILED');
    expect(username.json.error_details.issues).toContainEqual({ path: 'username', message: 'is not an allowed field' });
    const flag = await t.api('PATCH', '/users/me', { token, body: { must_change_password: true } });
    expectError(flag, 422, 'VALIDATION_FAILED');

    expect(await db()('users').where({ id: user.id }).first('username', 'email', 'full_name', 'must_change_password', 'updated_at')).toEqual(before);
  });
});

describe('GET /users/me/global-permissions', () => {
  it('lists the platform actions you hold', async () => {
    const admin = await t.api('GET', '/users/me/global-permissions', { token: await adminToken() });
    expect(admin.status).toBe(200);
    expect(admin.json.data.actions).toEqual(expect.arrayContaining(['users:read', 'users:write', 'users:delete', 'projects:create', 'roles:write']));

    const user = await createActiveUser();
    const token = (await login(user.username)).json.data.access_token;
    const own = await t.api('GET', '/users/me/global-permissions', { token });
    expect(own.status).toBe(200);
    expect([...own.json.data.actions].sort()).toEqual(['projects:create', 'users:read']);
  });

  it('lists nothing for a principal with no roles, which still gets in', async () => {
    const user = await createActiveUser();
    await db()('role_attachments').where({ principal_type: 'user', principal_id: user.id }).delete();
    const token = (await login(user.username)).json.data.access_token;
    const own = await t.api('GET', '/users/me/global-permissions', { token });
    expect(own.status).toBe(200);
    expect(own.json.data.actions).toEqual([]);
  });
});

// These move the kernel clock forward, so they run last; each test logs in afresh.
describe('token lifetimes', () => {
  it('expires the access token after 15 minutes with 401 AUTH_TOKEN_INVALID; refresh still works', async () => {
    const user = await createActiveUser();
    const session = (await login(user.username)).json.data;
    t.clock.advance(14 * MINUTE);
    expect((await t.api('GET', '/users/me', { token: session.access_token })).status).toBe(200);
    t.clock.advance(2 * MINUTE);
    expectError(await t.api('GET', '/users/me', { token: session.access_token }), 401, 'AUTH_TOKEN_INVALID');
    expectError(await t.api('GET', '/users/me', { cookies: { access_token: session.access_token } }), 401, 'AUTH_TOKEN_INVALID');

    const refreshed = await t.api('POST', '/auth/refresh', { body: { refresh_token: session.refresh_token } });
    expect(refreshed.status).toBe(200);
    expect((await t.api('GET', '/users/me', { token: refreshed.json.data.access_token })).status).toBe(200);
  });

  it('expires a session refresh token after 24 hours with 401 AUTH_TOKEN_INVALID, rotating nothing', async () => {
    const user = await createActiveUser();
    const response = await login(user.username);
    const session = response.json.data;
    // Without remember_me the refresh cookie is a browser-session cookie.
    expect(cookie(response, 'refresh_token')?.maxAge).toBeUndefined();
    t.clock.advance(24 * HOUR + MINUTE);
    const tokensBefore = Number((await db()('refresh_tokens').count({ n: '*' }).first())!.n);
    expectError(await t.api('POST', '/auth/refresh', { body: { refresh_token: session.refresh_token } }), 401, 'AUTH_TOKEN_INVALID');
    expectError(await t.api('POST', '/auth/refresh', { cookies: { refresh_token: session.refresh_token }, body: {} }), 401, 'AUTH_TOKEN_INVALID');
    expect(Number((await db()('refresh_tokens').count({ n: '*' }).first())!.n)).toBe(tokensBefore);
  });

  it('keeps a remember_me refresh token for 168 hours and no longer', async () => {
    const user = await createActiveUser();
    const response = await login(user.username, PASSWORD, { remember_me: true });
    expect(cookie(response, 'refresh_token')?.maxAge).toBe(168 * 3600);
    t.clock.advance(25 * HOUR);
    const refreshed = await t.api('POST', '/auth/refresh', { body: { refresh_token: response.json.data.refresh_token } });
    expect(refreshed.status).toBe(200);
    // The family keeps its original expiry: rotation does not extend the session.
    t.clock.advance(143 * HOUR + MINUTE);
    expectError(await t.api('POST', '/auth/refresh', { body: { refresh_token: refreshed.json.data.refresh_token } }), 401, 'AUTH_TOKEN_INVALID');
  });
});

describe('login rate limit (D7)', () => {
  let limited: TestKernel;
  beforeAll(async () => {
    limited = await startTestKernel({ env: { AUTH_RATE_LIMIT_PER_MINUTE: '3' } });
  });
  afterAll(() => limited.close());

  const attempt = (remoteAddress: string, password: string, headers: Record<string, string> = {}) =>
    limited.api('POST', '/auth/login', { body: { username: 'admin', password }, remoteAddress, headers });
  const adminFamilies = async () =>
    Number((await limited.kernel.database.knex('refresh_token_families as f').join('users as u', 'u.id', 'f.user_id')
      .where('u.username', 'admin').count({ n: '*' }).first())!.n);

  it('answers the 4th attempt from one IP with 429 TOO_MANY_REQUESTS; another IP still gets in', async () => {
    for (const password of ['wrong-1', 'wrong-2']) expectError(await attempt('10.1.0.1', password), 401, 'AUTH_INVALID_CREDENTIALS');
    expect((await attempt('10.1.0.1', TEST_ADMIN_PASSWORD)).status).toBe(200);
    const before = await adminFamilies();

    const blocked = await attempt('10.1.0.1', TEST_ADMIN_PASSWORD);
    expectError(blocked, 429, 'TOO_MANY_REQUESTS');
    expect(blocked.json.error_details.retry_after_seconds).toBeGreaterThanOrEqual(1);
    expect(Number(blocked.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(blocked.cookies).toEqual([]);
    expect(await adminFamilies()).toBe(before);

    const elsewhere = await attempt('10.1.0.2', TEST_ADMIN_PASSWORD);
    expect(elsewhere.status).toBe(200);
    expect(elsewhere.json.data.access_token).toEqual(expect.any(String));
  });

  it('cannot be bypassed by sending a made-up X-Forwarded-For', async () => {
    for (let i = 0; i < 3; i++) expectError(await attempt('10.2.0.1', 'wrong-password'), 401, 'AUTH_INVALID_CREDENTIALS');
    // The connection is the same client; a header it writes itself must not buy it a fresh budget.
    const spoofed = await attempt('10.2.0.1', 'wrong-password', { 'x-forwarded-for': '203.0.113.77' });
    expectError(spoofed, 429, 'TOO_MANY_REQUESTS');
  });
});
