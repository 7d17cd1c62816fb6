import { defineEvent } from '@paca/plugin-sdk';
import { Type } from '@sinclair/typebox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectData, expectError, startTestKernel, type TestKernel } from '../testing/index.js';
import type { StoredEvent } from './stored-event.js';

let t: TestKernel;
const applied: StoredEvent[] = [];
beforeAll(async () => {
  t = await startTestKernel({ });
  t.kernel.events.register({ name: 'outbox-test', types: ['*'], handle: async (_tx, event) => { applied.push(event); } });
});
afterAll(() => t.close());

const db = () => t.kernel.database.knex;
const eventsOf = (scope: string) => db()('events').where({ scope }).orderBy('project_seq').select('*');

describe('kernel writes emit events through the outbox (D24)', () => {
  it('a project’s life is a contiguous per-project sequence, with actor and origin', async () => {
    const project = expectData(await t.api('POST', '/projects', { token: t.adminToken, body: { name: 'Evented' } }), 201);
    const user = await t.createUser();
    const viewer = (expectData(await t.api('GET', `/projects/${project.id}/roles`, { token: t.adminToken })).items as Array<{ id: string; name: string }>).find((r) => r.name === 'Viewer')!;
    const member = expectData(await t.api('POST', `/projects/${project.id}/members`, { token: t.adminToken, body: { user_id: user.id, role_ids: [viewer.id] } }), 201);
    expectData(await t.api('PATCH', `/projects/${project.id}`, { token: t.adminToken, body: { description: 'now described' } }));
    expectData(await t.api('DELETE', `/projects/${project.id}/members/${member.id}`, { token: t.adminToken }), 204);
    expectData(await t.api('DELETE', `/projects/${project.id}`, { token: t.adminToken }), 204);

    const all = await eventsOf(project.id);
    expect(all.map((r) => Number(r.project_seq))).toEqual(all.map((_, i) => i + 1));
    // Core plugins' seeding (sprints' default views) shares the sequence; the kernel's own events are these.
    const rows = all.filter((r) => r.type.startsWith('project.'));
    expect(rows.map((r) => r.type)).toEqual(['project.created', 'project.member.added', 'project.updated', 'project.member.removed', 'project.deleted']);
    const admin = expectData(await t.api('GET', '/users/me', { token: t.adminToken }));
    for (const row of rows) expect(row).toMatchObject({ project_id: project.id, actor_type: 'user', actor_id: admin.id, origin: 'user' });
    expect(rows[2].payload).toEqual({ project_id: project.id, version: 2, changes: [{ field: 'description', old: '', new: 'now described' }] });
    expect(rows[1].payload).toMatchObject({ member_id: member.id, principal_type: 'user', principal_id: user.id, role_ids: [viewer.id] });
  });

  it('a refused write emits nothing (the event commits with the change or not at all)', async () => {
    expectData(await t.api('POST', '/projects', { token: t.adminToken, body: { name: 'Only Once' } }), 201);
    const before = Number((await db()('events').count({ n: '*' }).first())!.n);
    expectError(await t.api('POST', '/projects', { token: t.adminToken, body: { name: 'only once' } }), 409, 'PROJECT_NAME_TAKEN');
    const nobody = await t.createUser({ platformRoles: [] });
    const afterUser = Number((await db()('events').count({ n: '*' }).first())!.n);
    expect(afterUser).toBe(before + 1); // user.created for `nobody`, nothing for the refused project
    expectError(await t.api('POST', '/projects', { token: nobody.token, body: { name: 'Denied' } }), 403, 'FORBIDDEN');
    expect(Number((await db()('events').count({ n: '*' }).first())!.n)).toBe(afterUser);
  });

  it('workspace events (users, platform roles) share the workspace sequence', async () => {
    const user = await t.createUser();
    const rows = await db()('events').where({ scope: 'workspace', type: 'user.created' }).orderBy('project_seq');
    expect(rows.some((r) => r.payload.user_id === user.id && r.project_id === null)).toBe(true);
    const seqs = (await eventsOf('workspace')).map((r) => Number(r.project_seq));
    expect(seqs).toEqual(seqs.map((_, i) => i + 1));
  });

  it('per-project order equals commit order under concurrent writers', async () => {
    const project = expectData(await t.api('POST', '/projects', { token: t.adminToken, body: { name: 'Contended' } }), 201);
    const writes = await Promise.all(Array.from({ length: 20 }, (_, i) =>
      t.api('PATCH', `/projects/${project.id}`, { token: t.adminToken, body: { description: `edit ${i}` } })));
    expect(writes.every((w) => w.status === 200)).toBe(true);
    const updates = (await eventsOf(project.id)).filter((r) => r.type === 'project.updated');
    // Each write bumped the version under the row lock; sequence order must be version order.
    expect(updates.map((r) => r.payload.version)).toEqual(Array.from({ length: 20 }, (_, i) => i + 2));
    const seqs = updates.map((r) => Number(r.project_seq));
    expect(seqs).toEqual(seqs.map((_, i) => seqs[0]! + i));
  });

  it('relays everything and applies each event to a consumer once, even when delivered twice', async () => {
    await t.kernel.events.relay.drain();
    await t.kernel.events.consumers.catchUp();
    expect(Number((await db()('events').whereNull('published_at').count({ n: '*' }).first())!.n)).toBe(0);
    const total = Number((await db()('events').count({ n: '*' }).first())!.n);
    expect(applied).toHaveLength(total);
    // Deliver every event again through the transport: cursors make the repeats no-ops.
    const all = (await db()('events').select('*')).map((r) => ({ ...r, id: Number(r.id), project_seq: Number(r.project_seq) }));
    await t.kernel.events.transport.publish(all as never);
    await new Promise((resolve) => setTimeout(resolve, 50));
    await t.kernel.events.consumers.catchUp();
    expect(applied).toHaveLength(total);
    expect(new Set(applied.map((e) => e.id)).size).toBe(total);
  });

  it('refuses to emit a payload that breaks its own schema', async () => {
    const Strict = defineEvent('test.strict', Type.Object({ n: Type.Integer() }, { additionalProperties: false }));
    await expect(db().transaction((tx) => t.kernel.services.events.emit(tx, Strict, { projectId: null, actor: null, payload: { n: 'x' } as never })))
      .rejects.toMatchObject({ code: 'INTERNAL_ERROR' });
    expect(() => defineEvent('NotDotted', Type.Object({}))).toThrow(TypeError);
  });

  it('prunes published events past the retention window, keeping the sequence counters', async () => {
    await t.kernel.events.relay.drain();
    const counters = await db()('event_counters').select('*');
    t.clock.advance(8 * 86_400_000);
    const removed = await t.kernel.events.prune();
    expect(removed).toBeGreaterThan(0);
    expect(Number((await db()('events').count({ n: '*' }).first())!.n)).toBe(0);
    expect(await db()('event_counters').select('*')).toEqual(counters);
  });
});

describe('commit notifications (the relay and realtime start from them)', () => {
  const Pinged = defineEvent('test.pinged', Type.Object({ n: Type.Integer() }));
  const scope = '00000000-0000-4000-8000-0000000000c1';

  it('tells listeners after the outermost transaction commits, never for one that rolls back', async () => {
    const heard: number[] = [];
    const stop = t.kernel.events.outbox.onCommitted((event) => {
      if (event.scope === scope) heard.push((event.payload as { n: number }).n);
    });
    try {
      const outbox = t.kernel.events.outbox;
      await db().transaction(async (tx) => {
        await tx.transaction(async (savepoint) => outbox.emit(savepoint, Pinged, { projectId: scope, actor: null, payload: { n: 1 } }));
        await new Promise((resolve) => setTimeout(resolve, 50));
        expect(heard).toEqual([]); // the savepoint is released, but nothing is committed yet
      });
      expect(heard).toEqual([1]);
      await expect(db().transaction(async (tx) => {
        await tx.transaction(async (savepoint) => outbox.emit(savepoint, Pinged, { projectId: scope, actor: null, payload: { n: 2 } }));
        throw new Error('the outer transaction fails');
      })).rejects.toThrow('the outer transaction fails');
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(heard).toEqual([1]);
      expect((await eventsOf(scope)).map((r) => r.payload.n)).toEqual([1]);
    } finally {
      stop();
    }
  });
});

describe('consumers that prepare outside the transaction (WASM event handlers, D22)', () => {
  it('prepares with no connection held, then applies each matching event once with the cursor', async () => {
    const Pinged = defineEvent('test.prepared', Type.Object({ n: Type.Integer() }));
    const scope = '00000000-0000-4000-8000-0000000000c2';
    const applied: Array<{ n: number; prepared: unknown }> = [];
    t.kernel.events.register({
      name: 'prepare-test', types: ['test.prepared'],
      // A read through the pool: on PGlite's single connection this deadlocks if a transaction is open.
      prepare: async (event) => ({ doubled: (event.payload as { n: number }).n * 2, users: Number((await db()('users').count({ n: '*' }).first())!.n) > 0 }),
      handle: async (_tx, event, prepared) => void applied.push({ n: (event.payload as { n: number }).n, prepared }),
    });
    for (const n of [1, 2, 3]) {
      await db().transaction((tx) => t.kernel.events.outbox.emit(tx, Pinged, { projectId: scope, actor: null, payload: { n } }));
    }
    await t.kernel.events.relay.drain();
    await t.kernel.events.consumers.catchUp();
    await t.kernel.events.consumers.catchUp();
    expect(applied).toEqual([1, 2, 3].map((n) => ({ n, prepared: { doubled: n * 2, users: true } })));
    const cursor = await db()('event_consumer_cursors').where({ consumer: 'prepare-test', scope }).first('last_seq');
    expect(Number(cursor.last_seq)).toBe(3);
  });
});
