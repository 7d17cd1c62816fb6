import path from 'node:path';
import type { FastifyInstance, FastifyServerOptions } from 'fastify';
import { Redis } from 'ioredis';
import { closeRedis } from './events/close-redis.js';
import { registerWebRoutes } from './web/web-routes.js';
import { registerAdminAgentRoutes } from './agents/admin-agent-routes.js';
import { registerAgentApiKeyRoutes } from './agents/agent-api-key-routes.js';
import { AgentService } from './agents/agent-service.js';
import { registerProjectAgentRoutes } from './agents/project-agent-routes.js';
import { AccessTokens } from './auth/access-tokens.js';
import { registerApiKeyRoutes } from './auth/api-key-routes.js';
import { registerAuthRoutes } from './auth/auth-routes.js';
import { Authenticator } from './auth/authenticate.js';
import { PasswordHasher } from './auth/passwords.js';
import { Sessions } from './auth/sessions.js';
import { bootstrapAdmin, type BootstrapResult } from './bootstrap-admin.js';
import { systemClock, type Clock } from './clock.js';
import type { KernelConfig } from './config/config.js';
import type { KernelSecrets } from './config/secrets.js';
import type { Database } from './db/database.js';
import { migrateKernel } from './db/migrate.js';
import { EventSystem, type EventSystemOptions } from './events/event-system.js';
import { createHttpApp } from './http/create-http-app.js';
import { Router, type RouteRecord } from './http/router.js';
import { IamService } from './iam/iam-service.js';
import { registerRoleRoutes } from './iam/role-routes.js';
import { RoleService } from './iam/role-service.js';
import { kernelNotificationConsumer } from './notifications/notification-consumer.js';
import { registerNotificationRoutes } from './notifications/notification-routes.js';
import { NotificationService } from './notifications/notification-service.js';
import { ActivityLog } from './projects/activity-log.js';
import { SecretBox } from './secrets/secret-box.js';
import { createObjectStorage } from './storage/create-object-storage.js';
import { registerStorageRoutes } from './storage/storage-routes.js';
import { registerActivityRoutes } from './projects/activity-routes.js';
import { registerMemberRoutes } from './projects/member-routes.js';
import { registerProjectRoutes } from './projects/project-routes.js';
import type { KernelServices } from './services.js';
import { registerAdminUserRoutes } from './users/admin-user-routes.js';
import { registerMeRoutes } from './users/me-routes.js';
import { KERNEL_VERSION } from './version.js';
import { KERNEL_TOOLS } from './mcp/kernel-tools.js';
import { ToolCatalogue } from './mcp/tool-catalogue.js';
import { registerToolRoutes } from './mcp/tool-routes.js';
import { ToolCaller } from './mcp/tool-call.js';
import { registerMcpEndpoint } from './mcp/mcp-endpoint.js';
import { createAjv } from './http/validation.js';
import { registerAdminPluginRoutes } from './plugins/admin-plugin-routes.js';
import { HostFunctionRegistry } from './plugins/host-function-registry.js';
import { registerKernelHostFunctions } from './plugins/kernel-host-functions.js';
import { PluginEnablement } from './plugins/plugin-enablement.js';
import { PluginHost } from './plugins/plugin-host.js';
import { registerPluginListRoutes } from './plugins/plugin-list-routes.js';
import { PluginRegistry } from './plugins/plugin-registry.js';
import { registerPluginSecretRoutes } from './plugins/plugin-secret-routes.js';
import { PluginSecrets } from './plugins/plugin-secrets.js';
import { DEFAULT_CORE_PLUGINS_DIR, discoverPlugins, type PluginSource } from './plugins/plugin-source.js';
import { ProjectLifecycle } from './plugins/project-lifecycle.js';
import { createHostDispatcher, type HostCallContext, type HostDispatcherDeps } from './plugins/wasm/host-dispatcher.js';
import { MemoryPluginCache, RedisPluginCache } from './plugins/wasm/plugin-cache.js';
import { loadWasmPlugin } from './plugins/wasm/wasm-plugin.js';
import { WasmSandbox } from './plugins/wasm/wasm-sandbox.js';
import type { PluginManifest } from '@paca/plugin-sdk';
import { registerProjectPluginRoutes } from './plugins/project-plugin-routes.js';
import { RealtimeServer, type RealtimeOptions } from './realtime/realtime-server.js';

export interface KernelOptions {
  config: KernelConfig;
  secrets: KernelSecrets;
  database: Database;
  clock?: Clock;
  logger?: FastifyServerOptions['logger'];
  /** Prefix of every Redis key this kernel writes; tests isolate themselves with it. */
  redisNamespace?: string;
  /** Relay and consumer tuning (tests poll faster, kill hooks). */
  events?: Partial<Pick<EventSystemOptions, 'relay' | 'sweepIntervalMs' | 'runRelay'>>;
  /** Skip migrations when the database is known to be current (test templates). */
  skipMigrations?: boolean;
  /** Plugins supplied in memory (tests, `startTestKernel({ plugins })`), loaded beside discovered ones. */
  plugins?: PluginSource[];
  /** Where core plugins are discovered; default the repository's `core-plugins/`, null = none. */
  corePluginsDir?: string | null;
  /** `http.fetch` resolver and dialer for WASM plugins (tests map a fake public name to a loopback server). */
  wasmFetch?: HostDispatcherDeps['fetch'];
  /** Realtime timing (tests check expiry and sweep faster). */
  realtime?: Partial<Pick<RealtimeOptions, 'sweepIntervalMs' | 'expiryCheckMs' | 'revalidateMs' | 'recoveryMs' | 'maxReplay'>>;
}

export interface Kernel {
  app: FastifyInstance;
  config: KernelConfig;
  database: Database;
  clock: Clock;
  services: KernelServices & { roles: RoleService };
  /** Every route registered through the kernel router, with its access class (D33). */
  routes: RouteRecord[];
  /** Every HTTP route Fastify serves (documentation and health included). */
  httpRoutes: Array<{ method: string; url: string }>;
  bootstrap: BootstrapResult;
  /** Outbox, relay and durable consumers (register plugin and kernel consumers here). */
  events: EventSystem;
  /** Socket.IO at `/ws/socket.io` (D26). */
  realtime: RealtimeServer;
  /** Every plugin found, its state and load error; the MCP tool catalogue; WASM host functions. */
  plugins: { registry: PluginRegistry; catalogue: ToolCatalogue; hostFunctions: HostFunctionRegistry };
  /** Stops serving; `keepDatabase` leaves the database open for another kernel (restart tests). */
  close(options?: { keepDatabase?: boolean }): Promise<void>;
}

/** Wires the kernel: migrations, services, the admin bootstrap and every kernel route. */
export async function createKernel(options: KernelOptions): Promise<Kernel> {
  const { config, secrets, database } = options;
  const clock = options.clock ?? systemClock;
  const db = database.knex;
  if (!options.skipMigrations) await migrateKernel(db);

  const iam = new IamService();
  const passwords = new PasswordHasher(config.passwordHashing);
  const accessTokens = new AccessTokens(secrets.jwtSecret, config.jwtAccessTtlMs, clock);
  const sessions = new Sessions(clock, { rememberMs: config.jwtRefreshTtlMs, sessionMs: config.jwtRefreshSessionTtlMs });
  const roles = new RoleService(iam, clock);
  const logger = options.logger ?? { level: config.logLevel };
  // The HTTP app's logger is created below; event errors are logged through it once it exists.
  let appLog: FastifyInstance['log'] | null = null;
  const eventLog = { error: (object: unknown, message: string) => appLog?.error(object, message) };
  const events = new EventSystem({
    db, clock, redisUrl: config.redisUrl, retentionDays: config.eventRetentionDays, log: eventLog,
    ...(options.redisNamespace ? { redisStream: `${options.redisNamespace}events` } : {}), ...options.events,
  });
  const storage = await createObjectStorage(config, { secrets, clock });
  const registry = new PluginRegistry(db);
  iam.useRoleGrants(registry);
  const projectLifecycle = new ProjectLifecycle(registry, clock);
  const services = {
    config, clock, db, iam, passwords, accessTokens, sessions, roles, activity: new ActivityLog(clock),
    events: events.outbox, secretBox: new SecretBox(secrets.encryptionKey), storage, notifications: new NotificationService(clock, events.outbox),
    projectLifecycle,
  };

  const bootstrap = await bootstrapAdmin({
    db, clock, passwords, roles, username: config.adminUsername, password: config.adminPassword, dataDir: config.dataDir,
  });

  const httpRoutes: Array<{ method: string; url: string }> = [];
  const redis = config.redisUrl ? new Redis(config.redisUrl, { maxRetriesPerRequest: 1, enableOfflineQueue: false, commandTimeout: 500, connectTimeout: 2000 }) : null;
  redis?.on('error', (error) => appLog?.warn({ err: error }, 'redis unavailable; login rate limits are off until it returns'));
  const app = await createHttpApp({
    logger,
    bodyLimitBytes: config.bodyLimitBytes,
    trustProxy: config.trustProxy,
    corsOrigins: config.corsOrigins,
    publicUrl: config.publicUrl,
    version: KERNEL_VERSION,
    redis,
    redisNamespace: options.redisNamespace ?? 'paca:',
    onRoute: (route) => httpRoutes.push(route),
  });
  appLog = app.log;
  const authenticator = new Authenticator(db, accessTokens, clock);
  const trustedOrigins = [config.publicUrl, ...config.corsOrigins];
  const router = new Router(app, {
    db, iam, authenticator, trustedOrigins,
    authRateLimitPerMinute: config.authRateLimitPerMinute,
  });
  registerAuthRoutes(router, services);
  registerMeRoutes(router, services);
  registerApiKeyRoutes(router, services);
  registerAdminUserRoutes(router, services);
  registerRoleRoutes(router, services);
  registerProjectRoutes(router, services);
  registerMemberRoutes(router, services);
  registerActivityRoutes(router, services.activity);
  const agentServices = { ...services, agents: new AgentService(services) };
  registerProjectAgentRoutes(router, agentServices);
  registerAdminAgentRoutes(router, agentServices);
  registerAgentApiKeyRoutes(router, agentServices);
  // S3 presigned URLs point at the bucket; only the fs adapter needs kernel routes for them.
  if (storage.provider === 'fs') registerStorageRoutes(router, storage);
  registerNotificationRoutes(router, services);
  events.register(kernelNotificationConsumer(services.notifications));

  // The plugin host (DESIGN 4): kernel tools first, so a plugin cannot take their names.
  const catalogue = new ToolCatalogue(iam);
  for (const tool of KERNEL_TOOLS) catalogue.add('kernel', tool, router.named(tool.route)!);
  const hostFunctions = new HostFunctionRegistry(db, iam, registry);
  registerKernelHostFunctions(hostFunctions);
  const enablement = new PluginEnablement(registry, projectLifecycle, events.outbox, clock);
  const installedPluginsDir = path.join(config.dataDir, 'plugins');
  registerAdminPluginRoutes(router, { registry, enablement, installedDir: installedPluginsDir });
  const pluginSecrets = new PluginSecrets(services.secretBox, clock);
  registerPluginSecretRoutes(router, { enablement, secrets: pluginSecrets });
  registerProjectPluginRoutes(router, { registry, enablement });
  registerPluginListRoutes(router, { registry, iam });
  const toolCaller = new ToolCaller({ catalogue, registry, iam, ajv: createAjv(false), inject: (request) => app.inject(request) });
  registerToolRoutes(router, { catalogue, registry, iam, caller: toolCaller });
  registerMcpEndpoint(app, { authenticator });
  const corePluginsDir = options.corePluginsDir === undefined ? DEFAULT_CORE_PLUGINS_DIR : options.corePluginsDir;
  const core = corePluginsDir ? await discoverPlugins(corePluginsDir, 'core') : { sources: [], failures: [] };
  const installed = await discoverPlugins(installedPluginsDir, 'installed');
  // Sandboxed plugins (D22, D23): every paca_call is answered by one dispatcher, scoped per call.
  const dispatch = createHostDispatcher({
    db, clock, iam, hostFunctions, outbox: events.outbox, activity: services.activity, secrets: pluginSecrets,
    cache: redis ? new RedisPluginCache(redis, options.redisNamespace ?? 'paca:') : new MemoryPluginCache(() => clock.now().getTime()),
    log: app.log, ...(options.wasmFetch ? { fetch: options.wasmFetch } : {}),
  });
  const wasm = {
    load: (source: PluginSource, manifest: PluginManifest) => loadWasmPlugin(source, manifest, {
      db, clock, dispatch,
      createSandbox: async (bytes, sandboxManifest, hostCall) => {
        const sandbox = await WasmSandbox.load<HostCallContext>(bytes, {
          pluginId: sandboxManifest.id, memoryLimitPages: config.wasmMemoryLimitPages, callTimeoutMs: config.wasmCallTimeoutMs,
          subscribesToEvents: sandboxManifest.subscriptions.length > 0, hostCall: (request, context) => hostCall(request, context),
        });
        return { call: async (fn, input, context) => (await sandbox.call(fn, input, context)).output, close: () => sandbox.close() };
      },
    }),
  };
  const host = new PluginHost({
    db, clock, router, iam, events, activity: services.activity, notifications: services.notifications, storage, registry, hostFunctions,
    catalogue, lifecycle: projectLifecycle, secrets: pluginSecrets, logger: app.log, hostVersion: KERNEL_VERSION, wasm,
  });
  await host.load([...core.sources, ...installed.sources, ...(options.plugins ?? [])], [...core.failures, ...installed.failures]);
  await host.provisionExistingProjects();
  const realtime = new RealtimeServer({
    httpServer: app.server, db, clock, iam, registry, authenticator, events, parseCookie: (header) => app.parseCookie(header),
    trustedOrigins, corsOrigins: config.corsOrigins, redisUrl: config.redisUrl, redisNamespace: options.redisNamespace ?? 'paca:',
    log: app.log, ...options.realtime,
  });
  await registerWebRoutes(app, {
    webDir: config.webDir, registry,
    connectOrigins: [config.storage.publicUrl, config.storage.endpoint].filter((o): o is string => !!o).map((o) => new URL(o).origin),
  });
  await app.ready();
  events.start();
  realtime.start();

  return {
    app, config, database, clock, services, routes: router.records, httpRoutes, bootstrap, events, realtime,
    plugins: { registry, catalogue, hostFunctions },
    async close(closeOptions = {}) {
      await realtime.close();
      await app.close();
      await host.close();
      await events.stop();
      if (redis) await closeRedis(redis);
      if (!closeOptions.keepDatabase) await database.close();
    },
  };
}
