import { createHmac } from 'node:crypto';
import { coreServices } from '@paca/plugin-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectData, expectError, startTestKernel, type TestKernel } from '../testing/index.js';
import { minimalPlugin } from './fixtures/minimal.fixture.js';

// Secrets a manifest declares: set by admins, sealed at rest, readable only by their plugin.

const signer = minimalPlugin('signer', {
  secrets: [{ key: 'SIGNING_KEY', description: 'HMAC key for outgoing webhooks', required: true }, { key: 'OTHER', description: 'unused' }],
  routes: [{ name: 'signer.sign', method: 'POST', path: '/plugins/signer/sign', access: 'authenticated',
    body: { type: 'object', properties: { message: { type: 'string' } }, required: ['message'], additionalProperties: false } }],
}, {
  register(env) {
    env.init({ deps: { routes: coreServices.routes, secrets: coreServices.secrets }, init({ routes, secrets }) {
      routes.handle('signer.sign', async ({ body }) => {
        const key = await secrets.get('SIGNING_KEY');
        if (!key) return { signature: null };
        // An undeclared key is refused even to its own plugin.
        const undeclared = await secrets.get('NOT_DECLARED').then(() => 'read', (error: { code: string }) => error.code);
        return { signature: createHmac('sha256', key).update(body.message).digest('hex'), undeclared };
      });
    } });
  },
});

let t: TestKernel;
beforeAll(async () => {
  t = await startTestKernel({ plugins: [signer] });
});
afterAll(() => t.close());

describe('plugin secrets', () => {
  it('lists declared secrets without values, and the plugin reads what an admin sets', async () => {
    const before = expectData(await t.api('GET', '/admin/plugins/signer/secrets', { token: t.adminToken }));
    expect(before.secrets).toEqual([
      { key: 'SIGNING_KEY', description: 'HMAC key for outgoing webhooks', required: true, set: false, updated_at: null },
      { key: 'OTHER', description: 'unused', required: false, set: false, updated_at: null },
    ]);
    expect(expectData(await t.api('POST', '/plugins/signer/sign', { token: t.adminToken, body: { message: 'hi' } }))).toEqual({ signature: null });

    expectData(await t.api('PUT', '/admin/plugins/signer/secrets/SIGNING_KEY', { token: t.adminToken, body: { value: 'k3y-material' } }), 204);
    const signed = expectData(await t.api('POST', '/plugins/signer/sign', { token: t.adminToken, body: { message: 'hi' } }));
    expect(signed).toEqual({ signature: createHmac('sha256', 'k3y-material').update('hi').digest('hex'), undeclared: 'PLUGIN_SECRET_UNDECLARED' });

    const after = expectData(await t.api('GET', '/admin/plugins/signer/secrets', { token: t.adminToken }));
    expect(after.secrets[0]).toMatchObject({ key: 'SIGNING_KEY', set: true });
    expect(JSON.stringify(after)).not.toContain('k3y-material');
    const stored = await t.kernel.database.knex('plugin_secrets').where({ plugin_id: 'signer', key: 'SIGNING_KEY' }).first();
    expect(stored.ciphertext.startsWith('v1:')).toBe(true);
    expect(stored.ciphertext).not.toContain('k3y-material');
  });

  it('refuses undeclared keys, bad input and non-admins, changing nothing', async () => {
    expectError(await t.api('PUT', '/admin/plugins/signer/secrets/UNKNOWN', { token: t.adminToken, body: { value: 'x' } }), 422, 'PLUGIN_SECRET_UNDECLARED');
    expectError(await t.api('PUT', '/admin/plugins/signer/secrets/lower', { token: t.adminToken, body: { value: 'x' } }), 422, 'VALIDATION_FAILED');
    expectError(await t.api('PUT', '/admin/plugins/signer/secrets/OTHER', { token: t.adminToken, body: { value: '' } }), 422, 'VALIDATION_FAILED');
    expectError(await t.api('PUT', '/admin/plugins/nobody/secrets/OTHER', { token: t.adminToken, body: { value: 'x' } }), 404, 'PLUGIN_NOT_FOUND');
    const user = await t.createUser();
    expectError(await t.api('PUT', '/admin/plugins/signer/secrets/OTHER', { token: user.token, body: { value: 'x' } }), 403, 'FORBIDDEN');
    expectError(await t.api('GET', '/admin/plugins/signer/secrets', { token: user.token }), 403, 'FORBIDDEN');
    expectError(await t.api('GET', '/admin/plugins/signer/secrets'), 401, 'AUTH_UNAUTHENTICATED');
    const rows = await t.kernel.database.knex('plugin_secrets').where({ plugin_id: 'signer' }).pluck('key');
    expect(rows).toEqual(['SIGNING_KEY']);
  });

  it('clears a secret', async () => {
    expectData(await t.api('DELETE', '/admin/plugins/signer/secrets/SIGNING_KEY', { token: t.adminToken }), 204);
    expect(expectData(await t.api('POST', '/plugins/signer/sign', { token: t.adminToken, body: { message: 'hi' } }))).toEqual({ signature: null });
  });
});
