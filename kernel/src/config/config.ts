import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseDuration } from './duration.js';

/** The repository root: `./data` and other relative paths resolve from here, not from the cwd. */
export const REPOSITORY_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

export interface KernelConfig {
  mode: 'embedded' | 'services';
  port: number;
  host: string;
  dataDir: string;
  /** The built web shell served at `/` (`WEB_DIR`, default web-shell/dist); null = API only. */
  webDir: string | null;
  databaseUrl: string | null;
  databasePoolMax: number;
  redisUrl: string | null;
  jwtSecret: string | null;
  jwtAccessTtlMs: number;
  jwtRefreshTtlMs: number;
  jwtRefreshSessionTtlMs: number;
  adminUsername: string;
  adminPassword: string | null;
  encryptionKey: string | null;
  publicUrl: string;
  cookieSecure: boolean;
  corsOrigins: string[];
  storage: StorageConfig;
  authRateLimitPerMinute: number;
  bodyLimitBytes: number;
  eventRetentionDays: number;
  /** WASM plugins (D23): a call's time limit, and the largest memory maximum a module may declare. */
  wasmCallTimeoutMs: number;
  wasmMemoryLimitPages: number;
  /** Fastify `trustProxy`: which hops may set X-Forwarded-For (the rate limit keys on the client IP). */
  trustProxy: boolean | number | string;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** argon2id cost; tests lower it, production keeps the OWASP parameters. */
  passwordHashing: { memoryCost: number; timeCost: number; parallelism: number };
}

export interface StorageConfig {
  provider: 'fs' | 's3';
  endpoint: string | null;
  publicUrl: string | null;
  region: string;
  bucket: string;
  accessKeyId: string | null;
  secretAccessKey: string | null;
  useSsl: boolean;
  /** Largest object in bytes (D12: 100 MiB unless `STORAGE_MAX_OBJECT_BYTES` says otherwise). */
  maxObjectBytes: number;
}

/** One documented environment variable; README's configuration table lists exactly these. */
export interface EnvVariable {
  name: string;
  default: string;
  description: string;
}

export const ENV_VARIABLES: EnvVariable[] = [
  { name: 'PORT', default: '8080', description: 'HTTP port of the kernel.' },
  { name: 'HOST', default: '0.0.0.0', description: 'Interface the kernel listens on.' },
  { name: 'DATA_DIR', default: '`./data` (repository root)', description: 'Embedded database (`pglite/`), objects, generated secrets and the generated admin password.' },
  { name: 'WEB_DIR', default: 'web-shell/dist', description: 'The built web shell served at `/` (`none`: serve the API only).' },
  { name: 'DATABASE_URL', default: '(unset: embedded PGlite)', description: 'PostgreSQL connection string; setting it switches to services mode (D9).' },
  { name: 'DATABASE_POOL_MAX', default: '10', description: 'PostgreSQL pool size (services mode).' },
  { name: 'REDIS_URL', default: '(unset)', description: 'Redis/Valkey; when set, the login rate limit is shared by every replica.' },
  { name: 'JWT_SECRET', default: 'generated into `DATA_DIR` (embedded); required with `DATABASE_URL`', description: 'HMAC key for access tokens (≥ 32 characters); replicas must share it.' },
  { name: 'JWT_ACCESS_TTL', default: '15m', description: 'Access token lifetime.' },
  { name: 'JWT_REFRESH_TTL', default: '168h', description: 'Refresh token lifetime with `remember_me`.' },
  { name: 'JWT_REFRESH_SESSION_TTL', default: '24h', description: 'Refresh token lifetime without `remember_me`.' },
  { name: 'ADMIN_USERNAME', default: 'admin', description: 'Bootstrap SUPER_ADMIN account, created on first boot (D10).' },
  { name: 'ADMIN_PASSWORD', default: 'generated, printed once, saved to `DATA_DIR/admin-password`', description: 'Password of the bootstrap admin on first boot; later changes do not reset it (use `npm run admin -- reset-password`).' },
  { name: 'ENCRYPTION_KEY', default: 'generated into `DATA_DIR` (embedded); required with `DATABASE_URL`', description: '64 hex characters; encrypts secrets at rest (versioned `v1:` ciphertexts).' },
  { name: 'PUBLIC_URL', default: 'http://localhost:$PORT', description: 'Public origin of the platform; trusted for cookie-authenticated writes (D6).' },
  { name: 'COOKIE_SECURE', default: 'true when `PUBLIC_URL` is https', description: 'Marks auth cookies `Secure`.' },
  { name: 'CORS_ORIGINS', default: '(empty: same origin only)', description: 'Comma-separated extra origins allowed for CORS and cookie-authenticated writes.' },
  { name: 'STORAGE_PROVIDER', default: 'fs', description: 'Object storage: `fs` (under `DATA_DIR/objects`, presigned URLs served by the kernel) or `s3` (any S3-compatible server, D12).' },
  { name: 'STORAGE_ENDPOINT', default: '(unset)', description: 'S3/MinIO endpoint URL without a path, e.g. `http://minio:9000` (required for `s3`).' },
  { name: 'STORAGE_PUBLIC_URL', default: '(unset: `STORAGE_ENDPOINT` for s3, `PUBLIC_URL` for fs)', description: 'Public base URL that presigned storage URLs are rewritten to (s3: signed for this host; a proxy must keep the Host header and strip any path prefix).' },
  { name: 'STORAGE_REGION', default: 'us-east-1', description: 'S3 region.' },
  { name: 'STORAGE_BUCKET', default: 'paca', description: 'Bucket, created if missing (a valid S3 bucket name).' },
  { name: 'STORAGE_ACCESS_KEY_ID', default: '(unset)', description: 'S3 access key (required for `s3`).' },
  { name: 'STORAGE_SECRET_ACCESS_KEY', default: '(unset)', description: 'S3 secret key (required for `s3`).' },
  { name: 'STORAGE_USE_SSL', default: 'true when `STORAGE_ENDPOINT` is https', description: 'Use TLS towards `STORAGE_ENDPOINT`; must agree with its scheme.' },
  { name: 'STORAGE_MAX_OBJECT_BYTES', default: '104857600 (100 MiB)', description: 'Largest object; bigger uploads get 413 `PAYLOAD_TOO_LARGE` (fs: while streaming; s3: when the upload is verified).' },
  { name: 'AUTH_RATE_LIMIT_PER_MINUTE', default: '10', description: 'Login attempts per client IP per minute (refresh gets 3×); 0 disables (D7).' },
  { name: 'HTTP_BODY_LIMIT', default: '1048576', description: 'Largest accepted JSON body in bytes; larger gets 413 `PAYLOAD_TOO_LARGE`.' },
  { name: 'EVENT_RETENTION_DAYS', default: '7', description: 'How long published events stay in the outbox (D24); consumers catch up within this window.' },
  { name: 'WASM_CALL_TIMEOUT_MS', default: '5000', description: 'How long one WASM plugin call may run before it is stopped with PLUGIN_CALL_TIMEOUT (D23).' },
  { name: 'WASM_MEMORY_LIMIT_PAGES', default: '1024', description: 'The largest memory maximum (64 KiB pages; 1024 = 64 MiB) a WASM plugin may declare; larger or unbounded modules are refused (D23).' },
  { name: 'TRUST_PROXY', default: 'false', description: 'Proxies whose `X-Forwarded-For` is believed: `false`, `true` (any: only behind a proxy that overwrites it), a hop count, or comma-separated addresses/CIDRs (e.g. `127.0.0.1,10.0.0.0/8`). Per-IP limits key on the result.' },
  { name: 'LOG_LEVEL', default: 'info', description: 'pino level: fatal, error, warn, info, debug, trace or silent.' },
];

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** Raised at boot with every problem found, so an operator fixes them in one go. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

/**
 * Reads and validates the environment. Secrets that embedded mode may generate stay null here;
 * `resolveSecrets` fills them from `DATA_DIR` (D9).
 */
export function loadConfig(env: Env = process.env): KernelConfig {
  const problems: string[] = [];
  const text = (name: string): string | null => {
    const value = env[name]?.trim();
    return value ? value : null;
  };
  const integer = (name: string, fallback: number, min: number, max: number): number => {
    const raw = text(name);
    if (raw === null) return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < min || value > max) {
      problems.push(`${name} must be an integer between ${min} and ${max} (got "${raw}")`);
      return fallback;
    }
    return value;
  };
  const duration = (name: string, fallback: string): number => {
    const raw = text(name) ?? fallback;
    const value = parseDuration(raw);
    if (value === null) {
      problems.push(`${name} must be a duration such as 30s, 15m, 24h or 7d (got "${raw}")`);
      return parseDuration(fallback)!;
    }
    return value;
  };
  const bool = (name: string, fallback: boolean): boolean => {
    const raw = text(name)?.toLowerCase();
    if (raw === undefined) return fallback;
    if (['1', 'true', 'yes', 'on'].includes(raw)) return true;
    if (['0', 'false', 'no', 'off'].includes(raw)) return false;
    problems.push(`${name} must be true or false (got "${raw}")`);
    return fallback;
  };
  const url = (name: string, protocols: string[]): string | null => {
    const raw = text(name);
    if (raw === null) return null;
    try {
      const parsed = new URL(raw);
      if (!protocols.includes(parsed.protocol)) throw new Error('protocol');
      return raw;
    } catch {
      problems.push(`${name} must be a ${protocols.join(' or ')} URL (got "${redact(raw)}")`);
      return null;
    }
  };

  const port = integer('PORT', 8080, 0, 65535);
  const databaseUrl = url('DATABASE_URL', ['postgres:', 'postgresql:']);
  const mode = databaseUrl ? 'services' : 'embedded';

  const jwtSecret = text('JWT_SECRET');
  if (jwtSecret !== null && jwtSecret.length < 32) problems.push('JWT_SECRET must be at least 32 characters');
  const encryptionKey = text('ENCRYPTION_KEY');
  if (encryptionKey !== null && !/^[0-9a-fA-F]{64}$/.test(encryptionKey)) {
    problems.push('ENCRYPTION_KEY must be 64 hex characters (run: openssl rand -hex 32)');
  }
  if (mode === 'services') {
    if (jwtSecret === null) problems.push('JWT_SECRET is required when DATABASE_URL is set (replicas must share it)');
    if (encryptionKey === null) problems.push('ENCRYPTION_KEY is required when DATABASE_URL is set (replicas must share it)');
  }

  const adminUsername = text('ADMIN_USERNAME') ?? 'admin';
  if (!/^[a-z0-9_.-]{3,32}$/.test(adminUsername)) problems.push('ADMIN_USERNAME must match ^[a-z0-9_.-]{3,32}$');
  const adminPassword = text('ADMIN_PASSWORD');
  if (adminPassword !== null && adminPassword.length < 8) problems.push('ADMIN_PASSWORD must be at least 8 characters');

  const publicUrl = (url('PUBLIC_URL', ['http:', 'https:']) ?? `http://localhost:${port}`).replace(/\/+$/, '');
  const corsOrigins = (text('CORS_ORIGINS') ?? '').split(',').map((o) => o.trim().replace(/\/+$/, '')).filter(Boolean);
  for (const origin of corsOrigins) {
    if (origin !== '*' && !/^https?:\/\/[^/]+$/.test(origin)) problems.push(`CORS_ORIGINS entry "${origin}" must be an origin such as https://app.example.com`);
  }

  const provider = text('STORAGE_PROVIDER') ?? 'fs';
  if (provider !== 'fs' && provider !== 's3') problems.push(`STORAGE_PROVIDER must be fs or s3 (got "${provider}")`);
  const storageEndpoint = url('STORAGE_ENDPOINT', ['http:', 'https:']);
  const storage: StorageConfig = {
    provider: provider === 's3' ? 's3' : 'fs',
    endpoint: storageEndpoint,
    publicUrl: url('STORAGE_PUBLIC_URL', ['http:', 'https:'])?.replace(/\/+$/, '') ?? null,
    region: text('STORAGE_REGION') ?? 'us-east-1',
    bucket: text('STORAGE_BUCKET') ?? 'paca',
    accessKeyId: text('STORAGE_ACCESS_KEY_ID'),
    secretAccessKey: text('STORAGE_SECRET_ACCESS_KEY'),
    useSsl: bool('STORAGE_USE_SSL', storageEndpoint ? storageEndpoint.startsWith('https:') : true),
    maxObjectBytes: integer('STORAGE_MAX_OBJECT_BYTES', 104_857_600, 1, 5 * 1024 ** 3),
  };
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(storage.bucket)) problems.push(`STORAGE_BUCKET must be a valid S3 bucket name: 3-63 of a-z, 0-9, "." and "-" (got "${storage.bucket}")`);
  if (storageEndpoint) {
    const endpoint = new URL(storageEndpoint);
    if (endpoint.pathname !== '/' || endpoint.search) problems.push('STORAGE_ENDPOINT must be an origin without a path, such as http://minio:9000');
    if (storage.useSsl !== (endpoint.protocol === 'https:')) problems.push(`STORAGE_USE_SSL=${storage.useSsl} contradicts the ${endpoint.protocol}// STORAGE_ENDPOINT`);
  }
  if (storage.provider === 's3') {
    for (const [name, value] of [['STORAGE_ENDPOINT', storage.endpoint], ['STORAGE_ACCESS_KEY_ID', storage.accessKeyId], ['STORAGE_SECRET_ACCESS_KEY', storage.secretAccessKey]] as const) {
      if (value === null) problems.push(`${name} is required when STORAGE_PROVIDER=s3`);
    }
  }

  const logLevel = (text('LOG_LEVEL') ?? 'info').toLowerCase();
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel)) problems.push(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}`);

  const config: KernelConfig = {
    mode,
    port,
    host: text('HOST') ?? '0.0.0.0',
    dataDir: path.resolve(REPOSITORY_ROOT, text('DATA_DIR') ?? 'data'),
    webDir: text('WEB_DIR') === 'none' ? null : path.resolve(REPOSITORY_ROOT, text('WEB_DIR') ?? 'web-shell/dist'),
    databaseUrl,
    databasePoolMax: integer('DATABASE_POOL_MAX', 10, 1, 1000),
    redisUrl: url('REDIS_URL', ['redis:', 'rediss:']),
    jwtSecret,
    jwtAccessTtlMs: duration('JWT_ACCESS_TTL', '15m'),
    jwtRefreshTtlMs: duration('JWT_REFRESH_TTL', '168h'),
    jwtRefreshSessionTtlMs: duration('JWT_REFRESH_SESSION_TTL', '24h'),
    adminUsername,
    adminPassword,
    encryptionKey: encryptionKey?.toLowerCase() ?? null,
    publicUrl,
    cookieSecure: bool('COOKIE_SECURE', publicUrl.startsWith('https:')),
    corsOrigins,
    storage,
    authRateLimitPerMinute: integer('AUTH_RATE_LIMIT_PER_MINUTE', 10, 0, 1_000_000),
    eventRetentionDays: integer('EVENT_RETENTION_DAYS', 7, 1, 3650),
    wasmCallTimeoutMs: integer('WASM_CALL_TIMEOUT_MS', 5000, 100, 600_000),
    wasmMemoryLimitPages: integer('WASM_MEMORY_LIMIT_PAGES', 1024, 16, 65_536),
    trustProxy: trustProxy(text('TRUST_PROXY')),
    bodyLimitBytes: integer('HTTP_BODY_LIMIT', 1_048_576, 1024, 1_073_741_824),
    logLevel: logLevel as KernelConfig['logLevel'],
    passwordHashing: { memoryCost: 19_456, timeCost: 2, parallelism: 1 },
  };
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}

function trustProxy(raw: string | null): boolean | number | string {
  if (raw === null || raw.toLowerCase() === 'false') return false;
  if (raw.toLowerCase() === 'true') return true;
  if (/^\d+$/.test(raw)) return Number(raw);
  return raw;
}

function redact(raw: string): string {
  return raw.replace(/\/\/([^@/]*)@/, '//***@');
}
