import { startTestKernel, type TestKernel } from '@paca/kernel/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// The built module, as plugins (and the test context's client) use it: one ApiError class.
import { ApiError } from '@paca/plugin-sdk/web';
import { createTestSlotContext } from './testing.js';

let t: TestKernel;
let baseUrl: string;
beforeAll(async () => {
  t = await startTestKernel();
  baseUrl = await t.listen();
});
afterAll(() => t?.close());

describe('the browser API client against a kernel', () => {
  it('unwraps the envelope of a success', async () => {
    const { api } = createTestSlotContext({ baseUrl, token: t.adminToken });
    const project = await api.post<{ id: string; name: string }>('/projects', { name: 'Client check' });
    expect(project.name).toBe('Client check');
    expect((await api.get<{ name: string }>(`/projects/${project.id}`)).name).toBe('Client check');
  });

  it('throws ApiError with the code, message, field and request id of a refusal', async () => {
    const { api } = createTestSlotContext({ baseUrl, token: t.adminToken });
    const error = await api.post('/projects', { name: '' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ status: 422, code: 'VALIDATION_FAILED' });
    expect((error as ApiError).field).toMatch(/name/);
    expect((error as ApiError).requestId).toBeTruthy();
  });

  it('reports 401 without credentials', async () => {
    const { api } = createTestSlotContext({ baseUrl });
    await expect(api.get('/users/me')).rejects.toMatchObject({ status: 401, code: 'AUTH_UNAUTHENTICATED' });
  });
});
