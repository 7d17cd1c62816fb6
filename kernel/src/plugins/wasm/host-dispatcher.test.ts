import { PluginManifest } from '@paca/plugin-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Principal } from '../../auth/principal.js';
import { expectData, startTestKernel, type TestKernel } from '../../testing/index.js';
import { PluginSecrets } from '../plugin-secrets.js';
import { CallBuffer } from './call-buffer.js';
import { DocumentStore, ensureDocumentStore } from './document-store.js';
import { createHostDispatcher, type HostCallContext } from './host-dispatcher.js';
import { MemoryPluginCache } from './plugin-cache.js';

// The host side of `paca_call` (ABI): what a WASM guest may reach, scoped to its plugin and the
// project of its call, with writes buffered until the call succeeds (D22). Exercised here without
// a guest; the sandbox tests drive it from real WASM.

const manifestOf = (id: string, overrides: Record<string, unknown> = {}) => PluginManifest.parse({
  id, name: id, version: '1.0.0', kernel: '^0.1.0', runtime: 'wasm',
  permissions: ['collections', 'kv', 'cache', 'events:emit', 'activity:write', 'core:read:tasks', 'core:read:projects'],
  collections: [{ name: 'items', indexes: [{ field: 'task_id', type: 'string' }, { field: 'position', type: 'number' }, { field: 'done', type: 'boolean' }] }],
  events: [{ name: `${id.replace(/-/g, '_')}.item_added`, client_action: null, schema: { type: 'object', required: ['item_id'], properties: { item_id: { type: 'string' } } } }],
  secrets: [{ key: 'API_TOKEN', description: 'token' }],
  ...overrides,
});

let t: TestKernel;
let projectA: string;
let projectB: string;
let admin: Principal;
const checklist = manifestOf('list-probe');
const other = manifestOf('other-probe');
const bare = manifestOf('bare-probe', { permissions: [] });
let dispatch: ReturnType<typeof createHostDispatcher>;
let secrets: PluginSecrets;

beforeAll(async () => {
  t = await startTestKernel();
  const db = t.kernel.database.knex;
  for (const manifest of [checklist, other, bare]) await ensureDocumentStore(db, manifest);
  projectA = expectData(await t.api('POST', '/projects', { token: t.adminToken, body: { name: 'Wasm A' } }), 201).id;
  projectB = expectData(await t.api('POST', '/projects', { token: t.adminToken, body: { name: 'Wasm B' } }), 201).id;
  const me = expectData(await t.api('GET', '/users/me', { token: t.adminToken }));
  admin = { type: 'user', id: me.id, username: me.username, via: 'bearer', apiKeyId: null, mustChangePassword: false, agentProjectId: null };
  secrets = new PluginSecrets(t.kernel.services.secretBox, t.clock);
  dispatch = createHostDispatcher({
    db, clock: t.clock, iam: t.kernel.services.iam, hostFunctions: t.kernel.plugins.hostFunctions, outbox: t.kernel.events.outbox,
    activity: t.kernel.services.activity, secrets, cache: new MemoryPluginCache(() => t.clock.now().getTime()),
    log: { info: () => undefined, warn: () => undefined, error: () => undefined, debug: () => undefined },
  });
});
afterAll(() => t.close());

async function context(manifest: PluginManifest, projectId: string | null): Promise<HostCallContext> {
  const store = new DocumentStore(manifest);
  return {
    manifest, store, projectId, principal: admin, disabledPlugins: [],
    policies: await t.kernel.services.iam.policySetFor(t.kernel.database.knex, admin),
    buffer: new CallBuffer(store, projectId ?? 'workspace'),
  };
}

async function commit(ctx: HostCallContext): Promise<void> {
  await t.kernel.database.knex.transaction((tx) => ctx.buffer.commit(tx, t.clock.now()));
}

const call = (ctx: HostCallContext, fn: string, args: Record<string, unknown> = {}) => dispatch({ fn, args }, ctx);

describe('documents (D22)', () => {
  it('buffers a call’s writes: visible to the call at once, to others only after commit, gone if never committed', async () => {
    const ctx = await context(checklist, projectA);
    const put = await call(ctx, 'collections.put', { collection: 'items', doc: { task_id: 't1', position: 2, title: 'Второй', done: false } });
    expect(put).toMatchObject({ ok: true, value: { id: expect.any(String) } });
    const id = (put as { value: { id: string } }).value.id;
    await call(ctx, 'collections.put', { collection: 'items', doc: { task_id: 't1', position: 1, title: 'First', done: true } });
    await call(ctx, 'collections.put', { collection: 'items', doc: { task_id: 't2', position: 1, title: 'Other task' } });
    expect(await call(ctx, 'collections.get', { collection: 'items', id })).toEqual({ ok: true, value: { task_id: 't1', position: 2, title: 'Второй', done: false } });
    const query = { collection: 'items', where: { task_id: 't1' }, order_by: [{ field: 'position' }] };
    const titles = (answer: unknown) => (answer as { value: { items: Array<{ doc: { title: string } }> } }).value.items.map((i) => i.doc.title);
    expect(titles(await call(ctx, 'collections.query', query))).toEqual(['First', 'Второй']);

    const outsider = await context(checklist, projectA);
    expect(titles(await call(outsider, 'collections.query', query))).toEqual([]);
    await commit(ctx);
    expect(titles(await call(outsider, 'collections.query', query))).toEqual(['First', 'Второй']);
    expect(titles(await call(outsider, 'collections.query', { ...query, where: { task_id: 't1', position: { gt: 1 } } }))).toEqual(['Второй']);
    expect(titles(await call(outsider, 'collections.query', { ...query, order_by: [{ field: 'position', dir: 'desc' }], limit: 1 }))).toEqual(['Второй']);

    // A call that deletes and rewrites sees its own view; dropped, it changed nothing.
    const dropped = await context(checklist, projectA);
    expect(await call(dropped, 'collections.delete', { collection: 'items', id })).toEqual({ ok: true, value: { deleted: true } });
    expect(titles(await call(dropped, 'collections.query', query))).toEqual(['First']);
    expect(titles(await call(outsider, 'collections.query', query))).toEqual(['First', 'Второй']);
  });

  it('keeps each project and each plugin to its own documents', async () => {
    const a = await context(checklist, projectA);
    await call(a, 'collections.put', { collection: 'items', doc: { task_id: 'scoped', position: 1 } });
    await call(a, 'kv.set', { key: 'counter', value: 41 });
    await commit(a);
    const b = await context(checklist, projectB);
    expect((await call(b, 'collections.query', { collection: 'items', where: { task_id: 'scoped' } }) as { value: { items: unknown[] } }).value.items).toEqual([]);
    expect(await call(b, 'kv.get', { key: 'counter' })).toEqual({ ok: true, value: null });
    expect(await call(await context(checklist, projectA), 'kv.get', { key: 'counter' })).toEqual({ ok: true, value: 41 });
    const strings = await context(checklist, projectA);
    await call(strings, 'kv.set', { key: 'label', value: 'not JSON text' });
    await commit(strings);
    expect(await call(await context(checklist, projectA), 'kv.get', { key: 'label' })).toEqual({ ok: true, value: 'not JSON text' });
    // Another plugin with a collection of the same name reads its own schema, not this one.
    const stranger = await context(other, projectA);
    expect((await call(stranger, 'collections.query', { collection: 'items', where: { task_id: 'scoped' } }) as { value: { items: unknown[] } }).value.items).toEqual([]);
    expect(await call(stranger, 'collections.query', { collection: 'plugin_list_probe.wasm_documents' }))
      .toMatchObject({ ok: false, error: { code: 'VALIDATION_FAILED' } });
  });

  it('answers bad input and missing permissions with codes, never by throwing', async () => {
    const ctx = await context(checklist, projectA);
    expect(await call(ctx, 'collections.put', { collection: 'nope', doc: {} })).toMatchObject({ ok: false, error: { code: 'VALIDATION_FAILED' } });
    expect(await call(ctx, 'collections.put', { collection: 'items', doc: { position: 'first' } })).toMatchObject({ ok: false, error: { code: 'VALIDATION_FAILED', message: 'items.position must be a number' } });
    expect(await call(ctx, 'collections.put', { collection: 'items', doc: [] })).toMatchObject({ ok: false, error: { code: 'VALIDATION_FAILED' } });
    expect(await call(ctx, 'collections.query', { collection: 'items', where: { title: 'x' } })).toMatchObject({ ok: false, error: { code: 'VALIDATION_FAILED' } });
    expect(await call(ctx, 'collections.query', { collection: 'items', limit: 10_000 })).toMatchObject({ ok: false, error: { code: 'VALIDATION_FAILED' } });
    expect(await call(ctx, 'collections.get', { collection: 'items', id: "x' OR 1=1" })).toMatchObject({ ok: false, error: { code: 'VALIDATION_FAILED' } });
    expect(await dispatch(null, ctx)).toMatchObject({ ok: false, error: { code: 'VALIDATION_FAILED' } });
    expect(await call(ctx, 'nothing.here')).toMatchObject({ ok: false, error: { code: 'PLUGIN_HOST_FUNCTION_NOT_FOUND' } });
    const denied = await context(bare, projectA);
    for (const fn of ['collections.get', 'kv.get', 'cache.get', 'events.emit', 'activity.record', 'tasks.list', 'http.fetch']) {
      expect(await call(denied, fn, { collection: 'items', id: '00000000-0000-4000-8000-000000000000', key: 'k', type: 'bare_probe.item_added', action: 'x', url: 'https://example.com' }), fn)
        .toMatchObject({ ok: false, error: { code: 'PLUGIN_PERMISSION_DENIED' } });
    }
  });
});

describe('core reads, events, activity and secrets', () => {
  it('reads its own project’s tasks, never another project’s', async () => {
    expectData(await t.api('POST', `/projects/${projectA}/tasks`, { token: t.adminToken, body: { title: 'Seen by the plugin' } }), 201);
    const ctx = await context(checklist, projectA);
    const tasks = await call(ctx, 'tasks.list', {});
    expect(tasks).toMatchObject({ ok: true });
    expect(JSON.stringify((tasks as { value: unknown }).value)).toContain('Seen by the plugin');
    expect(await call(ctx, 'tasks.list', { project_id: projectB })).toMatchObject({ ok: false, error: { code: 'PLUGIN_PERMISSION_DENIED' } });
    expect(await call(await context(checklist, null), 'tasks.list', {})).toMatchObject({ ok: false, error: { code: 'PLUGIN_PERMISSION_DENIED' } });
    expect(await call(ctx, 'projects.get', {})).toMatchObject({ ok: true, value: { id: projectA, name: 'Wasm A' } });
  });

  it('emits declared events and records activity when the call commits, attributed to the plugin', async () => {
    const taskId = expectData(await t.api('POST', `/projects/${projectA}/tasks`, { token: t.adminToken, body: { title: 'Has items' } }), 201).id;
    const ctx = await context(checklist, projectA);
    expect(await call(ctx, 'activity.record', { action: 'x', task_id: 'not-a-uuid' })).toMatchObject({ ok: false, error: { code: 'VALIDATION_FAILED' } });
    expect(await call(ctx, 'events.emit', { type: 'list_probe.undeclared', payload: {} })).toMatchObject({ ok: false, error: { code: 'PLUGIN_EVENT_UNDECLARED' } });
    expect(await call(ctx, 'events.emit', { type: 'list_probe.item_added', payload: { item_id: 'i1' } })).toEqual({ ok: true, value: null });
    expect(await call(ctx, 'activity.record', { action: 'item_added', task_id: taskId, content: 'added i1' })).toEqual({ ok: true, value: null });
    const db = t.kernel.database.knex;
    expect(Number((await db('events').where({ type: 'list_probe.item_added' }).count({ n: '*' }).first())!.n)).toBe(0);
    await commit(ctx);
    const event = await db('events').where({ type: 'list_probe.item_added' }).first();
    expect(event).toMatchObject({ project_id: projectA, origin: 'plugin', actor_id: admin.id });
    const entry = await db('activities').where({ project_id: projectA, activity_type: 'list-probe.item_added' }).first();
    expect(entry).toMatchObject({ entity_type: 'task', entity_id: taskId, plugin_id: 'list-probe', origin: 'plugin' });
  });

  it('reads only the secrets its manifest declares, decrypted', async () => {
    const ctx = await context(checklist, projectA);
    expect(await call(ctx, 'config.get', { key: 'API_TOKEN' })).toEqual({ ok: true, value: null });
    await secrets.set(t.kernel.database.knex, checklist, 'API_TOKEN', 's3cr3t', null);
    expect(await call(ctx, 'config.get', { key: 'API_TOKEN' })).toEqual({ ok: true, value: 's3cr3t' });
    expect(await call(await context(other, projectA), 'config.get', { key: 'API_TOKEN' })).toEqual({ ok: true, value: null });
    expect(await call(ctx, 'config.get', { key: 'DATABASE_URL' })).toMatchObject({ ok: false, error: { code: 'PLUGIN_PERMISSION_DENIED' } });
  });

  it('caches per plugin and project, with expiry on the kernel clock', async () => {
    const ctx = await context(checklist, projectA);
    await call(ctx, 'cache.set', { key: 'k', value: { n: 1 }, ttl_seconds: 60 });
    expect(await call(ctx, 'cache.get', { key: 'k' })).toEqual({ ok: true, value: { n: 1 } });
    expect(await call(await context(checklist, projectB), 'cache.get', { key: 'k' })).toEqual({ ok: true, value: null });
    expect(await call(ctx, 'cache.set', { key: 'k', value: 1, ttl_seconds: -1 })).toMatchObject({ ok: false, error: { code: 'VALIDATION_FAILED' } });
    t.clock.advance(61_000);
    expect(await call(ctx, 'cache.get', { key: 'k' })).toEqual({ ok: true, value: null });
  });
});
