import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectError, startTestKernel, TEST_ADMIN_PASSWORD, type ApiResponse, type TestKernel, type TestUser } from '../testing/index.js';

let t: TestKernel;
let alice: TestUser;
let bob: TestUser;
let carol: TestUser;
beforeAll(async () => {
  t = await startTestKernel();
  alice = await t.createUser();
  bob = await t.createUser();
  carol = await t.createUser();
});
afterAll(() => t.close());

const MINUTE = 60_000;
const db = () => t.kernel.database.knex;

// The clock moves in some tests; a fresh login keeps the session token valid whatever it says.
const session = (user: TestUser) => t.login(user.username, user.password);

const keyCount = async (userId: string) => Number((await db()('api_keys').where({ user_id: userId }).count({ n: '*' }).first())!.n);

async function createKey(user: TestUser, body: Record<string, unknown> = {}) {
  const response = await t.api('POST', '/users/me/api-keys', { token: await session(user), body: { name: 'ci', ...body } });
  expect(response.status, JSON.stringify(response.json)).toBe(201);
  return response.json.data as { id: string; name: string; key: string; key_prefix: string; created_at: string; last_used_at: string | null; expires_at: string | null };
}

describe('creating and listing API keys', () => {
  it('shows the paca_ secret once, at creation', async () => {
    const token = await session(alice);
    const response = await t.api('POST', '/users/me/api-keys', { token, body: { name: '  deploy bot  ' } });
    expect(response.status).toBe(201);
    const data = response.json.data;
    expect(data).toEqual({
      id: expect.any(String), name: 'deploy bot', key: expect.stringMatching(/^paca_[0-9a-f]{64}$/),
      key_prefix: expect.any(String), created_at: t.clock.now().toISOString(), last_used_at: null, expires_at: null,
    });
    expect(data.key.startsWith(data.key_prefix)).toBe(true);
    expect(data.key_prefix.length).toBeLessThan(data.key.length / 2);

    // The database holds a hash, never the key itself.
    const row = await db()('api_keys').where({ id: data.id }).first();
    expect(row.user_id).toBe(alice.id);
    expect(Object.values(row).some((value) => typeof value === 'string' && value.includes(data.key.slice(5)))).toBe(false);
  });

  it('lists keys by prefix only: the secret never appears again', async () => {
    const created = await createKey(alice, { name: 'listed' });
    const list = await t.api('GET', '/users/me/api-keys', { token: await session(alice) });
    expect(list.status).toBe(200);
    expect(list.json.data.next_cursor).toBeNull();
    const item = list.json.data.items.find((k: { id: string }) => k.id === created.id);
    expect(item).toEqual({
      id: created.id, name: 'listed', key_prefix: created.key_prefix, created_at: created.created_at, last_used_at: null, expires_at: null,
    });
    for (const listed of list.json.data.items) expect(listed).not.toHaveProperty('key');
    expect(list.raw.body).not.toContain(created.key);
    expect(list.raw.body).not.toContain(created.key.slice(13));
  });

  it('lists only your own keys', async () => {
    const bobs = await createKey(bob, { name: 'bobs' });
    const list = await t.api('GET', '/users/me/api-keys', { token: await session(alice) });
    expect(list.json.data.items.map((k: { id: string }) => k.id)).not.toContain(bobs.id);
    expect(list.json.data.items.length).toBe(await db()('api_keys').where({ user_id: alice.id }).whereNull('revoked_at').count({ n: '*' }).first().then((r) => Number(r!.n)));
  });

  it('rejects an expires_at that is not in the future with 422 and creates nothing', async () => {
    const token = await session(alice);
    const before = await keyCount(alice.id);
    const past = await t.api('POST', '/users/me/api-keys', { token, body: { name: 'late', expires_at: new Date(t.clock.now().getTime() - MINUTE).toISOString() } });
    expectError(past, 422, 'VALIDATION_FAILED');
    expect(past.json.error_details.issues).toContainEqual({ path: 'expires_at', message: expect.any(String) });
    const now = await t.api('POST', '/users/me/api-keys', { token, body: { name: 'now', expires_at: t.clock.now().toISOString() } });
    expectError(now, 422, 'VALIDATION_FAILED');
    const garbage = await t.api('POST', '/users/me/api-keys', { token, body: { name: 'garbage', expires_at: 'tomorrow' } });
    expectError(garbage, 422, 'VALIDATION_FAILED');
    expect(await keyCount(alice.id)).toBe(before);
  });
});

describe('authenticating with an API key', () => {
  it('acts as its owner through X-API-Key and through Authorization: ApiKey', async () => {
    const { key } = await createKey(alice);
    const viaHeader = await t.api('GET', '/users/me', { apiKey: key });
    expect(viaHeader.status).toBe(200);
    expect(viaHeader.json.data).toMatchObject({ id: alice.id, username: alice.username });
    const viaAuthorization = await t.api('GET', '/users/me', { headers: { authorization: `ApiKey ${key}` } });
    expect(viaAuthorization.status).toBe(200);
    expect(viaAuthorization.json.data.id).toBe(alice.id);

    // Writes work too: the key carries its owner's permissions.
    const project = await t.api('POST', '/projects', { apiKey: key, body: { name: `Keyed ${randomUUID().slice(0, 8)}` } });
    expect(project.status).toBe(201);
    expect((await db()('projects').where({ id: project.json.data.id }).first('created_by')).created_by).toBe(alice.id);
  });

  it('refuses an unknown key with 401 AUTH_TOKEN_INVALID', async () => {
    expectError(await t.api('GET', '/users/me', { apiKey: `paca_${'0'.repeat(64)}` }), 401, 'AUTH_TOKEN_INVALID');
    expectError(await t.api('GET', '/users/me', { apiKey: 'not-a-paca-key' }), 401, 'AUTH_TOKEN_INVALID');
  });

  it('records last_used_at when the key is used (at most once a minute)', async () => {
    const created = await createKey(alice, { name: 'tracked' });
    const lastUsed = async () => {
      const list = await t.api('GET', '/users/me/api-keys', { token: await session(alice) });
      return list.json.data.items.find((k: { id: string }) => k.id === created.id).last_used_at as string | null;
    };
    expect(await lastUsed()).toBeNull();

    const firstUse = t.clock.now().toISOString();
    expect((await t.api('GET', '/users/me', { apiKey: created.key })).status).toBe(200);
    expect(await lastUsed()).toBe(firstUse);
    expect((await db()('api_keys').where({ id: created.id }).first('last_used_at')).last_used_at.toISOString()).toBe(firstUse);

    t.clock.advance(30_000);
    await t.api('GET', '/users/me', { apiKey: created.key });
    expect(await lastUsed()).toBe(firstUse);

    t.clock.advance(31_000);
    const laterUse = t.clock.now().toISOString();
    await t.api('GET', '/users/me', { apiKey: created.key });
    expect(await lastUsed()).toBe(laterUse);
  });

  it('answers an expired key with 401 API_KEY_EXPIRED', async () => {
    const expiresAt = new Date(t.clock.now().getTime() + 10 * MINUTE);
    const created = await createKey(alice, { name: 'short-lived', expires_at: expiresAt.toISOString() });
    expect(created.expires_at).toBe(expiresAt.toISOString());
    t.clock.advance(9 * MINUTE);
    expect((await t.api('GET', '/users/me', { apiKey: created.key })).status).toBe(200);
    t.clock.advance(MINUTE);
    expectError(await t.api('GET', '/users/me', { apiKey: created.key }), 401, 'API_KEY_EXPIRED');
    expectError(await t.api('GET', '/users/me', { headers: { authorization: `ApiKey ${created.key}` } }), 401, 'API_KEY_EXPIRED');
  });

  it('answers a revoked key with 401 API_KEY_REVOKED and drops it from the list', async () => {
    const created = await createKey(alice, { name: 'to-revoke' });
    expect((await t.api('GET', '/users/me', { apiKey: created.key })).status).toBe(200);
    const token = await session(alice);
    const revoke = await t.api('DELETE', `/users/me/api-keys/${created.id}`, { token });
    expect(revoke.status).toBe(204);
    expect(revoke.raw.body).toBe('');

    expectError(await t.api('GET', '/users/me', { apiKey: created.key }), 401, 'API_KEY_REVOKED');
    expectError(await t.api('GET', '/users/me', { headers: { authorization: `ApiKey ${created.key}` } }), 401, 'API_KEY_REVOKED');
    expect((await db()('api_keys').where({ id: created.id }).first('revoked_at')).revoked_at).not.toBeNull();
    const list = await t.api('GET', '/users/me/api-keys', { token });
    expect(list.json.data.items.map((k: { id: string }) => k.id)).not.toContain(created.id);
    // Revoking twice finds nothing to revoke.
    expectError(await t.api('DELETE', `/users/me/api-keys/${created.id}`, { token }), 404, 'API_KEY_NOT_FOUND');
  });

  it('stops working when its owner is deleted', async () => {
    const { key } = await createKey(carol);
    const admin = await t.login('admin', TEST_ADMIN_PASSWORD);
    expect((await t.api('DELETE', `/admin/users/${carol.id}`, { token: admin })).status).toBe(204);
    const after = await t.api('GET', '/users/me', { apiKey: key });
    expect(after.status).toBe(401);
    expect(['API_KEY_REVOKED', 'AUTH_TOKEN_INVALID']).toContain(after.json.error_code);
    expect(await db()('api_keys').where({ user_id: carol.id }).whereNull('revoked_at').first()).toBeUndefined();
  });
});

describe('managing keys needs a session (D5)', () => {
  it('refuses an API key creating another key with 403 AUTH_JWT_REQUIRED and creates nothing', async () => {
    const { key } = await createKey(alice, { name: 'leaked' });
    const before = await keyCount(alice.id);
    const viaHeader = await t.api('POST', '/users/me/api-keys', { apiKey: key, body: { name: 'minted' } });
    expectError(viaHeader, 403, 'AUTH_JWT_REQUIRED');
    expect(viaHeader.raw.body).not.toMatch(/paca_[0-9a-f]{64}/);
    const viaAuthorization = await t.api('POST', '/users/me/api-keys', { headers: { authorization: `ApiKey ${key}` }, body: { name: 'minted' } });
    expectError(viaAuthorization, 403, 'AUTH_JWT_REQUIRED');
    expect(await keyCount(alice.id)).toBe(before);
    expect(await db()('api_keys').where({ user_id: alice.id, name: 'minted' }).first()).toBeUndefined();
  });

  it('refuses an API key listing or revoking keys with 403 AUTH_JWT_REQUIRED', async () => {
    const created = await createKey(alice, { name: 'self-revoke' });
    const list = await t.api('GET', '/users/me/api-keys', { apiKey: created.key });
    expectError(list, 403, 'AUTH_JWT_REQUIRED');
    expect(list.raw.body).not.toContain(created.key_prefix);

    const revoke = await t.api('DELETE', `/users/me/api-keys/${created.id}`, { apiKey: created.key });
    expectError(revoke, 403, 'AUTH_JWT_REQUIRED');
    expect((await db()('api_keys').where({ id: created.id }).first('revoked_at')).revoked_at).toBeNull();
    expect((await t.api('GET', '/users/me', { apiKey: created.key })).status).toBe(200);
  });

  it('refuses an API key changing the password with 403 AUTH_JWT_REQUIRED and changes nothing', async () => {
    const { key } = await createKey(bob);
    const hashBefore = (await db()('users').where({ id: bob.id }).first('password_hash')).password_hash;
    const change = await t.api('PATCH', '/users/me/password', { apiKey: key, body: { current_password: bob.password, new_password: 'stolen-password-9' } });
    expectError(change, 403, 'AUTH_JWT_REQUIRED');
    expect((await db()('users').where({ id: bob.id }).first('password_hash')).password_hash).toBe(hashBefore);
    expect((await t.api('POST', '/auth/login', { body: { username: bob.username, password: bob.password } })).status).toBe(200);
    expect((await t.api('POST', '/auth/login', { body: { username: bob.username, password: 'stolen-password-9' } })).status).toBe(401);
  });

  it('answers revoking another user’s key with 404 API_KEY_NOT_FOUND and leaves it working', async () => {
    const bobs = await createKey(bob, { name: 'not-yours' });
    const attempt = await t.api('DELETE', `/users/me/api-keys/${bobs.id}`, { token: await session(alice) });
    expectError(attempt, 404, 'API_KEY_NOT_FOUND');
    expect((await db()('api_keys').where({ id: bobs.id }).first('revoked_at')).revoked_at).toBeNull();
    const stillWorks = await t.api('GET', '/users/me', { apiKey: bobs.key });
    expect(stillWorks.status).toBe(200);
    expect(stillWorks.json.data.id).toBe(bob.id);

    expectError(await t.api('DELETE', `/users/me/api-keys/${randomUUID()}`, { token: await session(alice) }), 404, 'API_KEY_NOT_FOUND');
  });
});
