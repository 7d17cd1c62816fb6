import { isUuid, type EventDefinition, type PluginManifest } from '@paca/plugin-sdk';
import type { Knex } from 'knex';
import type { Principal } from '../../auth/principal.js';
import type { Clock } from '../../clock.js';
import type { Outbox } from '../../events/outbox.js';
import type { IamService } from '../../iam/iam-service.js';
import type { PolicySet } from '../../iam/policy-set.js';
import type { ActivityLog } from '../../projects/activity-log.js';
import type { HostFunctionRegistry, HostResult } from '../host-function-registry.js';
import type { PluginSecrets } from '../plugin-secrets.js';
import type { CallBuffer } from './call-buffer.js';
import { DocumentInputError, WORKSPACE_SCOPE, type DocumentStore } from './document-store.js';
import { FetchRefused, pluginFetch, type FetchOptions } from './http-fetch.js';
import type { PluginCache } from './plugin-cache.js';

/** Who a call runs for, and what it has written so far (ABI: every host call is scoped by it). */
export interface HostCallContext {
  manifest: PluginManifest;
  store: DocumentStore;
  /** The project of the request or event; null for workspace routes. */
  projectId: string | null;
  principal: Principal | null;
  policies: PolicySet;
  disabledPlugins: readonly string[];
  buffer: CallBuffer;
}

export interface HostDispatcherDeps {
  db: Knex;
  clock: Clock;
  iam: IamService;
  hostFunctions: HostFunctionRegistry;
  outbox: Outbox;
  activity: ActivityLog;
  secrets: PluginSecrets;
  cache: PluginCache;
  /** Resolver and dialer for `http.fetch` (tests map a fake public name to a loopback server). */
  fetch?: Pick<FetchOptions, 'resolve' | 'dial' | 'timeoutMs' | 'maxResponseBytes'>;
  log: { info(object: unknown, message: string): void; warn(object: unknown, message: string): void; error(object: unknown, message: string): void; debug(object: unknown, message: string): void };
}

type Args = Record<string, unknown>;
type Handler = (args: Args, ctx: HostCallContext) => Promise<unknown>;

class HostRefusal extends Error {
  constructor(readonly code: string, message: string) {
    super(message);
  }
}

const refuse = (code: string, message: string) => new HostRefusal(code, message);
const invalid = (message: string) => refuse('VALIDATION_FAILED', message);

function text(args: Args, name: string, max = 512): string {
  const value = args[name];
  if (typeof value !== 'string' || value.length === 0 || value.length > max) throw invalid(`${name} must be a non-empty string of at most ${max} characters`);
  return value;
}

/**
 * Answers a guest's `paca_call` (ABI): checks the manifest permission the function needs, scopes
 * it to the plugin and the call's project, and never throws — every failure is an answer.
 */
export function createHostDispatcher(deps: HostDispatcherDeps): (request: unknown, ctx: HostCallContext) => Promise<HostResult> {
  const needs = (ctx: HostCallContext, permission: string, fn: string) => {
    if (!ctx.manifest.permissions.includes(permission)) throw refuse('PLUGIN_PERMISSION_DENIED', `${fn} needs the permission ${permission} in plugin.json`);
  };
  const scopeOf = (ctx: HostCallContext) => ctx.projectId ?? WORKSPACE_SCOPE;

  const handlers: Record<string, Handler> = {
    'collections.put': async (args, ctx) => {
      needs(ctx, 'collections', 'collections.put');
      const collection = text(args, 'collection', 63);
      const stored = ctx.store.prepare(collection, args.id, args.doc);
      ctx.buffer.putDoc(collection, stored);
      return stored;
    },
    'collections.get': async (args, ctx) => {
      needs(ctx, 'collections', 'collections.get');
      const collection = text(args, 'collection', 63);
      const id = ctx.store.prepare(collection, text(args, 'id', 36), {}).id;
      return ctx.buffer.getDoc(deps.db, collection, id);
    },
    'collections.delete': async (args, ctx) => {
      needs(ctx, 'collections', 'collections.delete');
      const collection = text(args, 'collection', 63);
      const id = ctx.store.prepare(collection, text(args, 'id', 36), {}).id;
      const existed = await ctx.buffer.hasDoc(deps.db, collection, id);
      ctx.buffer.deleteDoc(collection, id);
      return { deleted: existed };
    },
    'collections.query': async (args, ctx) => {
      needs(ctx, 'collections', 'collections.query');
      const collection = text(args, 'collection', 63);
      return { items: await ctx.buffer.queryDocs(deps.db, collection, { where: args.where as Args | undefined, order_by: args.order_by as never, limit: args.limit as number | undefined }) };
    },
    'kv.get': async (args, ctx) => {
      needs(ctx, 'kv', 'kv.get');
      return ctx.buffer.getKv(deps.db, text(args, 'key'));
    },
    'kv.set': async (args, ctx) => {
      needs(ctx, 'kv', 'kv.set');
      if (args.value === undefined) throw invalid('value is required');
      if (Buffer.byteLength(JSON.stringify(args.value)) > 64 * 1024) throw invalid('value is larger than 64 KiB');
      ctx.buffer.setKv(text(args, 'key'), args.value);
      return null;
    },
    'kv.delete': async (args, ctx) => {
      needs(ctx, 'kv', 'kv.delete');
      ctx.buffer.deleteKv(text(args, 'key'));
      return null;
    },
    'cache.get': async (args, ctx) => {
      needs(ctx, 'cache', 'cache.get');
      return deps.cache.get(ctx.manifest.id, scopeOf(ctx), text(args, 'key'));
    },
    'cache.set': async (args, ctx) => {
      needs(ctx, 'cache', 'cache.set');
      const ttl = args.ttl_seconds ?? 0;
      if (typeof ttl !== 'number' || !Number.isInteger(ttl) || ttl < 0 || ttl > 86_400 * 30) throw invalid('ttl_seconds must be 0 (no expiry) … 2592000');
      if (args.value === undefined) throw invalid('value is required');
      await deps.cache.set(ctx.manifest.id, scopeOf(ctx), text(args, 'key'), args.value, ttl);
      return null;
    },
    'cache.delete': async (args, ctx) => {
      needs(ctx, 'cache', 'cache.delete');
      await deps.cache.delete(ctx.manifest.id, scopeOf(ctx), text(args, 'key'));
      return null;
    },
    'events.emit': async (args, ctx) => {
      needs(ctx, 'events:emit', 'events.emit');
      const type = text(args, 'type', 100);
      const declared = ctx.manifest.events.find((e) => e.name === type);
      if (!declared) throw refuse('PLUGIN_EVENT_UNDECLARED', `${type} is not declared in plugin.json`);
      const definition: EventDefinition<unknown> = { name: type, schema: (declared.schema ?? { type: 'object' }) as never, clientAction: declared.client_action };
      const payload = args.payload ?? {};
      ctx.buffer.defer((tx) => deps.outbox.emit(tx, definition, { projectId: ctx.projectId, actor: ctx.principal, origin: 'plugin', payload }).then(() => undefined));
      return null;
    },
    'activity.record': async (args, ctx) => {
      needs(ctx, 'activity:write', 'activity.record');
      if (!ctx.projectId) throw refuse('PLUGIN_PERMISSION_DENIED', 'activity belongs to a project; this call has none');
      const projectId = ctx.projectId;
      const action = text(args, 'action', 100);
      const entityType = typeof args.entity_type === 'string' ? text(args, 'entity_type', 60) : args.task_id ? 'task' : ctx.manifest.id;
      const entityId = typeof args.entity_id === 'string' ? text(args, 'entity_id', 64) : typeof args.task_id === 'string' ? text(args, 'task_id', 64) : null;
      if (entityId !== null && !isUuid(entityId)) throw invalid('task_id / entity_id must be a UUID');
      const content = { ...(typeof args.content === 'string' ? { text: args.content } : {}), ...(Array.isArray(args.changes) ? { changes: args.changes } : {}) };
      ctx.buffer.defer(async (tx) => {
        await deps.activity.record(tx, {
          projectId, entityType, entityId, actor: ctx.principal, origin: 'plugin', type: `${ctx.manifest.id}.${action}`, content, pluginId: ctx.manifest.id,
        });
      });
      return null;
    },
    'permission.check': async (args, ctx) => {
      const action = text(args, 'action', 100);
      const resource = ctx.projectId ? `project/${ctx.projectId}` : 'project';
      return deps.iam.allows(ctx.policies, action, resource);
    },
    'config.get': async (args, ctx) => {
      const name = text(args, 'key', 64);
      if (!ctx.manifest.secrets.some((s) => s.key === name)) throw refuse('PLUGIN_PERMISSION_DENIED', `${name} is not a secret this plugin declares`);
      return deps.secrets.get(deps.db, ctx.manifest, name);
    },
    log: async (args, ctx) => {
      const level = ['debug', 'info', 'warn', 'error'].includes(args.level as string) ? (args.level as 'debug' | 'info' | 'warn' | 'error') : 'info';
      deps.log[level]({ plugin: ctx.manifest.id, project_id: ctx.projectId }, text(args, 'message', 4_000));
      return null;
    },
    'http.fetch': async (args, ctx) => {
      const allowedHosts = ctx.manifest.permissions.filter((p) => p.startsWith('http:fetch:')).map((p) => p.slice('http:fetch:'.length));
      if (allowedHosts.length === 0) throw refuse('PLUGIN_PERMISSION_DENIED', 'http.fetch needs an http:fetch:<host> permission in plugin.json');
      const headers = args.headers as Record<string, string> | undefined;
      if (headers !== undefined && (typeof headers !== 'object' || headers === null || Object.values(headers).some((v) => typeof v !== 'string'))) {
        throw invalid('headers must map names to strings');
      }
      if (args.body !== undefined && typeof args.body !== 'string') throw invalid('body must be a string');
      return pluginFetch({ method: args.method as string | undefined, url: text(args, 'url', 4_096), headers, body: args.body as string | undefined },
        { allowedHosts, ...deps.fetch });
    },
  };

  return async (request, ctx) => {
    const { fn, args } = (request ?? {}) as { fn?: unknown; args?: unknown };
    if (typeof fn !== 'string') return { ok: false, error: { code: 'VALIDATION_FAILED', message: 'a host call names its fn' } };
    const callArgs = (typeof args === 'object' && args !== null && !Array.isArray(args) ? args : {}) as Args;
    try {
      const handler = handlers[fn];
      if (handler) return { ok: true, value: await handler(callArgs, ctx) };
      // Reads other plugins contribute (tasks.list) and the kernel's (projects.get): checked by the registry.
      if (!ctx.projectId) return { ok: false, error: { code: 'PLUGIN_PERMISSION_DENIED', message: `${fn} reads a project; this call has none` } };
      return await deps.hostFunctions.invoke(fn, {
        caller: ctx.manifest, projectId: ctx.projectId, principal: ctx.principal, policies: ctx.policies, disabledPlugins: ctx.disabledPlugins, args: callArgs,
      });
    } catch (error) {
      if (error instanceof HostRefusal) return { ok: false, error: { code: error.code, message: error.message } };
      if (error instanceof DocumentInputError) return { ok: false, error: { code: 'VALIDATION_FAILED', message: error.message } };
      if (error instanceof FetchRefused) return { ok: false, error: { code: error.code, message: error.message } };
      deps.log.error({ err: error, plugin: ctx.manifest.id, fn }, 'a WASM host call failed');
      return { ok: false, error: { code: 'PLUGIN_HOST_CALL_FAILED', message: `${fn} failed` } };
    }
  };
}
