import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { ManualClock } from '../clock.js';
import { loadConfig, type KernelConfig } from '../config/config.js';
import type { PluginDefinition } from '@paca/plugin-sdk';
import { createKernel, type Kernel, type KernelOptions } from '../kernel.js';
import type { PluginSource } from '../plugins/plugin-source.js';
import { createTestDatabase } from './test-database.js';

export const TEST_ADMIN_PASSWORD = 'admin-password-for-tests';

export interface StartTestKernelOptions {
  /** Start the kernel clock here; advance it with `kernel.clock.advance(ms)`. */
  now?: Date | string | number;
  /** Environment variables layered over the test defaults (validated like at boot). */
  env?: Record<string, string>;
  /**
   * Plugins to load beside the discovered core plugins: a manifest (the parsed `plugin.json`)
   * and its `definePlugin` result. `origin: 'core'` treats it like one from `core-plugins/`.
   */
  plugins?: TestPlugin[];
  /** Load the repository's `core-plugins/` (default true). */
  corePlugins?: boolean;
  /** Realtime timing; tests default to fast sweeps and expiry checks. */
  realtime?: KernelOptions['realtime'];
  /** WASM plugins' `http.fetch` resolver and dialer. */
  wasmFetch?: KernelOptions['wasmFetch'];
}

export interface TestPlugin {
  manifest: unknown;
  definition?: PluginDefinition;
  origin?: 'core' | 'installed';
  /** A folder holding the plugin, when its entry module should be imported from disk. */
  dir?: string;
}

export interface ApiCall {
  body?: unknown;
  token?: string;
  apiKey?: string;
  headers?: Record<string, string>;
  cookies?: Record<string, string>;
  query?: Record<string, string>;
  remoteAddress?: string;
}

export interface ApiResponse<T = any> {
  status: number;
  /** Parsed JSON body (null for an empty body). */
  json: T;
  headers: LightMyRequestResponse['headers'];
  cookies: Array<{ name: string; value: string; [k: string]: unknown }>;
  raw: LightMyRequestResponse;
}

export interface TestUser {
  id: string;
  username: string;
  password: string;
  token: string;
}

export interface TestKernel {
  /** The running kernel (a new one after `restart`). */
  readonly kernel: Kernel;
  clock: ManualClock;
  config: KernelConfig;
  /** Bearer token of the bootstrap SUPER_ADMIN. */
  adminToken: string;
  /** Calls the API in-process (`app.inject`): `/api/v1` is prefixed to paths that lack `/api`. */
  api<T = any>(method: InjectOptions['method'], url: string, call?: ApiCall): Promise<ApiResponse<T>>;
  login(username: string, password: string): Promise<string>;
  /**
   * A user created by the admin, password already changed, logged in. `platformRoles: []` gives a
   * principal with no roles at all (D15 negative tests); default is the default role (USER).
   */
  createUser(options?: { username?: string; platformRoles?: string[] }): Promise<TestUser>;
  /** Listens on a free loopback port (sockets need a real server); returns the base URL. */
  listen(): Promise<string>;
  /** Stops the kernel and boots a new one on the same database (and the same plugins unless given). */
  restart(options?: { plugins?: TestPlugin[] }): Promise<void>;
  close(): Promise<void>;
}

let userCounter = 0;

/**
 * Boots a whole kernel on a fresh database for one test file: PGlite from a dumped template, or a
 * new PostgreSQL database when `DATABASE_URL` is set (dropped on close). The clock is manual.
 */
export async function startTestKernel(options: StartTestKernelOptions = {}): Promise<TestKernel> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'paca-test-'));
  const config = loadConfig({
    DATA_DIR: dataDir,
    ADMIN_PASSWORD: TEST_ADMIN_PASSWORD,
    LOG_LEVEL: 'silent',
    AUTH_RATE_LIMIT_PER_MINUTE: '0',
    JWT_SECRET: 'test-jwt-secret-test-jwt-secret-0123456789',
    ENCRYPTION_KEY: '0'.repeat(64),
    // Services CI runs set REDIS_URL: test kernels then use the real Redis too.
    ...(process.env.REDIS_URL ? { REDIS_URL: process.env.REDIS_URL } : {}),
    ...options.env,
  });
  // Cheap argon2id in tests only (D11); production keeps the OWASP parameters.
  config.passwordHashing = { memoryCost: 1024, timeCost: 1, parallelism: 1 };
  // Services mode is decided by DATABASE_URL; tests pick their database themselves.
  config.databaseUrl = null;
  const clock = new ManualClock(options.now ?? Date.now());
  const testDb = await createTestDatabase();
  const redisNamespace = `paca:test:${randomBytes(6).toString('hex')}:`;
  const boot = (plugins: TestPlugin[]) => createKernel({
    config, clock, database: testDb.database, logger: false, redisNamespace,
    secrets: { jwtSecret: config.jwtSecret!, encryptionKey: config.encryptionKey! },
    plugins: plugins.map(toSource),
    realtime: { sweepIntervalMs: 200, expiryCheckMs: 100, ...options.realtime },
    ...(options.wasmFetch ? { wasmFetch: options.wasmFetch } : {}),
    ...(options.corePlugins === false ? { corePluginsDir: null } : {}),
  });
  let currentPlugins = options.plugins ?? [];
  let kernel = await boot(currentPlugins);

  const api = async <T = any>(method: InjectOptions['method'], url: string, call: ApiCall = {}): Promise<ApiResponse<T>> => {
    const headers: Record<string, string> = { ...call.headers };
    if (call.token) headers.authorization = `Bearer ${call.token}`;
    if (call.apiKey) headers['x-api-key'] = call.apiKey;
    const payload = call.body === undefined ? undefined : typeof call.body === 'string' ? call.body : JSON.stringify(call.body);
    if (payload !== undefined && !Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) headers['content-type'] = 'application/json';
    const response = await kernel.app.inject({
      method, url: url.startsWith('/api') ? url : `/api/v1${url}`, headers, payload, query: call.query, cookies: call.cookies,
      ...(call.remoteAddress ? { remoteAddress: call.remoteAddress } : {}),
    });
    let json: any = null;
    if (response.body) {
      try {
        json = JSON.parse(response.body);
      } catch {
        json = response.body;
      }
    }
    return { status: response.statusCode, json, headers: response.headers, cookies: response.cookies as ApiResponse['cookies'], raw: response };
  };

  const login = async (username: string, password: string) => {
    const response = await api('POST', '/auth/login', { body: { username, password } });
    if (response.status !== 200) throw new Error(`login as ${username} failed: ${response.status} ${JSON.stringify(response.json)}`);
    return response.json.data.access_token as string;
  };

  const adminToken = await login(config.adminUsername, TEST_ADMIN_PASSWORD);

  const createUser: TestKernel['createUser'] = async (userOptions = {}) => {
    const username = userOptions.username ?? `user${++userCounter}_${Math.random().toString(36).slice(2, 8)}`;
    const password = 'first-password-1';
    const created = await api('POST', '/admin/users', { token: adminToken, body: { username, password, full_name: username } });
    if (created.status !== 201) throw new Error(`create user failed: ${created.status} ${JSON.stringify(created.json)}`);
    const id = created.json.data.id as string;
    const { roles } = kernel.services;
    const platformRoles = userOptions.platformRoles;
    if (platformRoles) {
      const db = kernel.database.knex;
      await db('role_attachments').where({ principal_type: 'user', principal_id: id }).whereNull('project_id').delete();
      for (const key of platformRoles) await roles.attachTrusted(db, { type: 'user', id }, await roles.platformRoleId(db, key), null, null);
    }
    await kernel.database.knex('users').where({ id }).update({ must_change_password: false });
    return { id, username, password, token: await login(username, password) };
  };

  return {
    get kernel() {
      return kernel;
    },
    clock, config, adminToken, api, login, createUser,
    async listen() {
      const address = await kernel.app.listen({ port: 0, host: '127.0.0.1' });
      return address.replace('localhost', '127.0.0.1');
    },
    async restart(restartOptions = {}) {
      await kernel.close({ keepDatabase: true });
      currentPlugins = restartOptions.plugins ?? currentPlugins;
      kernel = await boot(currentPlugins);
    },
    async close() {
      await kernel.close();
      await testDb.dispose();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

function toSource(plugin: TestPlugin): PluginSource {
  return { origin: plugin.origin ?? 'installed', dir: plugin.dir ?? null, manifest: plugin.manifest, ...(plugin.definition ? { definition: plugin.definition } : {}) };
}
