import { startTestKernel, TEST_ADMIN_PASSWORD, type TestKernel } from '@paca/kernel/testing';
import { createPinia, setActivePinia } from 'pinia';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { useSession } from './session.js';

// The shell's session against a real kernel: the browser's cookies carry it (happy-dom keeps
// them for the page's origin, which is the kernel's).
let t: TestKernel;
let baseUrl: string;

beforeAll(async () => {
  t = await startTestKernel();
  baseUrl = await t.listen();
  (globalThis as { happyDOM?: { setURL(url: string): void } }).happyDOM?.setURL(`${baseUrl}/login`);
});
afterAll(() => t?.close());
beforeEach(() => {
  setActivePinia(createPinia());
  localStorage.clear();
});

describe('the session store', () => {
  it('signs in, loads the platform actions, and signs out', async () => {
    const session = useSession();
    await session.load();
    expect(session.user).toBeNull();
    const user = await session.login('admin', TEST_ADMIN_PASSWORD, false);
    expect(user.username).toBe('admin');
    expect(session.can('users:read')).toBe(true);
    await session.logout();
    expect(session.user).toBeNull();
    const again = useSession();
    await again.load();
    expect(again.user).toBeNull();
  });

  it('rejects a wrong password with the API’s code and keeps nobody signed in', async () => {
    const session = useSession();
    await expect(session.login('admin', 'not-the-password', false)).rejects.toMatchObject({ status: 401, code: 'AUTH_INVALID_CREDENTIALS' });
    expect(session.user).toBeNull();
  });

  it('holds a new user at the forced password change until they choose one', async () => {
    const created = await t.api('POST', '/admin/users', { token: t.adminToken, body: { username: 'newbie', password: 'temporary-123' } });
    expect(created.status).toBe(201);
    const session = useSession();
    await session.login('newbie', 'temporary-123', false);
    expect(session.mustChangePassword).toBe(true);
    await session.load();
    expect(session.mustChangePassword).toBe(true);
    await expect(session.changePassword('wrong-current', 'chosen-password-1')).rejects.toMatchObject({ status: expect.any(Number) });
    await session.changePassword('temporary-123', 'chosen-password-1');
    expect(session.mustChangePassword).toBe(false);
    expect(session.user?.username).toBe('newbie');
  });
});
