import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestKernel, type TestKernel } from './testing/index.js';

/*
 * Races a client can cause (D32: these count on PostgreSQL, where requests really run in
 * parallel; on PGlite the single connection serialises them and the outcome must be the same).
 */
let t: TestKernel;
beforeAll(async () => {
  t = await startTestKernel();
});
afterAll(() => t.close());

describe('concurrent writes', () => {
  it('two refreshes with the same token: one rotates, the other is a reuse and the session ends', async () => {
    const login = await t.api('POST', '/auth/login', { body: { username: 'admin', password: 'admin-password-for-tests' } });
    const token = login.json.data.refresh_token as string;
    const results = await Promise.all([0, 1].map(() => t.api('POST', '/auth/refresh', { body: { refresh_token: token } })));
    expect(results.map((r) => r.status).sort()).toEqual([200, 401]);
    expect(results.find((r) => r.status === 401)!.json.error_code).toBe('AUTH_REFRESH_REUSED');
    const winner = results.find((r) => r.status === 200)!.json.data;
    // Reuse revoked the whole family, the winner's new tokens included.
    expect((await t.api('GET', '/users/me', { token: winner.access_token })).status).toBe(401);
    expect((await t.api('POST', '/auth/refresh', { body: { refresh_token: winner.refresh_token } })).json.error_code).toBe('AUTH_TOKEN_INVALID');
  });

  it('the same project name created twice at once: one 201, one 409 PROJECT_NAME_TAKEN, never a 500', async () => {
    const results = await Promise.all([0, 1, 2].map(() => t.api('POST', '/projects', { token: t.adminToken, body: { name: 'Race Condition' } })));
    expect(results.map((r) => r.status).sort()).toEqual([201, 409, 409]);
    for (const r of results.filter((x) => x.status === 409)) expect(r.json.error_code).toBe('PROJECT_NAME_TAKEN');
    expect(await t.kernel.database.knex('projects').whereRaw("lower(name) = 'race condition'").count({ n: '*' }).first()).toEqual({ n: 1 });
  });

  it('names deriving the same prefix at once all succeed with distinct prefixes', async () => {
    const names = ['Quick Xylo', 'Quiet Xenon', 'Quirky Xerus', 'Quaint Xebec'];
    const results = await Promise.all(names.map((name) => t.api('POST', '/projects', { token: t.adminToken, body: { name } })));
    expect(results.map((r) => r.status)).toEqual([201, 201, 201, 201]);
    expect(results.map((r) => r.json.data.task_id_prefix).sort()).toEqual(['QX', 'QX2', 'QX3', 'QX4']);
  });
});
