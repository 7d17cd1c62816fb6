import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectError, startTestKernel, type ApiCall, type ApiResponse, type TestKernel, type TestUser } from '../testing/index.js';

const PUBLIC_URL = 'https://paca.example.com';
const CORS_ORIGINS = ['https://app.example.org', 'https://tools.example.net'];

let t: TestKernel;
let user: TestUser;
/** The access_token cookie exactly as login set it. */
let accessCookie: string;
beforeAll(async () => {
  t = await startTestKernel({ env: { PUBLIC_URL, CORS_ORIGINS: `${CORS_ORIGINS[0]}, ${CORS_ORIGINS[1]}/` } });
  user = await t.createUser();
  const login = await t.api('POST', '/auth/login', { body: { username: user.username, password: user.password } });
  accessCookie = login.cookies.find((c) => c.name === 'access_token')!.value;
  expect(accessCookie).toEqual(expect.any(String));
});
afterAll(() => t.close());

const db = () => t.kernel.database.knex;
const projectName = () => `Csrf ${randomUUID().slice(0, 8)}`;
const projectNamed = (name: string) => db()('projects').where({ name }).first('id', 'created_by');

/** A browser request: the cookie is attached automatically, the page chose the rest. */
const fromBrowser = (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, call: ApiCall = {}) =>
  t.api(method, url, { ...call, cookies: { access_token: accessCookie } });

async function newKey(): Promise<{ id: string }> {
  const response = await t.api('POST', '/users/me/api-keys', { token: user.token, body: { name: 'csrf' } });
  expect(response.status).toBe(201);
  return response.json.data;
}
const keyRevoked = async (id: string) => (await db()('api_keys').where({ id }).first('revoked_at')).revoked_at !== null;

describe('cookie-authenticated writes from a foreign Origin (D6)', () => {
  it('refuses them with 403 FORBIDDEN and writes nothing', async () => {
    const name = projectName();
    const create = await fromBrowser('POST', '/projects', { headers: { origin: 'https://evil.example' }, body: { name } });
    expectError(create, 403, 'FORBIDDEN');
    expect(await projectNamed(name)).toBeUndefined();

    const before = await db()('users').where({ id: user.id }).first('full_name', 'email', 'updated_at');
    const patch = await fromBrowser('PATCH', '/users/me', { headers: { origin: 'https://evil.example' }, body: { full_name: 'Pwned' } });
    expectError(patch, 403, 'FORBIDDEN');
    expect(await db()('users').where({ id: user.id }).first('full_name', 'email', 'updated_at')).toEqual(before);

    const key = await newKey();
    const revoke = await fromBrowser('DELETE', `/users/me/api-keys/${key.id}`, { headers: { origin: 'https://evil.example', 'content-type': 'application/json' } });
    expectError(revoke, 403, 'FORBIDDEN');
    expect(await keyRevoked(key.id)).toBe(false);
  });

  it('refuses look-alike and opaque origins', async () => {
    for (const origin of ['null', 'https://paca.example.com.evil.example', 'http://paca.example.com', 'https://app.example.org:8443', 'not a url']) {
      const name = projectName();
      const response = await fromBrowser('POST', '/projects', { headers: { origin }, body: { name } });
      expectError(response, 403, 'FORBIDDEN');
      expect(await projectNamed(name), origin).toBeUndefined();
    }
  });

  it('checks the origin before the body, so a foreign page learns nothing about the schema', async () => {
    const response = await fromBrowser('POST', '/projects', { headers: { origin: 'https://evil.example' }, body: { no_such_field: true } });
    expectError(response, 403, 'FORBIDDEN');
  });

  it('still lets cookie reads through from any Origin', async () => {
    const response = await fromBrowser('GET', '/users/me', { headers: { origin: 'https://evil.example' } });
    expect(response.status).toBe(200);
    expect(response.json.data.id).toBe(user.id);
  });
});

describe('cookie-authenticated writes from a trusted Origin', () => {
  it('allows a write without an Origin header', async () => {
    const name = projectName();
    const response = await fromBrowser('POST', '/projects', { body: { name } });
    expect(response.status, JSON.stringify(response.json)).toBe(201);
    expect(await projectNamed(name)).toEqual({ id: response.json.data.id, created_by: user.id });
  });

  it('allows the request’s own host', async () => {
    const name = projectName();
    const response = await fromBrowser('POST', '/projects', { headers: { host: 'kernel.internal:8080', origin: 'http://kernel.internal:8080' }, body: { name } });
    expect(response.status, JSON.stringify(response.json)).toBe(201);
    expect(await projectNamed(name)).toBeDefined();
  });

  it('allows the request’s own host when Host names the default port', async () => {
    // app.inject sends "Host: localhost:80", and proxies configured with `Host $host:$server_port` do the
    // same. http://localhost:80 is the origin http://localhost, which is how a browser writes it.
    for (const [host, origin] of [['localhost:80', 'http://localhost'], ['paca.lan:443', 'https://paca.lan']] as const) {
      const name = projectName();
      const response = await fromBrowser('POST', '/projects', { headers: { host, origin }, body: { name } });
      expect(response.status, `${host} ${origin} ${JSON.stringify(response.json)}`).toBe(201);
      expect(await projectNamed(name)).toBeDefined();
    }
  });

  it('allows PUBLIC_URL, with or without a trailing slash', async () => {
    for (const origin of [PUBLIC_URL, `${PUBLIC_URL}/`]) {
      const name = projectName();
      const response = await fromBrowser('POST', '/projects', { headers: { origin }, body: { name } });
      expect(response.status, origin).toBe(201);
      expect(await projectNamed(name)).toBeDefined();
    }
  });

  it('allows every CORS_ORIGINS entry', async () => {
    for (const origin of CORS_ORIGINS) {
      const name = projectName();
      const response = await fromBrowser('POST', '/projects', { headers: { origin }, body: { name } });
      expect(response.status, origin).toBe(201);
      expect(await projectNamed(name)).toBeDefined();
    }
    const before = await db()('users').where({ id: user.id }).first('full_name');
    const patch = await fromBrowser('PATCH', '/users/me', { headers: { origin: CORS_ORIGINS[1]! }, body: { full_name: `${before.full_name} Jr` } });
    expect(patch.status).toBe(200);
    expect((await db()('users').where({ id: user.id }).first('full_name')).full_name).toBe(`${before.full_name} Jr`);
  });
});

describe('cookie-authenticated writes must be JSON (D6)', () => {
  it('refuses a bodiless cookie write without a JSON content type with 415 and changes nothing', async () => {
    const key = await newKey();
    const response = await fromBrowser('DELETE', `/users/me/api-keys/${key.id}`, { headers: { origin: PUBLIC_URL } });
    expectError(response, 415, 'UNSUPPORTED_MEDIA_TYPE');
    expect(await keyRevoked(key.id)).toBe(false);
  });

  it('refuses form and text bodies with 415 and writes nothing', async () => {
    for (const contentType of ['application/x-www-form-urlencoded', 'text/plain', 'multipart/form-data; boundary=x']) {
      const name = projectName();
      const response = await fromBrowser('POST', '/projects', { headers: { 'content-type': contentType }, body: `name=${encodeURIComponent(name)}` });
      expectError(response, 415, 'UNSUPPORTED_MEDIA_TYPE');
      expect(await projectNamed(name), contentType).toBeUndefined();
    }
  });

  it('accepts an empty JSON body as {} (charset parameter allowed)', async () => {
    const key = await newKey();
    const response = await fromBrowser('DELETE', `/users/me/api-keys/${key.id}`, { headers: { 'content-type': 'application/json; charset=utf-8' } });
    expect(response.status, JSON.stringify(response.json)).toBe(204);
    expect(await keyRevoked(key.id)).toBe(true);
  });
});

describe('header-authenticated requests are not subject to the cookie checks', () => {
  it('lets a Bearer write from a foreign Origin through', async () => {
    const name = projectName();
    const response = await t.api('POST', '/projects', { token: user.token, headers: { origin: 'https://evil.example' }, body: { name } });
    expect(response.status, JSON.stringify(response.json)).toBe(201);
    expect(await projectNamed(name)).toBeDefined();
  });

  it('lets a bodiless Bearer delete without a content type through', async () => {
    const key = await newKey();
    const response = await t.api('DELETE', `/users/me/api-keys/${key.id}`, { token: user.token, headers: { origin: 'https://evil.example' } });
    expect(response.status).toBe(204);
    expect(await keyRevoked(key.id)).toBe(true);
  });

  it('lets an API-key write from a foreign Origin through', async () => {
    const created = await t.api('POST', '/users/me/api-keys', { token: user.token, body: { name: 'tool' } });
    const name = projectName();
    const response = await t.api('POST', '/projects', { apiKey: created.json.data.key, headers: { origin: 'https://evil.example' }, body: { name } });
    expect(response.status, JSON.stringify(response.json)).toBe(201);
    expect(await projectNamed(name)).toBeDefined();
  });
});
