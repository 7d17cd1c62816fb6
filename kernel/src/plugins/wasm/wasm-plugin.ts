import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { PacaError, type PluginManifest, type PluginRoute, type RouteRequest } from '@paca/plugin-sdk';
import type { Knex } from 'knex';
import type { Principal } from '../../auth/principal.js';
import type { Clock } from '../../clock.js';
import type { StoredEvent } from '../../events/stored-event.js';
import { PolicySet } from '../../iam/policy-set.js';
import type { HostResult } from '../host-function-registry.js';
import type { KernelRouteContext } from '../mount-plugin-route.js';
import { PluginInvalidModule } from '../plugin-errors.js';
import type { PluginSource } from '../plugin-source.js';
import { CallBuffer } from './call-buffer.js';
import { DocumentStore, ensureDocumentStore, WORKSPACE_SCOPE } from './document-store.js';
import type { HostCallContext } from './host-dispatcher.js';

/** The sandbox the runtime drives (wasm-sandbox.ts): one plugin's pooled, time-limited instances. */
export interface WasmSandbox {
  call(fn: 'init' | 'handle_request' | 'handle_event' | 'shutdown', input: unknown, context: HostCallContext): Promise<unknown>;
  close(): Promise<void>;
}

export type SandboxFactory = (bytes: Uint8Array, manifest: PluginManifest,
  hostCall: (request: unknown, context: HostCallContext) => Promise<HostResult>) => Promise<WasmSandbox>;

export interface WasmPluginDeps {
  db: Knex;
  clock: Clock;
  dispatch: (request: unknown, context: HostCallContext) => Promise<HostResult>;
  createSandbox: SandboxFactory;
}

/** A loaded WASM plugin: route handlers and event handlers bound to its sandbox. */
export interface WasmPlugin {
  handleRequest(route: PluginRoute, request: RouteRequest, kernel: KernelRouteContext): Promise<unknown>;
  /** Runs the guest for an event outside any transaction (D22); the result is committed by `apply`. */
  prepareEvent(subscription: string, event: StoredEvent): Promise<CallBuffer>;
  apply(tx: Knex.Transaction, buffer: CallBuffer): Promise<void>;
  close(): Promise<void>;
}

const BACKEND_FILE = 'backend.wasm';

/** Reads the module (`wasm` in plugin.json, default `backend.wasm`), prepares the plugin's storage, starts the sandbox and runs `init`. */
export async function loadWasmPlugin(source: PluginSource, manifest: PluginManifest, deps: WasmPluginDeps): Promise<WasmPlugin> {
  if (!source.dir) throw PluginInvalidModule({ plugin_id: manifest.id, reason: 'a WASM plugin is loaded from a folder holding backend.wasm' });
  const file = manifest.wasm ?? BACKEND_FILE;
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path.join(source.dir, file));
  } catch {
    throw PluginInvalidModule({ plugin_id: manifest.id, reason: `${file} is missing: build the plugin first` });
  }
  await ensureDocumentStore(deps.db, manifest);
  const store = new DocumentStore(manifest);
  const sandbox = await deps.createSandbox(bytes, manifest, deps.dispatch);
  const contextFor = (projectId: string | null, principal: Principal | null, policies: PolicySet, disabledPlugins: readonly string[]): HostCallContext => ({
    manifest, store, projectId, principal, policies, disabledPlugins, buffer: new CallBuffer(store, projectId ?? WORKSPACE_SCOPE),
  });
  const commit = async (buffer: CallBuffer) => {
    if (!buffer.empty) await deps.db.transaction((tx) => buffer.commit(tx, deps.clock.now()));
  };

  try {
    const init = contextFor(null, null, PolicySet.empty, []);
    await sandbox.call('init', { plugin_id: manifest.id, version: manifest.version }, init);
    await commit(init.buffer);
  } catch (error) {
    await sandbox.close();
    throw error;
  }

  return {
    async handleRequest(route, request, kernel) {
      const context = contextFor(request.projectId, kernel.principal, kernel.policies, kernel.project?.disabled_plugins ?? []);
      const output = await sandbox.call('handle_request', {
        route: route.name, method: kernel.method, path: route.path, params: request.params, query: request.query ?? {},
        body: request.body ?? null, project_id: request.projectId, caller: request.principal, request_id: kernel.requestId,
      }, context);
      const response = readResponse(manifest.id, output);
      await commit(context.buffer);
      for (const [name, value] of Object.entries(response.headers)) request.setHeader(name, value);
      if (response.status !== 200) request.setStatus(response.status);
      return response.body;
    },
    async prepareEvent(subscription, event) {
      // The plugin acts for itself here: what it may read is bounded by its manifest permissions
      // and the event's project, not by whoever caused the event.
      const policies = event.project_id
        ? new PolicySet([{ effect: 'Allow', actions: ['projects:read', 'project.members:read', 'tasks:read'], resources: [`project/${event.project_id}`, `project/${event.project_id}/*`] }])
        : PolicySet.empty;
      const context = contextFor(event.project_id, null, policies, []);
      await sandbox.call('handle_event', { subscription, event: { ...event, scope: undefined } }, context);
      return context.buffer;
    },
    async apply(tx, buffer) {
      await buffer.commit(tx, deps.clock.now());
    },
    async close() {
      // The guest's `shutdown` runs once (skipped when not exported); a failing one must not block the kernel's.
      await sandbox.call('shutdown', {}, contextFor(null, null, PolicySet.empty, [])).catch(() => undefined);
      await sandbox.close();
    },
  };
}

/**
 * The guest's answer to `handle_request`: a 2xx with a body, or an error the client receives as
 * the usual envelope (`{status ≥ 400, body: {code, message}}`, or the guest's `fail`).
 */
function readResponse(pluginId: string, output: unknown): { status: number; body: unknown; headers: Record<string, string> } {
  const answer = output as { status?: unknown; body?: unknown; headers?: unknown } | null;
  const status = answer?.status;
  if (typeof status !== 'number' || !Number.isInteger(status) || status < 200 || status > 599) {
    throw new PacaError('PLUGIN_CRASHED', 500, `plugin ${pluginId} answered without a valid status`, { plugin_id: pluginId });
  }
  if (status >= 400) {
    const body = (answer!.body ?? {}) as { code?: unknown; error_code?: unknown; message?: unknown; error?: unknown };
    const code = [body.code, body.error_code].find((c) => typeof c === 'string' && /^[A-Z][A-Z0-9_]{2,63}$/.test(c)) as string | undefined;
    const message = [body.message, body.error].find((m) => typeof m === 'string') as string | undefined;
    throw new PacaError(code ?? 'PLUGIN_REQUEST_FAILED', status, message ?? `plugin ${pluginId} refused the request`, { plugin_id: pluginId });
  }
  const headers: Record<string, string> = {};
  if (answer!.headers && typeof answer!.headers === 'object') {
    for (const [name, value] of Object.entries(answer!.headers as Record<string, unknown>)) {
      // A plugin may describe its answer, not rewrite the kernel's security or session headers.
      if (typeof value === 'string' && /^x-[a-z0-9-]+$/i.test(name)) headers[name] = value;
    }
  }
  return { status, body: answer!.body ?? null, headers };
}
