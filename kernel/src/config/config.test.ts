import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, ENV_VARIABLES, loadConfig, REPOSITORY_ROOT } from './config.js';
import { resolveSecrets } from './secrets.js';

const problemsOf = (env: Record<string, string>) => {
  try {
    loadConfig(env);
    return [];
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems;
  }
};

describe('loadConfig', () => {
  it('defaults to embedded mode on port 8080 with ./data at the repository root', () => {
    const config = loadConfig({});
    expect(config.mode).toBe('embedded');
    expect(config.port).toBe(8080);
    expect(config.dataDir).toBe(path.join(REPOSITORY_ROOT, 'data'));
    expect(config.jwtAccessTtlMs).toBe(15 * 60_000);
    expect(config.jwtRefreshTtlMs).toBe(168 * 3_600_000);
    expect(config.authRateLimitPerMinute).toBe(10);
    expect(config.adminUsername).toBe('admin');
  });

  it('requires shared secrets in services mode (D9)', () => {
    const problems = problemsOf({ DATABASE_URL: 'postgres://localhost/paca' });
    expect(problems).toContain('JWT_SECRET is required when DATABASE_URL is set (replicas must share it)');
    expect(problems).toContain('ENCRYPTION_KEY is required when DATABASE_URL is set (replicas must share it)');
    const config = loadConfig({ DATABASE_URL: 'postgres://localhost/paca', JWT_SECRET: 'x'.repeat(32), ENCRYPTION_KEY: 'ab'.repeat(32) });
    expect(config.mode).toBe('services');
  });

  it('reports every invalid variable at once, with a clear message', () => {
    const problems = problemsOf({
      PORT: 'eighty', JWT_ACCESS_TTL: '15 minutes', ENCRYPTION_KEY: 'short', COOKIE_SECURE: 'maybe',
      STORAGE_PROVIDER: 'ftp', LOG_LEVEL: 'loud', REDIS_URL: 'http://x', ADMIN_USERNAME: 'Admin!',
    });
    expect(problems).toHaveLength(8);
    expect(problems.join('\n')).toMatch(/PORT must be an integer/);
    expect(problems.join('\n')).toMatch(/JWT_ACCESS_TTL must be a duration/);
  });

  it('needs credentials and an endpoint for S3 storage', () => {
    expect(problemsOf({ STORAGE_PROVIDER: 's3' })).toEqual([
      'STORAGE_ENDPOINT is required when STORAGE_PROVIDER=s3',
      'STORAGE_ACCESS_KEY_ID is required when STORAGE_PROVIDER=s3',
      'STORAGE_SECRET_ACCESS_KEY is required when STORAGE_PROVIDER=s3',
    ]);
  });

  it('never prints database passwords in its messages', () => {
    const problems = problemsOf({ DATABASE_URL: 'mysql://user:hunter2@db/paca' });
    expect(problems.join('\n')).not.toContain('hunter2');
  });

  it('is documented: README lists every variable the kernel reads', () => {
    const readme = readFileSync(path.join(REPOSITORY_ROOT, 'README.md'), 'utf8');
    for (const variable of ENV_VARIABLES) expect(readme, variable.name).toContain(`| \`${variable.name}\` |`);
  });
});

describe('resolveSecrets', () => {
  it('generates missing secrets once into DATA_DIR (0600) and reuses them', async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'paca-secrets-'));
    const config = loadConfig({ DATA_DIR: dataDir });
    const first = await resolveSecrets(config);
    expect(first.encryptionKey).toMatch(/^[0-9a-f]{64}$/);
    expect(first.jwtSecret.length).toBeGreaterThanOrEqual(32);
    const file = path.join(dataDir, 'secrets.json');
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(await resolveSecrets(config)).toEqual(first);
    expect(JSON.parse(await readFile(file, 'utf8')).jwt_secret).toBe(first.jwtSecret);
  });

  it('prefers the environment over stored secrets', async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'paca-secrets-'));
    const secrets = await resolveSecrets(loadConfig({ DATA_DIR: dataDir, JWT_SECRET: 'j'.repeat(40), ENCRYPTION_KEY: 'cd'.repeat(32) }));
    expect(secrets).toEqual({ jwtSecret: 'j'.repeat(40), encryptionKey: 'cd'.repeat(32) });
  });
});
