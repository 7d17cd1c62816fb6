import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig, type KernelConfig } from './config/config.js';
import { openKernel } from './open-kernel.js';

const run = promisify(execFile);
const ADMIN_CLI = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../dist/admin-cli.js');
const dirs: string[] = [];
afterAll(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

async function embeddedConfig(env: Record<string, string> = {}): Promise<KernelConfig> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'paca-boot-'));
  dirs.push(dataDir);
  const config = loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: 'silent', ...env });
  config.passwordHashing = { memoryCost: 1024, timeCost: 1, parallelism: 1 };
  return config;
}

async function login(config: KernelConfig, password: string): Promise<number> {
  const kernel = await openKernel(config, { logger: false });
  try {
    const response = await kernel.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username: config.adminUsername, password } });
    return response.statusCode;
  } finally {
    await kernel.close();
  }
}

describe('admin bootstrap (D10), embedded data directory', () => {
  it('generates the admin password once, saves it 0600, and keeps the admin across restarts', async () => {
    const config = await embeddedConfig();
    const first = await openKernel(config, { logger: false });
    const generated = first.bootstrap.generatedPassword!;
    expect(first.bootstrap.created).toBe(true);
    expect(generated.length).toBeGreaterThanOrEqual(16);
    const file = path.join(config.dataDir, 'admin-password');
    expect((await readFile(file, 'utf8')).trim()).toBe(generated);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    const me = await first.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username: 'admin', password: generated } });
    expect(me.json().data.user.must_change_password).toBe(false);
    const permissions = await first.app.inject({ method: 'GET', url: '/api/v1/users/me/global-permissions', headers: { authorization: `Bearer ${me.json().data.access_token}` } });
    expect(permissions.json().data.actions).toEqual(expect.arrayContaining(['users:write', 'roles:write', 'projects:create', 'settings:write']));
    await first.close();

    // A later ADMIN_PASSWORD does not reset an existing admin.
    const again = await openKernel({ ...config, adminPassword: 'a-new-password-123' }, { logger: false });
    expect(again.bootstrap).toEqual({ created: false, generatedPassword: null });
    await again.close();
    expect(await login(config, 'a-new-password-123')).toBe(401);
    expect(await login(config, generated)).toBe(200);
  });

  it('uses ADMIN_PASSWORD on first boot, and `npm run admin -- reset-password` replaces it', async () => {
    const config = await embeddedConfig({ ADMIN_PASSWORD: 'chosen-password-1' });
    const kernel = await openKernel(config, { logger: false });
    expect(kernel.bootstrap).toEqual({ created: true, generatedPassword: null });
    await kernel.close();
    expect(await login(config, 'chosen-password-1')).toBe(200);

    const { stdout } = await run(process.execPath, [ADMIN_CLI, 'reset-password', '--password', 'reset-password-2'], {
      env: { ...process.env, DATA_DIR: config.dataDir, DATABASE_URL: '' },
    });
    expect(stdout).toContain('was reset');
    expect(await login(config, 'chosen-password-1')).toBe(401);
    expect(await login(config, 'reset-password-2')).toBe(200);
  });

  it('refuses to start with an invalid environment, naming every problem', async () => {
    const main = path.resolve(path.dirname(ADMIN_CLI), 'main.js');
    const failure = await run(process.execPath, [main], { env: { ...process.env, PORT: 'x', DATABASE_URL: 'postgres://h/db', JWT_SECRET: '', ENCRYPTION_KEY: '' } })
      .then(() => null, (error: { code: number; stderr: string }) => error);
    expect(failure?.code).toBe(1);
    expect(failure?.stderr).toContain('PORT must be an integer');
    expect(failure?.stderr).toContain('JWT_SECRET is required when DATABASE_URL is set');
  });
});
