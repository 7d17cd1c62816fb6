import { createPlugin, type CallContext, type Plugin } from '@extism/extism';
import { parseManifest, type PluginManifest } from '../manifest.js';
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { buildPluginInPlace } from './built-plugin.fixture.js';

/*
 * A WASM plugin without a kernel: built from its source, loaded in Extism 1.0.3 the way the kernel
 * loads it (no WASI, in a worker), and answered by an in-memory host that keeps the ABI's rules:
 * documents only in declared collections, filters and ordering on declared indexes only, the
 * tasks of one project, and writes (documents, events, activity) that commit when the call
 * succeeds and vanish when it fails (D22).
 */

export const PROJECT_ID = '0b8f0c1e-3a43-4d4c-9d9e-2f7f5f1f0a11';
export const CALLER = { type: 'user', id: 'a6c1e1f4-5d2b-4f0e-8f39-5f3f4b8c2d10' };

export interface HostRequest {
  fn: string;
  args: Record<string, unknown>;
}

type Doc = Record<string, unknown>;
type HostAnswer = { ok: true; value: unknown } | { ok: false; error: { code: string; message: string } };

/** What a route call came to: the status and body, or the coded error as `{code, message}` with its status. */
export interface Outcome {
  status: number;
  body: any;
}

class Refusal extends Error {
  constructor(readonly code: string, message: string) {
    super(message);
  }
}

/** The committed state plus the current call's pending writes. */
class FakeHost {
  readonly calls: HostRequest[] = [];
  readonly tasks = new Map<string, Doc>();
  events: Array<{ type: string; payload: Doc }> = [];
  activity: Doc[] = [];
  /** Host functions answered with this error instead. */
  refusals: Record<string, { code: string; message: string }> = {};
  private docs = new Map<string, Map<string, Doc>>();
  private pending: { docs: Map<string, Map<string, Doc>>; events: FakeHost['events']; activity: Doc[] } | null = null;

  constructor(private readonly manifest: PluginManifest) {}

  begin(): void {
    this.pending = { docs: structuredClone(this.docs), events: [...this.events], activity: [...this.activity] };
  }

  end(succeeded: boolean): void {
    if (succeeded && this.pending) ({ docs: this.docs, events: this.events, activity: this.activity } = this.pending);
    this.pending = null;
  }

  /** Committed documents of a collection, by id. */
  collection(name: string): Map<string, Doc> {
    return this.docs.get(name) ?? new Map();
  }

  answer(request: HostRequest): HostAnswer {
    this.calls.push(request);
    const refusal = this.refusals[request.fn];
    if (refusal) return { ok: false, error: refusal };
    try {
      return { ok: true, value: this.run(request) };
    } catch (error) {
      if (error instanceof Refusal) return { ok: false, error: { code: error.code, message: error.message } };
      throw error;
    }
  }

  private run({ fn, args }: HostRequest): unknown {
    const state = this.pending;
    if (!state) throw new Refusal('PLUGIN_PERMISSION_DENIED', 'host calls are not available outside a call');
    switch (fn) {
      case 'collections.put': {
        const id = (args.id as string | undefined) ?? randomUUID();
        const doc = args.doc as Doc;
        const indexes = this.indexes(args.collection);
        for (const [field, type] of indexes) {
          if (doc[field] !== undefined && doc[field] !== null && typeof doc[field] !== type) throw new Refusal('VALIDATION_FAILED', `${String(args.collection)}.${field} must be a ${type}`);
        }
        this.docsOf(state.docs, args.collection as string).set(id, structuredClone(doc));
        return { id, doc };
      }
      case 'collections.get':
        this.indexes(args.collection);
        return structuredClone(this.docsOf(state.docs, args.collection as string).get(args.id as string) ?? null);
      case 'collections.delete': {
        this.indexes(args.collection);
        return { deleted: this.docsOf(state.docs, args.collection as string).delete(args.id as string) };
      }
      case 'collections.query':
        return { items: this.query(state.docs, args) };
      case 'tasks.get': {
        const task = this.tasks.get(args.task_id as string);
        if (!task) throw new Refusal('TASK_NOT_FOUND', 'task not found');
        return task;
      }
      case 'events.emit': {
        const declared = this.manifest.events.some((e) => e.name === args.type);
        if (!declared) throw new Refusal('PLUGIN_EVENT_UNDECLARED', `${String(args.type)} is not declared in plugin.json`);
        state.events.push({ type: args.type as string, payload: args.payload as Doc });
        return null;
      }
      case 'activity.record':
        state.activity.push(args);
        return null;
      case 'log':
        return null;
      default:
        throw new Refusal('PLUGIN_HOST_FUNCTION_NOT_FOUND', `no host function ${fn}`);
    }
  }

  private indexes(collection: unknown): Map<string, string> {
    const declared = this.manifest.collections.find((c) => c.name === collection);
    if (!declared) throw new Refusal('VALIDATION_FAILED', `collection ${String(collection)} is not declared in plugin.json`);
    return new Map(declared.indexes.map((i) => [i.field, i.type]));
  }

  private docsOf(docs: Map<string, Map<string, Doc>>, collection: string): Map<string, Doc> {
    let found = docs.get(collection);
    if (!found) docs.set(collection, (found = new Map()));
    return found;
  }

  /** Equality and ranges on indexed fields, ordered by indexed fields then by insertion, limit 1–500 (default 100). */
  private query(docs: Map<string, Map<string, Doc>>, args: Record<string, unknown>): Array<{ id: string; doc: Doc }> {
    const indexes = this.indexes(args.collection);
    const where = (args.where ?? {}) as Record<string, unknown>;
    const order = (args.order_by ?? []) as Array<{ field: string; dir?: string }>;
    const limit = (args.limit as number | undefined) ?? 100;
    if (!Number.isInteger(limit) || limit < 1 || limit > 500) throw new Refusal('VALIDATION_FAILED', 'limit must be 1…500');
    for (const field of [...Object.keys(where), ...order.map((o) => o.field)]) {
      if (!indexes.has(field)) throw new Refusal('VALIDATION_FAILED', `${field} is not an indexed field`);
    }
    const test = (value: any, condition: unknown): boolean => {
      if (typeof condition !== 'object' || condition === null) return value === condition;
      return Object.entries(condition).every(([op, bound]: [string, any]) => ({
        eq: value === bound, ne: value !== bound, gt: value > bound, gte: value >= bound, lt: value < bound, lte: value <= bound,
      } as Record<string, boolean>)[op]);
    };
    return [...this.docsOf(docs, args.collection as string)]
      .filter(([, doc]) => Object.entries(where).every(([field, condition]) => test(doc[field], condition)))
      .sort(([, a], [, b]) => {
        for (const { field, dir } of order) {
          const x = a[field] as number | string;
          const y = b[field] as number | string;
          if (x !== y) return (x < y ? -1 : 1) * (dir === 'desc' ? -1 : 1);
        }
        return 0;
      })
      .slice(0, limit)
      .map(([id, doc]) => ({ id, doc: structuredClone(doc) }));
  }
}

export interface PluginHarness {
  host: FakeHost;
  manifest: PluginManifest;
  /** Calls a route by its manifest name. */
  request(route: string, call?: { params?: Record<string, string>; body?: unknown; caller?: typeof CALLER | null }): Promise<Outcome>;
  /** Delivers an event to a subscription; null when handled, else the coded error. */
  event(subscription: string, event: { id: number; type: string; payload: Doc }): Promise<Outcome | null>;
  close(): Promise<void>;
}

/** Builds the plugin in `dir` from its source and loads it. */
export async function loadPlugin(dir: string): Promise<PluginHarness> {
  const wasm = await buildPluginInPlace(dir);
  const parsed = parseManifest(JSON.parse(await readFile(path.join(dir, 'plugin.json'), 'utf8')));
  if (!parsed.success) throw new Error(`plugin.json: ${JSON.stringify(parsed.issues)}`);
  const manifest = parsed.manifest;
  const host = new FakeHost(manifest);
  const plugin: Plugin = await createPlugin({ wasm: [{ data: wasm }] }, {
    useWasi: false,
    runInWorker: true,
    functions: {
      'extism:host/user': {
        paca_call: async (ctx: CallContext, offset: bigint) => {
          const answer = host.answer(ctx.read(offset)!.json() as HostRequest);
          // One event-loop turn between answers, as the kernel's bridge does (Extism's worker hand-over).
          await nextTurn();
          return ctx.store(JSON.stringify(answer));
        },
      },
    },
  });

  const run = async (fn: string, input: unknown): Promise<Outcome> => {
    host.begin();
    try {
      const output = await plugin.call(fn, JSON.stringify(input));
      host.end(true);
      const answer = output ? output.json() : {};
      return { status: answer.status ?? 200, body: answer.body ?? null };
    } catch (error) {
      host.end(false);
      return failure(error);
    } finally {
      // As the kernel does after every call: Extism's block table otherwise grows, and every host call copies it.
      await plugin.reset();
    }
  };

  await run('init', { plugin_id: manifest.id, version: manifest.version });
  return {
    host,
    manifest,
    request(routeName, call = {}) {
      const route = manifest.routes.find((r) => r.name === routeName);
      if (!route) throw new Error(`no route ${routeName} in plugin.json`);
      return run('handle_request', {
        route: route.name, method: route.method, path: route.path, params: { projectId: PROJECT_ID, ...call.params }, query: {},
        body: call.body ?? null, project_id: PROJECT_ID, caller: call.caller === undefined ? CALLER : call.caller, request_id: 'req-1',
      });
    },
    async event(subscription, event) {
      const outcome = await run('handle_event', {
        subscription,
        event: { ...event, project_id: PROJECT_ID, project_seq: event.id, actor: CALLER, origin: 'user', occurred_at: '2030-01-01T00:00:00.000Z' },
      });
      return outcome.status >= 400 ? outcome : null;
    },
    async close() {
      await plugin.close();
    },
  };
}

/** A failed call as the kernel reads it: the coded error the guest set, or PLUGIN_CRASHED for a trap. */
function failure(error: unknown): Outcome {
  const message = (error as Error).message;
  // A trap has no coded error (the kernel reports it as PLUGIN_CRASHED).
  if (!message.includes('{')) return { status: 500, body: { code: 'PLUGIN_CRASHED', message } };
  const reported = JSON.parse(message.slice(message.indexOf('{'))) as { code: string; message: string; status: number };
  return { status: reported.status, body: { code: reported.code, message: reported.message } };
}
