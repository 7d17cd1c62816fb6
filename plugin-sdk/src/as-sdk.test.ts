import { createPlugin, type CallContext, type Plugin } from '@extism/extism';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { buildPlugin } from '../as/build.mjs';
import { scaffoldPlugin } from '../as/create-plugin.mjs';
import { parseManifest } from './manifest.js';

/*
 * The AssemblyScript SDK end to end, without a kernel: scaffold a plugin, build it with the
 * build script, load the module in Extism 1.0.3 as the kernel does (no WASI, in a worker) and play
 * the host's side of `paca_call`. A second entry file exercises what the scaffold's route does not.
 */

const EXTRA_HANDLERS = String.raw`
import {
  activity, ActivityEntry, cache, callHost, collections, config, Event, events, fail, http, JSON, kv, lifecycle, log, members,
  permission, PluginInfo, projects, Query, Request, Response, routes, subscriptions, tasks,
} from "@paca/plugin-sdk/as";

// Params, query, body and caller back, through the SDK's parser and serializer.
routes.on("echo", (req: Request): Response => {
  const caller = req.caller;
  return Response.json(201, new JSON.Obj()
    .setString("route", req.route)
    .setString("task_id", req.param("taskId"))
    .setString("limit", req.query("limit"))
    .setString("caller", caller !== null ? caller.type + ":" + caller.id : null)
    .set("body", req.bodyValue)).header("x-echo", "1");
});
routes.on("refuse", (req: Request): Response => fail(409, "DEMO_CONFLICT", "déjà vu ✓"));
routes.on("crash", (req: Request): Response => { throw new Error("kaboom"); });
routes.on("remember", (req: Request): Response => {
  const saved = kv.set("greeting", req.bodyValue);
  if (!saved.ok) return saved.fail();
  const read = kv.get("greeting");
  if (!read.ok) return read.fail();
  return Response.json(200, read.value);
});
routes.on("forget", (req: Request): Response => Response.noContent());
subscriptions.on("task-cleanup", (event: Event): void => {
  if (event.type != "task.deleted") {
    fail(422, "UNEXPECTED_EVENT", "did not expect " + event.type);
    return;
  }
  log.info("cleaning up after task " + event.payload.getString("task_id")! + " (event " + event.id.toString() + ")");
});
lifecycle.onInit((info: PluginInfo): void => {
  log.info("starting " + info.id + "@" + info.version);
});

// Every host function wrapper once (AssemblyScript compiles only what is used).
routes.on("tour", (req: Request): Response => {
  collections.put("checklists", new JSON.Obj().setString("title", "Release"), "c-1");
  collections.put("checklists", new JSON.Obj());
  collections.get("checklists", "c-1");
  collections.remove("checklists", "c-1");
  collections.query(new Query("items")
    .eq("checklist_id", new JSON.Str("c-1")).gte("position", new JSON.Integer(1)).lt("position", new JSON.Float(9.5))
    .ne("done", new JSON.Bool(true)).gt("n", new JSON.Integer(0)).lte("m", new JSON.Null())
    .orderBy("position").orderBy("title", "desc").limit(50));
  kv.remove("k");
  cache.set("c", new JSON.Arr().push(new JSON.Integer(1)), 60);
  cache.get("c");
  cache.remove("c");
  tasks.get("t-1");
  projects.get();
  members.list();
  events.emit("sdk_demo.toured", new JSON.Obj().setString("what", "tour"));
  const entry = new ActivityEntry("toured");
  entry.taskId = "t-1";
  entry.changes = new JSON.Arr().push(new JSON.Obj().setString("field", "x"));
  entry.content = "done";
  activity.record(entry);
  permission.check("sdk_demo:read");
  config.get("API_TOKEN");
  log.debug("d");
  log.warn("w");
  log.error("e");
  http.fetch("POST", "https://api.example.com/hook", new JSON.Obj().setString("content-type", "application/json"), "{}");
  const contributed = callHost("bdd.scenarios", new JSON.Obj());
  return Response.json(200, new JSON.Obj().setString("last_error", contributed.errorCode));
});

// The JSON API from plugin code: parse text, read values, write numbers.
routes.on("json", (req: Request): Response => {
  const bad = JSON.parse('{"a": nul}');
  const value = JSON.parse(' {"n": 2.0, "s": "\\u00e9\\ud83d\\ude00", "list": [1, "two"]} ')!.asObj()!;
  const list = value.getArr("list")!;
  return Response.json(200, new JSON.Obj()
    .setBool("bad_is_null", bad === null)
    .setInt("n_as_int", value.getInt("n"))
    .setFloat("n", value.getFloat("n"))
    .setString("s", value.getString("s"))
    .setInt("list_length", list.length)
    .setString("second", list.at(1)!.asString())
    .setBool("has_missing", value.has("missing"))
    .setFloat("nan", NaN));
});
`;

interface HostRequest {
  fn: string;
  args: Record<string, unknown>;
}

type HostAnswer = { ok: true; value: unknown } | { ok: false; error: { code: string; message: string } };

const TASKS = { items: [{ title: 'Écrire la doc ✓' }, { title: '🚀 launch' }], next_cursor: null };
const PROJECT_ID = '0b8f0c1e-3a43-4d4c-9d9e-2f7f5f1f0a11';

let dir: string;
let bytes: Buffer;
let plugin: Plugin;
const calls: HostRequest[] = [];
const kvStore = new Map<string, unknown>();
/** Host functions answered with this refusal instead of their value. */
let refused: Record<string, { code: string; message: string }> = {};

function host(request: HostRequest): HostAnswer {
  const refusal = refused[request.fn];
  if (refusal) return { ok: false, error: refusal };
  switch (request.fn) {
    case 'tasks.list': return { ok: true, value: TASKS };
    case 'kv.set': kvStore.set(String(request.args.key), request.args.value); return { ok: true, value: null };
    case 'kv.get': return { ok: true, value: kvStore.get(String(request.args.key)) ?? null };
    case 'log': return { ok: true, value: null };
    default: return { ok: false, error: { code: 'PLUGIN_HOST_FUNCTION_NOT_FOUND', message: `no ${request.fn}` } };
  }
}

async function pacaCall(ctx: CallContext, offset: bigint): Promise<bigint> {
  const request = ctx.read(offset)!.json() as HostRequest;
  calls.push(request);
  // A timer tick per host call: settling without one made worker calls hang (STACK).
  await new Promise((resolve) => setTimeout(resolve, 0));
  return ctx.store(JSON.stringify(host(request)));
}

function request(route: string, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({
    route, method: 'GET', path: '/plugins/sdk-demo/projects/:projectId/hello', params: { projectId: PROJECT_ID },
    query: {}, body: null, project_id: PROJECT_ID, caller: { type: 'user', id: 'a6c1e1f4-5d2b-4f0e-8f39-5f3f4b8c2d10' }, request_id: 'req-1', ...extra,
  });
}

async function call(fn: string, input: string): Promise<unknown> {
  const output = await plugin.call(fn, input);
  return output ? output.json() : null;
}

/** The `{code, message, status}` a failed call set with `error_set`. */
async function failure(fn: string, input: string): Promise<unknown> {
  const error = await plugin.call(fn, input).then(() => null, (e: unknown) => e);
  expect(error).toBeInstanceOf(Error);
  const message = (error as Error).message;
  return JSON.parse(message.slice(message.indexOf('{')));
}

interface ModuleShape {
  imports: string[];
  exports: string[];
  memory: { min: number; max: number | undefined };
}

/** Imports, exports and memory limits, read from the binary the way the kernel gates a module. */
function moduleShape(wasm: Uint8Array): ModuleShape {
  let pos = 8;
  const leb = () => {
    let result = 0;
    let shift = 0;
    let byte: number;
    do {
      byte = wasm[pos++]!;
      result |= (byte & 0x7f) << shift;
      shift += 7;
    } while (byte & 0x80);
    return result;
  };
  const name = () => {
    const length = leb();
    pos += length;
    return Buffer.from(wasm.subarray(pos - length, pos)).toString('utf8');
  };
  const limits = () => {
    const flags = wasm[pos++]!;
    const min = leb();
    return { min, max: flags & 1 ? leb() : undefined };
  };
  const shape: ModuleShape = { imports: [], exports: [], memory: { min: 0, max: undefined } };
  while (pos < wasm.length) {
    const id = wasm[pos++];
    const end = leb() + pos;
    if (id === 2) {
      for (let count = leb(); count > 0; count--) {
        shape.imports.push(`${name()}.${name()}`);
        const kind = wasm[pos++];
        if (kind === 0) leb();
        else if (kind === 1) { pos++; limits(); } else if (kind === 2) limits();
        else pos += 2;
      }
    } else if (id === 5) {
      leb();
      shape.memory = limits();
    } else if (id === 7) {
      for (let count = leb(); count > 0; count--) {
        shape.exports.push(name());
        pos++;
        leb();
      }
    }
    pos = end;
  }
  return shape;
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'paca-as-sdk-'));
  const pluginDir = path.join(dir, 'sdk-demo');
  await scaffoldPlugin(pluginDir, { id: 'sdk-demo' });
  await writeFile(path.join(pluginDir, 'assembly', 'extra.ts'), EXTRA_HANDLERS);
  const entry = path.join(pluginDir, 'assembly', 'index.ts');
  await writeFile(entry, `import "./extra";\n${await readFile(entry, 'utf8')}`);
  const built = await buildPlugin(pluginDir);
  bytes = await readFile(built.file);
  plugin = await createPlugin({ wasm: [{ data: bytes }] }, {
    useWasi: false,
    runInWorker: true,
    functions: { 'extism:host/user': { paca_call: pacaCall } },
  });
});

afterAll(async () => {
  await plugin?.close();
  await rm(dir, { recursive: true, force: true });
});

beforeEach(() => {
  calls.length = 0;
  refused = {};
});

describe('create-paca-plugin', () => {
  it('writes a WASM plugin whose manifest the kernel accepts', async () => {
    const manifestJson = JSON.parse(await readFile(path.join(dir, 'sdk-demo', 'plugin.json'), 'utf8'));
    expect(parseManifest(manifestJson).success).toBe(true);
    expect(manifestJson).toMatchObject({
      id: 'sdk-demo',
      runtime: 'wasm',
      wasm: 'backend.wasm',
      permissions: ['core:read:tasks'],
      actions: [{ action: 'sdk_demo:read', scope: 'project' }],
      role_grants: { Admin: ['sdk_demo:read'], Editor: ['sdk_demo:read'], Viewer: ['sdk_demo:read'] },
      routes: [{ name: 'hello', method: 'GET', path: '/plugins/sdk-demo/projects/:projectId/hello', action: 'sdk_demo:read' }],
    });
    const pkg = JSON.parse(await readFile(path.join(dir, 'sdk-demo', 'package.json'), 'utf8'));
    expect(pkg.scripts.build).toBe('paca-build-plugin .');
  });

  it('refuses an id the manifest schema refuses, and a folder that is not empty', async () => {
    await expect(scaffoldPlugin(path.join(dir, 'bad'), { id: 'Bad_Id' })).rejects.toThrow(/id: must match/);
    await expect(scaffoldPlugin(path.join(dir, 'sdk-demo'), { id: 'sdk-demo' })).rejects.toThrow(/not empty/);
  });
});

describe('the build script', () => {
  it('declares a memory maximum of 16 MiB, imports only Extism and paca_call, exports the ABI', () => {
    const shape = moduleShape(bytes);
    expect(shape.memory).toEqual({ min: 1, max: 256 });
    expect(shape.imports.filter((i) => !i.startsWith('extism:host/env.'))).toEqual(['extism:host/user.paca_call']);
    expect(shape.exports.sort()).toEqual(['handle_event', 'handle_request', 'init', 'memory', 'shutdown']);
  });

  it('fails with the compiler message, and refuses imports the kernel would refuse', async () => {
    const broken = path.join(dir, 'broken');
    await mkdir(path.join(broken, 'assembly'), { recursive: true });
    await writeFile(path.join(broken, 'plugin.json'), JSON.stringify({ id: 'broken', name: 'Broken', version: '0.1.0', kernel: '^0.1.0', runtime: 'wasm' }));
    await writeFile(path.join(broken, 'assembly', 'index.ts'), 'import { routes } from "@paca/plugin-sdk/as";\nexport function roll(): i32 { return "six"; }\n');
    await expect(buildPlugin(broken)).rejects.toThrow(/TS2322: Type '~lib\/string\/String' is not assignable to type 'i32'/);

    await writeFile(path.join(broken, 'assembly', 'index.ts'), 'import { routes } from "@paca/plugin-sdk/as";\nexport function roll(): i32 { return <i32>(Math.random() * 6); }\n');
    await expect(buildPlugin(broken)).rejects.toThrow(/imports what the kernel refuses: env\.seed \(Math\.random/);
    expect(existsSync(path.join(broken, 'backend.wasm'))).toBe(false);
  });
});

describe('a built plugin in Extism', () => {
  it('initialises, reads its project tasks through paca_call and answers JSON', async () => {
    expect(await call('init', JSON.stringify({ plugin_id: 'sdk-demo', version: '0.1.0' }))).toEqual({});
    expect(calls).toEqual([{ fn: 'log', args: { level: 'info', message: 'starting sdk-demo@0.1.0' } }]);

    calls.length = 0;
    expect(await call('handle_request', request('hello'))).toEqual({
      status: 200,
      body: { message: 'Hello from Sdk Demo', project_id: PROJECT_ID, task_titles: ['Écrire la doc ✓', '🚀 launch'] },
    });
    expect(calls).toEqual([{ fn: 'tasks.list', args: { page_size: 5 } }]);
  });

  it('turns a refused host call into a coded error with its status', async () => {
    refused = { 'tasks.list': { code: 'PLUGIN_PERMISSION_DENIED', message: 'tasks.list needs the permission core:read:tasks — refusé' } };
    expect(await failure('handle_request', request('hello'))).toEqual({
      code: 'PLUGIN_PERMISSION_DENIED', message: 'tasks.list needs the permission core:read:tasks — refusé', status: 403,
    });
  });

  it('reports fail() through error_set with code, message and status', async () => {
    expect(await failure('handle_request', request('refuse'))).toEqual({ code: 'DEMO_CONFLICT', message: 'déjà vu ✓', status: 409 });
  });

  it('answers a route name nothing is bound to with NOT_FOUND', async () => {
    expect(await failure('handle_request', request('nobody.home'))).toEqual({
      code: 'NOT_FOUND', message: 'no handler is bound to route nobody.home', status: 404,
    });
  });

  it('round-trips non-ASCII text, escapes and numbers through the request and the response', async () => {
    const body = {
      'clé "quotée"': 'héllo ✓ 😀 — 日本語',
      controls: 'tab\there\nnew line\r\u0001\u001f back\\slash / "quotes"',
      lone: '\ud800 alone',
      numbers: [0, -3, 42, 2.5, -0.125, 1e-7, 9007199254740991],
      flags: [true, false, null],
      nested: { empty: {}, list: [[], [{}]] },
    };
    const output = await call('handle_request', request('echo', {
      params: { projectId: PROJECT_ID, taskId: 'tâche-1' }, query: { limit: 20 }, body,
    }));
    expect(output).toEqual({
      status: 201,
      headers: { 'x-echo': '1' },
      body: { route: 'echo', task_id: 'tâche-1', limit: '20', caller: 'user:a6c1e1f4-5d2b-4f0e-8f39-5f3f4b8c2d10', body },
    });
  });

  it('passes JSON values through the kv host functions', async () => {
    const greeting = { text: 'Grüße 👋', count: 3 };
    expect(await call('handle_request', request('remember', { method: 'PUT', body: greeting }))).toEqual({ status: 200, body: greeting });
    expect(calls).toEqual([
      { fn: 'kv.set', args: { key: 'greeting', value: greeting } },
      { fn: 'kv.get', args: { key: 'greeting' } },
    ]);
    expect(await call('handle_request', request('forget', { method: 'DELETE' }))).toEqual({ status: 204, body: null });
  });

  it('sends each host function wrapper as the ABI names it', async () => {
    expect(await call('handle_request', request('tour'))).toEqual({ status: 200, body: { last_error: 'PLUGIN_HOST_FUNCTION_NOT_FOUND' } });
    expect(calls).toEqual([
      { fn: 'collections.put', args: { collection: 'checklists', id: 'c-1', doc: { title: 'Release' } } },
      { fn: 'collections.put', args: { collection: 'checklists', doc: {} } },
      { fn: 'collections.get', args: { collection: 'checklists', id: 'c-1' } },
      { fn: 'collections.delete', args: { collection: 'checklists', id: 'c-1' } },
      {
        fn: 'collections.query',
        args: {
          collection: 'items',
          where: { checklist_id: 'c-1', position: { gte: 1, lt: 9.5 }, done: { ne: true }, n: { gt: 0 }, m: { lte: null } },
          order_by: [{ field: 'position', dir: 'asc' }, { field: 'title', dir: 'desc' }],
          limit: 50,
        },
      },
      { fn: 'kv.delete', args: { key: 'k' } },
      { fn: 'cache.set', args: { key: 'c', value: [1], ttl_seconds: 60 } },
      { fn: 'cache.get', args: { key: 'c' } },
      { fn: 'cache.delete', args: { key: 'c' } },
      { fn: 'tasks.get', args: { task_id: 't-1' } },
      { fn: 'projects.get', args: {} },
      { fn: 'members.list', args: {} },
      { fn: 'events.emit', args: { type: 'sdk_demo.toured', payload: { what: 'tour' } } },
      { fn: 'activity.record', args: { action: 'toured', task_id: 't-1', changes: [{ field: 'x' }], content: 'done' } },
      { fn: 'permission.check', args: { action: 'sdk_demo:read' } },
      { fn: 'config.get', args: { key: 'API_TOKEN' } },
      { fn: 'log', args: { level: 'debug', message: 'd' } },
      { fn: 'log', args: { level: 'warn', message: 'w' } },
      { fn: 'log', args: { level: 'error', message: 'e' } },
      { fn: 'http.fetch', args: { method: 'POST', url: 'https://api.example.com/hook', headers: { 'content-type': 'application/json' }, body: '{}' } },
      { fn: 'bdd.scenarios', args: {} },
    ]);
  });

  it('parses and writes JSON from plugin code', async () => {
    expect(await call('handle_request', request('json'))).toEqual({
      status: 200,
      body: { bad_is_null: true, n_as_int: 2, n: 2, s: 'é😀', list_length: 2, second: 'two', has_missing: false, nan: null },
    });
  });

  it('delivers events to subscriptions and fails events nothing handles', async () => {
    const event = { id: 41, type: 'task.deleted', project_id: PROJECT_ID, project_seq: 7, payload: { task_id: 't-1' }, actor: null, origin: 'user', occurred_at: '2025-01-01T00:00:00Z' };
    expect(await call('handle_event', JSON.stringify({ subscription: 'task-cleanup', event }))).toEqual({});
    expect(calls).toEqual([{ fn: 'log', args: { level: 'info', message: 'cleaning up after task t-1 (event 41)' } }]);

    expect(await failure('handle_event', JSON.stringify({ subscription: 'task-cleanup', event: { ...event, type: 'task.created' } })))
      .toEqual({ code: 'UNEXPECTED_EVENT', message: 'did not expect task.created', status: 422 });
    expect(await failure('handle_event', JSON.stringify({ subscription: 'other', event })))
      .toEqual({ code: 'NOT_FOUND', message: 'no handler is bound to subscription other', status: 404 });
  });

  it('logs a throw through the host before trapping, and keeps serving', async () => {
    await expect(plugin.call('handle_request', request('crash'))).rejects.toThrow(/unreachable/);
    expect(calls).toEqual([{ fn: 'log', args: { level: 'error', message: expect.stringMatching(/^crashed: kaboom at assembly\/extra\.ts:\d+:\d+$/) } }]);
    expect(await call('handle_request', request('hello'))).toMatchObject({ status: 200 });
  });

  it('parses 128 nested levels (the input object included), and refuses malformed or deeper input with VALIDATION_FAILED instead of trapping', async () => {
    const deep = (levels: number) => `${'['.repeat(levels)}${']'.repeat(levels)}`;
    const output = await call('handle_request', request('echo').replace('"body":null', `"body":${deep(127)}`)) as { body: { body: unknown } };
    expect(JSON.stringify(output.body.body)).toBe(deep(127));
    const invalid = { code: 'VALIDATION_FAILED', message: 'the input of handle_request is not a JSON object', status: 400 };
    expect(await failure('handle_request', '[1, 2')).toEqual(invalid);
    expect(await failure('handle_request', request('echo').replace('"body":null', `"body":${deep(128)}`))).toEqual(invalid);
    expect(await failure('handle_request', `${request('echo')} trailing`)).toEqual(invalid);
  });

  it('stays healthy over many calls (the incremental GC reclaims each call)', async () => {
    for (let i = 0; i < 300; i++) {
      if (i % 100 === 0) await plugin.reset();
      expect(await call('handle_request', request('echo', { body: { i, text: 'x'.repeat(2000) } }))).toMatchObject({ status: 201 });
    }
  });

  it('shuts down', async () => {
    expect(await call('shutdown', '')).toEqual({});
  });
});
