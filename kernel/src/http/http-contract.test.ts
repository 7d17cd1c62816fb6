import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestKernel, type TestKernel } from '../testing/index.js';

let t: TestKernel;
beforeAll(async () => {
  t = await startTestKernel({ env: { HTTP_BODY_LIMIT: '2048' } });
});
afterAll(() => t.close());

const projectCount = async () => Number((await t.kernel.database.knex('projects').count({ n: '*' }).first())!.n);

describe('HTTP contract', () => {
  it('answers GET /api/healthz with exactly {"status":"ok"}', async () => {
    const response = await t.api('GET', '/api/healthz');
    expect(response.status).toBe(200);
    expect(response.raw.body).toBe('{"status":"ok"}');
  });

  it('wraps data in the success envelope and echoes X-Request-ID', async () => {
    const response = await t.api('GET', '/users/me', { token: t.adminToken, headers: { 'x-request-id': 'trace-123' } });
    expect(response.status).toBe(200);
    expect(response.headers['x-request-id']).toBe('trace-123');
    expect(response.json).toMatchObject({ success: true, request_id: 'trace-123', data: { username: 'admin' } });
  });

  it('generates a request id when none (or a malformed one) is sent', async () => {
    const response = await t.api('GET', '/users/me', { token: t.adminToken, headers: { 'x-request-id': 'bad id with spaces' } });
    expect(response.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(response.json.request_id).toBe(response.headers['x-request-id']);
  });

  it('answers unknown routes with 404 NOT_FOUND in the error envelope', async () => {
    const response = await t.api('GET', '/no/such/route', { token: t.adminToken });
    expect(response.status).toBe(404);
    expect(response.json).toMatchObject({ success: false, error_code: 'NOT_FOUND', request_id: expect.any(String) });
    expect(typeof response.json.error).toBe('string');
  });

  it('rejects unparsable JSON with 400 BAD_REQUEST and changes nothing', async () => {
    const before = await projectCount();
    const response = await t.api('POST', '/projects', { token: t.adminToken, body: '{"name": "broken"' });
    expect(response.status).toBe(400);
    expect(response.json.error_code).toBe('BAD_REQUEST');
    expect(await projectCount()).toBe(before);
  });

  it('rejects non-JSON bodies with 415 UNSUPPORTED_MEDIA_TYPE', async () => {
    for (const contentType of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x']) {
      const response = await t.api('POST', '/projects', { token: t.adminToken, body: 'name=x', headers: { 'content-type': contentType } });
      expect(response.status, contentType).toBe(415);
      expect(response.json.error_code).toBe('UNSUPPORTED_MEDIA_TYPE');
    }
  });

  it('rejects unknown fields with 422 VALIDATION_FAILED naming the field', async () => {
    const before = await projectCount();
    const response = await t.api('POST', '/projects', { token: t.adminToken, body: { name: 'Valid', owner: 'me' } });
    expect(response.status).toBe(422);
    expect(response.json.error_code).toBe('VALIDATION_FAILED');
    expect(response.json.error_details.issues).toEqual([{ path: 'owner', message: 'is not an allowed field' }]);
    expect(await projectCount()).toBe(before);
  });

  it('does not coerce body types', async () => {
    const response = await t.api('POST', '/projects', { token: t.adminToken, body: { name: 'Typed', is_public: 'true' } });
    expect(response.status).toBe(422);
    expect(response.json.error_details.issues[0].path).toBe('is_public');
  });

  it('reports missing fields and bad path parameters as 422, never 500', async () => {
    const missing = await t.api('POST', '/projects', { token: t.adminToken, body: {} });
    expect(missing.status).toBe(422);
    expect(missing.json.error_details.issues).toContainEqual({ path: 'name', message: 'is required' });
    const badId = await t.api('GET', '/projects/not-a-uuid', { token: t.adminToken });
    expect(badId.status).toBe(422);
    expect(badId.json.error_details.issues[0].path).toBe('params.projectId');
    const badQuery = await t.api('GET', '/projects', { token: t.adminToken, query: { page: 'zero' } });
    expect(badQuery.status).toBe(422);
  });

  it('rejects oversize bodies with 413 PAYLOAD_TOO_LARGE', async () => {
    const before = await projectCount();
    const response = await t.api('POST', '/projects', { token: t.adminToken, body: { name: 'Big', description: 'x'.repeat(4096) } });
    expect(response.status).toBe(413);
    expect(response.json).toMatchObject({ error_code: 'PAYLOAD_TOO_LARGE', error_details: { limit_bytes: 2048 } });
    expect(await projectCount()).toBe(before);
  });

  it('treats an empty JSON body as {}', async () => {
    const response = await t.api('POST', '/projects', { token: t.adminToken, body: '' });
    expect(response.status).toBe(422);
    expect(response.json.error_details.issues).toContainEqual({ path: 'name', message: 'is required' });
  });

  it('serves OpenAPI generated from the route schemas at /api/docs/json', async () => {
    const response = await t.api('GET', '/api/docs/json');
    expect(response.status).toBe(200);
    expect(response.json.openapi).toMatch(/^3\./);
    const createProject = response.json.paths['/api/v1/projects'].post;
    expect(createProject.requestBody.content['application/json'].schema.properties.name).toBeDefined();
    expect(response.json.paths['/api/v1/auth/login']).toBeDefined();
    const ui = await t.api('GET', '/api/docs');
    expect([200, 302]).toContain(ui.status);
  });
});
