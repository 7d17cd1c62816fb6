import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectData, expectError, startTestKernel, type TestKernel, type TestUser } from '../testing/index.js';

/* Regressions from the review of Kernel foundation I: each was a bypass or a 500 on client input. */
let t: TestKernel;
let dave: TestUser;
beforeAll(async () => {
  t = await startTestKernel();
  dave = await t.createUser({ platformRoles: ['ADMIN'] });
});
afterAll(() => t.close());

const policy = (...statements: unknown[]) => ({ version: '2026-10-01', statements });

describe('ids spelled differently cannot slip past a Deny', () => {
  it('an upper-case project id meets the same Deny as the lower-case one', async () => {
    const project = expectData(await t.api('POST', '/projects', { token: t.adminToken, body: { name: 'Fenced' } }), 201);
    const fence = expectData(await t.api('POST', '/admin/roles', { token: t.adminToken, body: { name: 'Fence', policy: policy({ effect: 'Deny', actions: ['*'], resources: [`project/${project.id}/*`] }) } }), 201);
    const adminRole = (expectData(await t.api('GET', '/admin/roles', { token: t.adminToken })).items as Array<{ id: string; name: string }>).find((r) => r.name === 'ADMIN')!;
    expectData(await t.api('PUT', `/admin/users/${dave.id}/roles`, { token: t.adminToken, body: { role_ids: [adminRole.id, fence.id] } }));
    expectError(await t.api('GET', `/projects/${project.id}`, { token: dave.token }), 403, 'FORBIDDEN');
    expectError(await t.api('PATCH', `/projects/${project.id.toUpperCase()}`, { token: dave.token, body: { name: 'Pwned' } }), 403, 'FORBIDDEN');
    expect(expectData(await t.api('GET', `/projects/${project.id}`, { token: t.adminToken })).name).toBe('Fenced');
  });

  it('urn:uuid: ids are malformed input (422), not a database error', async () => {
    const me = expectData(await t.api('GET', '/users/me', { token: t.adminToken }));
    expectError(await t.api('GET', `/admin/users/urn:uuid:${me.id}`, { token: t.adminToken }), 422, 'VALIDATION_FAILED');
  });
});

describe('values PostgreSQL cannot store are 4xx, never 500', () => {
  it.each([
    ['a NUL in a login name (no account needed)', 'POST', '/auth/login', { username: 'a\u0000b', password: 'x' }, undefined],
    ['a NUL in a project name', 'POST', '/projects', { name: 'nul\u0000name' }, 'admin'],
    ['a NUL in a search', 'GET', '/projects', undefined, 'admin'],
    ['a leap-second expiry', 'POST', '/users/me/api-keys', { name: 'leap', expires_at: '2030-12-31T23:59:60Z' }, 'admin'],
  ])('%s', async (_label, method, url, body, who) => {
    const response = await t.api(method as 'POST', url, {
      ...(body ? { body } : {}), ...(who ? { token: t.adminToken } : {}),
      ...(url === '/projects' && method === 'GET' ? { query: { search: 'a\u0000b' } } : {}),
    });
    expect(response.status, JSON.stringify(response.json)).toBeGreaterThanOrEqual(400);
    expect(response.status).toBeLessThan(500);
  });

  it('refuses cursors that are not ours, whatever they decode to', async () => {
    for (const t0 of ['1', 'Tue Mar 01 2022 (x)', '+275760-09-13T00:00:00.000Z', 1e20]) {
      const cursor = Buffer.from(JSON.stringify({ t: t0, id: '00000000-0000-4000-8000-000000000000' })).toString('base64url');
      expectError(await t.api('GET', '/users/me/api-keys', { token: t.adminToken, query: { cursor } }), 422, 'VALIDATION_FAILED');
    }
  });

  it('refuses settings nested deeper than sense', async () => {
    const deep = `${'{"d":'.repeat(5000)}{}${'}'.repeat(5000)}`;
    const response = await t.api('POST', '/projects', { token: t.adminToken, body: `{"name":"Deep","settings":${deep}}` });
    expectError(response, 422, 'VALIDATION_FAILED');
    expect(await t.kernel.database.knex('projects').where({ name: 'Deep' }).first()).toBeUndefined();
  });
});

describe('IAM guard rails', () => {
  it('an ADMIN cannot reset, rename or delete a SUPER_ADMIN (that would be taking it over)', async () => {
    const eve = await t.createUser({ platformRoles: ['SUPER_ADMIN'] });
    const boss = await t.createUser({ platformRoles: ['ADMIN'] });
    expectError(await t.api('PATCH', `/admin/users/${eve.id}/password`, { token: boss.token, body: { new_password: 'boss-owns-you' } }), 403, 'FORBIDDEN');
    expectError(await t.api('PATCH', `/admin/users/${eve.id}`, { token: boss.token, body: { full_name: 'Owned' } }), 403, 'FORBIDDEN');
    expectError(await t.api('DELETE', `/admin/users/${eve.id}`, { token: boss.token }), 403, 'FORBIDDEN');
    expectData(await t.api('GET', '/users/me', { token: eve.token }));
    // Users it fully outranks stay manageable.
    const plain = await t.createUser();
    expectData(await t.api('PATCH', `/admin/users/${plain.id}`, { token: boss.token, body: { full_name: 'Renamed' } }));
  });

  it('bounds the work one policy can cause', async () => {
    const project = expectData(await t.api('POST', '/projects', { token: t.adminToken, body: { name: 'Bounded' } }), 201);
    const resources = Array.from({ length: 60 }, (_, i) => `project/${project.id}/task/${i}`);
    const statements = Array.from({ length: 20 }, () => ({ effect: 'Allow', actions: ['projects:read'], resources }));
    const response = await t.api('POST', `/projects/${project.id}/roles`, { token: t.adminToken, body: { name: 'Huge', policy: policy(...statements) } });
    expectError(response, 422, 'ROLE_POLICY_INVALID');
  });

  it('a Deny cannot fence the last full-access holder of a project', async () => {
    const alice = await t.createUser();
    const project = expectData(await t.api('POST', '/projects', { token: alice.token, body: { name: 'Lockout' } }), 201);
    const lockOut = expectData(await t.api('POST', `/projects/${project.id}/roles`, { token: alice.token, body: { name: 'LockOut', policy: policy({ effect: 'Deny', actions: ['*'], resources: [`project/${project.id}/*`] }) } }), 201);
    const members = expectData(await t.api('GET', `/projects/${project.id}/members`, { token: alice.token })).items;
    const adminRole = members[0].roles[0];
    expectError(await t.api('PUT', `/projects/${project.id}/members/${members[0].id}/roles`, { token: alice.token, body: { role_ids: [adminRole.id, lockOut.id] } }), 409, 'ROLE_LAST_FULL_ACCESS');
    expectData(await t.api('PATCH', `/projects/${project.id}`, { token: alice.token, body: { description: 'still mine' } }));
  });
});

describe('sessions', () => {
  it('logout with only a Bearer token ends that session', async () => {
    const user = await t.createUser();
    const session = expectData(await t.api('POST', '/auth/login', { body: { username: user.username, password: user.password } }));
    expect((await t.api('POST', '/auth/logout', { token: session.access_token })).status).toBe(204);
    expectError(await t.api('GET', '/users/me', { token: session.access_token }), 401, 'AUTH_TOKEN_INVALID');
    expectData(await t.api('GET', '/users/me', { token: user.token }));
  });

  it('a foreign Authorization scheme (Basic from a proxy) does not hide the session cookie', async () => {
    const user = await t.createUser();
    const me = await t.api('GET', '/users/me', { cookies: { access_token: user.token }, headers: { authorization: 'Basic dXNlcjpwYXNz' } });
    expect(expectData(me).id).toBe(user.id);
    expectError(await t.api('GET', '/users/me', { headers: { authorization: 'Basic dXNlcjpwYXNz' } }), 401, 'AUTH_UNAUTHENTICATED');
  });

  it('a cross-site page cannot rotate or end a session through the refresh cookie (D6)', async () => {
    const user = await t.createUser();
    const session = expectData(await t.api('POST', '/auth/login', { body: { username: user.username, password: user.password } }));
    const cross = { cookies: { refresh_token: session.refresh_token }, headers: { 'content-type': 'application/json', origin: 'https://evil.example' } };
    expectError(await t.api('POST', '/auth/refresh', cross), 403, 'FORBIDDEN');
    expectError(await t.api('POST', '/auth/logout', cross), 403, 'FORBIDDEN');
    expectData(await t.api('GET', '/users/me', { token: session.access_token }));
  });
});

describe('optional Redis', () => {
  it('logins keep working when Redis is unreachable', async () => {
    const k = await startTestKernel({ env: { REDIS_URL: 'redis://127.0.0.1:1', AUTH_RATE_LIMIT_PER_MINUTE: '5' } });
    try {
      const started = Date.now();
      expectData(await k.api('POST', '/auth/login', { body: { username: 'admin', password: 'admin-password-for-tests' } }));
      expect(Date.now() - started).toBeLessThan(3000);
    } finally {
      await k.close();
    }
  });
});
