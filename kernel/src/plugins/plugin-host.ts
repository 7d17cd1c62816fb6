import path from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  isPacaError, isPluginDefinition, pluginSchemaName, refOwner, type DepsMap, type PacaError, type PluginDefinition,
  type PluginManifest, type PluginRegistrationEnv, type RouteHandler, type ServiceRef,
} from '@paca/plugin-sdk';
import type { FastifyBaseLogger } from 'fastify';
import type { Knex } from 'knex';
import type { Clock } from '../clock.js';
import type { EventSystem } from '../events/event-system.js';
import { storedEventToPluginEvent } from './plugin-event.js';
import { API_PREFIX, type Router, type RouteRecord } from '../http/router.js';
import { createAjv } from '../http/validation.js';
import type { IamService } from '../iam/iam-service.js';
import type { ToolCatalogue } from '../mcp/tool-catalogue.js';
import type { NotificationService } from '../notifications/notification-service.js';
import type { ActivityLog } from '../projects/activity-log.js';
import { checkManifest } from './check-manifest.js';
import type { HostFunctionRegistry } from './host-function-registry.js';
import { dependencyFailed, resolveLoadOrder } from './load-order.js';
import { mountPluginRoute, renderResource, resourceTemplate, type KernelAwareRouteHandler } from './mount-plugin-route.js';
import type { WasmPlugin } from './wasm/wasm-plugin.js';
import type { StoredEvent } from '../events/stored-event.js';
import { runWithConnection } from './plugin-call-context.js';
import { bindPluginDb } from './plugin-db.js';
import {
  PluginActionTaken, PluginEntryInvalid, PluginInitFailed, PluginInvalidManifest, PluginNameTaken, PluginRouteConflict,
  PluginRouteUnbound, PluginRuntimeUnavailable, PluginServiceUnavailable, PluginSubscriptionUnbound,
} from './plugin-errors.js';
import { migratePlugin } from './plugin-migrations.js';
import type { PluginRegistry } from './plugin-registry.js';
import type { PluginSecrets } from './plugin-secrets.js';
import { kernelServicesFor } from './plugin-services.js';
import type { ObjectStorage } from '../storage/object-storage.js';
import type { DiscoveryFailure, PluginSource } from './plugin-source.js';
import type { ProjectLifecycle } from './project-lifecycle.js';
import { emptyStage, type StagedPlugin } from './staged-plugin.js';

export interface PluginHostDeps {
  db: Knex;
  clock: Clock;
  router: Router;
  iam: IamService;
  events: EventSystem;
  activity: ActivityLog;
  notifications: NotificationService;
  storage: ObjectStorage;
  registry: PluginRegistry;
  hostFunctions: HostFunctionRegistry;
  catalogue: ToolCatalogue;
  lifecycle: ProjectLifecycle;
  secrets: PluginSecrets;
  logger: FastifyBaseLogger;
  hostVersion: string;
  /** Loads sandboxed plugins (`runtime: wasm`); without it they fail with PLUGIN_RUNTIME_UNAVAILABLE. */
  wasm?: { load(source: PluginSource, manifest: PluginManifest): Promise<WasmPlugin> };
}

/**
 * Loads native plugins at boot (DESIGN 4): validate manifests → check kernel range and
 * `requires` → dependency order (cycles rejected) → migrations in the plugin's schema →
 * `register` and `init` with typed deps → mount routes, subscriptions, tools, actions, hooks and
 * host functions. A plugin that fails any step is recorded with a coded error naming it, its
 * dependants fail after it, and everything else keeps loading.
 */
export class PluginHost {
  /** Services and extension points plugins provide, by ref id. */
  private readonly provided = new Map<string, { owner: string; implementation: unknown }>();
  /** `METHOD /path/:` → who serves it, to refuse a plugin that would shadow another route. */
  private readonly routeKeys = new Map<string, string>();
  private readonly wasmPlugins: WasmPlugin[] = [];

  constructor(private readonly deps: PluginHostDeps) {}

  async load(sources: PluginSource[], discoveryFailures: DiscoveryFailure[]): Promise<void> {
    const { registry } = this.deps;
    for (const record of this.deps.router.records) this.routeKeys.set(routeKey(record.method, record.url), record.owner);
    for (const failure of discoveryFailures) {
      this.fail(failure.pluginId, failure.origin, null, PluginInvalidManifest({ plugin_id: failure.pluginId, issues: [{ path: 'plugin.json', message: failure.message }] }));
    }

    // Core plugins claim their ids first; an installed plugin may not replace one.
    const ordered = [...sources].sort((a, b) => (a.origin === b.origin ? 0 : a.origin === 'core' ? -1 : 1));
    const ajv = createAjv(false);
    const valid = new Map<string, { source: PluginSource; manifest: PluginManifest }>();
    for (const source of ordered) {
      let manifest: PluginManifest;
      try {
        manifest = checkManifest(source, ajv);
      } catch (error) {
        const id = isPacaError(error) ? String((error.details as { plugin_id?: string })?.plugin_id ?? 'unknown') : 'unknown';
        this.fail(id, source.origin, null, error as PacaError);
        continue;
      }
      const existing = valid.get(manifest.id);
      if (existing) {
        this.fail(manifest.id, source.origin, manifest, PluginNameTaken({ plugin_id: manifest.id, origin: existing.source.origin }));
        continue;
      }
      valid.set(manifest.id, { source, manifest });
    }

    const { order, failures } = resolveLoadOrder([...valid.values()].map((v) => v.manifest), this.deps.hostVersion);
    const enabled = await this.syncInstalled([...valid.values()]);
    for (const [id, error] of failures) this.fail(id, valid.get(id)!.source.origin, valid.get(id)!.manifest, error, enabled.get(id));

    let position = 0;
    for (const manifest of order) {
      const { source } = valid.get(manifest.id)!;
      const brokenDependency = Object.keys(manifest.requires).find((d) => registry.get(d)?.status !== 'active');
      if (brokenDependency) {
        this.fail(manifest.id, source.origin, manifest, dependencyFailed(manifest, brokenDependency, registry.get(brokenDependency)!.error!), enabled.get(manifest.id));
        continue;
      }
      try {
        const { staged, applied } = await this.loadOne(source, manifest);
        for (const subscription of manifest.subscriptions) await this.deps.events.consumers.startAtEnd(consumerName(manifest.id, subscription.name));
        this.commit(manifest, staged);
        registry.add({
          id: manifest.id, origin: source.origin, dir: source.dir, manifest, status: 'active', error: null, enabled: enabled.get(manifest.id) ?? true,
          hooks: staged.hooks, order: position++, migrationsApplied: applied,
        });
        this.deps.logger.info({ plugin: manifest.id, version: manifest.version, migrations: applied }, `plugin ${manifest.id} loaded`);
      } catch (error) {
        this.fail(manifest.id, source.origin, manifest, asLoadError(manifest.id, error), enabled.get(manifest.id));
      }
    }
  }

  /** `onProjectEnabled` for every project a serving plugin has not provisioned yet (first boot with it, or enabled while down). */
  async provisionExistingProjects(): Promise<void> {
    for (const record of this.deps.registry.serving()) {
      try {
        await this.deps.lifecycle.provisionAll(this.deps.db, record.id);
      } catch (error) {
        this.deps.logger.error({ err: error, plugin: record.id }, `plugin ${record.id} could not provision existing projects; will retry at next boot or enable`);
      }
    }
  }

  private async loadOne(source: PluginSource, manifest: PluginManifest): Promise<{ staged: StagedPlugin; applied: string[] }> {
    // What the manifest alone decides is checked before any of the plugin's code or migrations run.
    for (const route of manifest.routes) {
      const owner = this.routeKeys.get(routeKey(route.method, `${API_PREFIX}${route.path}`));
      if (owner) throw PluginRouteConflict({ plugin_id: manifest.id, route: `${route.method} ${route.path}`, owner });
    }
    const known = this.deps.iam.knownActions();
    for (const action of manifest.actions) if (known.has(action.action)) throw PluginActionTaken({ plugin_id: manifest.id, action: action.action });
    for (const tool of manifest.mcp.tools) this.deps.catalogue.check(manifest.id, tool, this.pseudoRecord(manifest, tool.route));
    if (manifest.runtime === 'wasm') return { staged: await this.loadWasm(source, manifest), applied: [] };
    if (manifest.runtime !== 'native') throw PluginRuntimeUnavailable({ plugin_id: manifest.id, runtime: manifest.runtime });
    const definition = source.definition ?? await importEntry(source, manifest);
    const applied = await migratePlugin(this.deps.db, manifest, definition);
    const staged = emptyStage();
    const kernelServices = kernelServicesFor(manifest, staged, { ...this.deps, outbox: this.deps.events.outbox });
    type InitSpec = { deps: DepsMap; init(deps: Record<string, unknown>): void | Promise<void> };
    const initSpecs: InitSpec[] = [];
    const env: PluginRegistrationEnv = {
      pluginId: manifest.id,
      registerService: (ref, implementation) => this.stageProvided(manifest, staged, ref, implementation),
      registerExtensionPoint: (ref, implementation) => this.stageProvided(manifest, staged, ref, implementation),
      init: (spec) => {
        if (initSpecs.length > 0) throw PluginInitFailed({ plugin_id: manifest.id }, { message: `plugin ${manifest.id} calls env.init twice` });
        initSpecs.push(spec as unknown as InitSpec);
      },
    };
    await runPluginCode(manifest, () => definition.register(env));
    for (const spec of initSpecs) {
      const resolved: Record<string, unknown> = {};
      for (const [key, ref] of Object.entries(spec.deps ?? {})) resolved[key] = this.resolve(manifest, staged, kernelServices, ref);
      await runPluginCode(manifest, () => spec.init(resolved));
    }

    const unboundRoutes = manifest.routes.filter((r) => !staged.handlers.has(r.name)).map((r) => r.name);
    if (unboundRoutes.length > 0) throw PluginRouteUnbound({ plugin_id: manifest.id, routes: unboundRoutes });
    const unboundSubscriptions = manifest.subscriptions.filter((s) => !staged.subscriptions.has(s.name)).map((s) => s.name);
    if (unboundSubscriptions.length > 0) throw PluginSubscriptionUnbound({ plugin_id: manifest.id, subscriptions: unboundSubscriptions });
    for (const resolver of staged.references) this.deps.catalogue.checkReferences(manifest.id, resolver);
    return { staged, applied };
  }

  /** A sandboxed plugin (D22): its routes and subscriptions are bound to its guest's entry points. */
  private async loadWasm(source: PluginSource, manifest: PluginManifest): Promise<StagedPlugin> {
    const runtime = this.deps.wasm;
    if (!runtime) throw PluginRuntimeUnavailable({ plugin_id: manifest.id, runtime: manifest.runtime });
    const plugin = await runtime.load(source, manifest);
    const staged = emptyStage();
    staged.wasm = plugin;
    for (const route of manifest.routes) {
      staged.handlers.set(route.name, ((request, kernel) => plugin.handleRequest(route, request, kernel)) as KernelAwareRouteHandler as RouteHandler);
    }
    return staged;
  }

  /** Stops every WASM plugin's sandbox (kernel shutdown). */
  async close(): Promise<void> {
    await Promise.all(this.wasmPlugins.map((plugin) => plugin.close().catch(() => undefined)));
  }

  /** Applies a loaded plugin's registrations; nothing here can fail on the plugin's account. */
  private commit(manifest: PluginManifest, staged: StagedPlugin): void {
    const { router, registry, iam, catalogue, hostFunctions, events } = this.deps;
    if (staged.wasm) this.wasmPlugins.push(staged.wasm);
    for (const route of manifest.routes) {
      mountPluginRoute(router, manifest, route, staged.handlers.get(route.name)!, { registry, iam }, { transactional: !staged.wasm });
      this.routeKeys.set(routeKey(route.method, `${API_PREFIX}${route.path}`), manifest.id);
    }
    for (const tool of manifest.mcp.tools) catalogue.add(manifest.id, tool, router.named(tool.route, manifest.id)!);
    for (const resolver of staged.references) catalogue.addReferences(manifest.id, resolver);
    for (const fn of staged.hostFunctions) hostFunctions.commit(manifest.id, fn);
    for (const [id, implementation] of staged.provides) this.provided.set(id, { owner: manifest.id, implementation });
    const schema = pluginSchemaName(manifest.id);
    for (const subscription of manifest.subscriptions) {
      // A switched-off plugin skips events (its cursor still moves): it sees what happens after it is switched back on.
      // Switches made on another replica reach this one here too, not only through HTTP gates.
      const switchedOff = async (db: Knex, event: StoredEvent) => {
        await registry.refreshEnabled(db);
        if (!registry.isServing(manifest.id)) return true;
        return event.project_id !== null
          && (await db('project_plugins').where({ project_id: event.project_id, plugin_id: manifest.id, enabled: false }).first('plugin_id')) !== undefined;
      };
      const wasm = staged.wasm;
      if (wasm) {
        // The guest runs before the transaction and its buffered writes commit with the cursor (D22).
        events.register({
          name: consumerName(manifest.id, subscription.name),
          types: subscription.events,
          prepare: async (event) => ((await switchedOff(this.deps.db, event)) ? null : wasm.prepareEvent(subscription.name, event)),
          handle: async (tx, _event, prepared) => {
            if (prepared) await wasm.apply(tx, prepared as Parameters<typeof wasm.apply>[1]);
          },
        });
        continue;
      }
      const handler = staged.subscriptions.get(subscription.name)!;
      events.register({
        name: consumerName(manifest.id, subscription.name),
        types: subscription.events,
        handle: async (tx, event) => {
          if (await switchedOff(tx, event)) return;
          await runWithConnection(tx, () => handler(bindPluginDb(tx, schema), storedEventToPluginEvent(event)));
        },
      });
    }
    // Last, so a plugin's actions are catalogued only with everything else of it in place.
    iam.addActions(manifest.actions.map((a) => ({
      action: a.action, description: a.description,
      platformRoot: a.scope === 'platform' ? `plugin/${manifest.id}` : null, projectScoped: a.scope === 'project', pluginId: manifest.id,
    })));
  }

  private stageProvided(manifest: PluginManifest, staged: StagedPlugin, ref: ServiceRef<unknown>, implementation: unknown): void {
    if (refOwner(ref) !== manifest.id) {
      throw PluginServiceUnavailable({ plugin_id: manifest.id, service: ref.id, reason: `a plugin provides only refs in its own namespace (${manifest.id}.…)` });
    }
    if (staged.provides.has(ref.id)) throw PluginServiceUnavailable({ plugin_id: manifest.id, service: ref.id, reason: 'provided twice' });
    staged.provides.set(ref.id, implementation);
  }

  private resolve(manifest: PluginManifest, staged: StagedPlugin, kernel: Map<string, unknown>, ref: ServiceRef<unknown>): unknown {
    const unavailable = (reason: string) => PluginServiceUnavailable({ plugin_id: manifest.id, service: ref?.id ?? String(ref), reason });
    if (!ref || typeof ref.id !== 'string') throw unavailable('not a service ref');
    const owner = refOwner(ref);
    if (owner === 'kernel') {
      if (!kernel.has(ref.id)) throw unavailable('the kernel provides no such service');
      return kernel.get(ref.id);
    }
    if (owner === manifest.id) {
      if (!staged.provides.has(ref.id)) throw unavailable('this plugin does not register it');
      return staged.provides.get(ref.id);
    }
    if (manifest.requires[owner] === undefined) throw unavailable(`add ${owner} to "requires" in plugin.json`);
    const provided = this.provided.get(ref.id);
    if (!provided) throw unavailable(`${owner} does not provide it`);
    return provided.implementation;
  }

  /** A route record for a tool check before the plugin's routes are mounted. */
  private pseudoRecord(manifest: PluginManifest, routeName: string): RouteRecord {
    const route = manifest.routes.find((r) => r.name === routeName)!;
    const template = resourceTemplate(route);
    return {
      method: route.method, url: `${API_PREFIX}${route.path}`, access: route.access, owner: manifest.id, name: route.name, summary: route.summary ?? route.name,
      ...(route.access === 'gated' ? { action: route.action!, resource: (params: Record<string, string>) => renderResource(template, params) } : {}),
    };
  }

  /** Records the installed plugins; returns each one's workspace-wide switch. */
  private async syncInstalled(plugins: Array<{ source: PluginSource; manifest: PluginManifest }>): Promise<Map<string, boolean>> {
    const now = this.deps.clock.now();
    for (const { source, manifest } of plugins) {
      await this.deps.db('plugins')
        .insert({ id: manifest.id, version: manifest.version, manifest: JSON.stringify(manifest), origin: source.origin, enabled: true, installed_at: now, updated_at: now })
        .onConflict('id').merge({ version: manifest.version, manifest: JSON.stringify(manifest), origin: source.origin, updated_at: now });
    }
    const rows = (await this.deps.db('plugins').select('id', 'enabled')) as Array<{ id: string; enabled: boolean }>;
    return new Map(rows.map((r) => [r.id, r.enabled]));
  }

  private fail(id: string, origin: PluginSource['origin'], manifest: PluginManifest | null, error: PacaError, enabled = true): void {
    // The coded error says what is wrong; a stack only helps when plugin code or the database threw.
    this.deps.logger.error({ plugin: id, error_code: error.code, details: error.details, ...(error.cause ? { err: error.cause } : {}) }, error.message);
    this.deps.registry.add({
      id, origin, dir: null, manifest, status: 'failed', error, enabled, hooks: { created: [], enabled: [] }, order: Number.MAX_SAFE_INTEGER, migrationsApplied: [],
    });
  }
}

function consumerName(pluginId: string, subscription: string): string {
  return `plugin:${pluginId}:${subscription}`;
}

function routeKey(method: string, url: string): string {
  return `${method} ${url.replace(/:[A-Za-z_][A-Za-z0-9_]*/g, ':')}`;
}

/** Plugin code failing with its own coded PLUGIN_* error keeps the code; anything else is PLUGIN_INIT_FAILED. */
async function runPluginCode(manifest: PluginManifest, step: () => unknown): Promise<void> {
  try {
    await step();
  } catch (error) {
    if (isPacaError(error) && error.code.startsWith('PLUGIN_')) throw error;
    throw PluginInitFailed({ plugin_id: manifest.id }, { cause: error, message: `plugin ${manifest.id} failed to start: ${(error as Error)?.message ?? String(error)}` });
  }
}

function asLoadError(pluginId: string, error: unknown): PacaError {
  if (isPacaError(error)) return error;
  return PluginInitFailed({ plugin_id: pluginId }, { cause: error, message: `plugin ${pluginId} failed to load: ${(error as Error)?.message ?? String(error)}` });
}

async function importEntry(source: PluginSource, manifest: PluginManifest): Promise<PluginDefinition> {
  const entry = manifest.main!;
  if (!source.dir) throw PluginEntryInvalid({ plugin_id: manifest.id, entry });
  let module: { default?: unknown };
  try {
    module = (await import(pathToFileURL(path.join(source.dir, entry)).href)) as { default?: unknown };
  } catch (error) {
    throw PluginEntryInvalid({ plugin_id: manifest.id, entry }, { cause: error, message: `plugin ${manifest.id}: ${entry} could not be loaded: ${(error as Error).message}` });
  }
  if (!isPluginDefinition(module.default)) throw PluginEntryInvalid({ plugin_id: manifest.id, entry });
  return module.default;
}
