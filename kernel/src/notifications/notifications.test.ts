import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectData, expectError, startTestKernel, type TestKernel, type TestUser } from '../testing/index.js';
import { kernelNotificationConsumer } from './notification-consumer.js';

let t: TestKernel;
let alice: TestUser;
let bob: TestUser;
beforeAll(async () => {
  t = await startTestKernel();
  alice = await t.createUser();
  bob = await t.createUser();
});
afterAll(() => t.close());

const db = () => t.kernel.database.knex;

async function addTo(projectName: string, user: TestUser): Promise<string> {
  const project = expectData(await t.api('POST', '/projects', { token: t.adminToken, body: { name: projectName } }), 201);
  const roles = expectData(await t.api('GET', `/projects/${project.id}/roles`, { token: t.adminToken })).items as Array<{ id: string; name: string }>;
  expectData(await t.api('POST', `/projects/${project.id}/members`, { token: t.adminToken, body: { user_id: user.id, role_ids: [roles.find((r) => r.name === 'Editor')!.id] } }), 201);
  return project.id;
}

async function settle(): Promise<void> {
  await t.kernel.events.relay.drain();
  await t.kernel.events.consumers.catchUp();
}

describe('notifications (D26)', () => {
  it('tells a user they were added to a project, once', async () => {
    const projectId = await addTo('Notified One', alice);
    await settle();
    const inbox = expectData(await t.api('GET', '/users/me/notifications', { token: alice.token }));
    expect(inbox.unread_count).toBe(1);
    expect(inbox.items).toHaveLength(1);
    expect(inbox.items[0]).toMatchObject({
      type: 'project.member.added', project_id: projectId, read_at: null, event_id: expect.any(Number),
      data: { project_name: 'Notified One', task_id_prefix: 'NO', roles: ['Editor'] },
    });
    expect(expectData(await t.api('GET', '/users/me/notifications', { token: bob.token })).items).toEqual([]);
  });

  it('never notifies twice for one event, however often it is replayed', async () => {
    await addTo('Replayed', alice);
    await settle();
    const before = Number((await db()('notifications').count({ n: '*' }).first())!.n);
    // Replay everything: rewind the consumer's cursors and apply all events again.
    await db()('event_consumer_cursors').where({ consumer: 'kernel.notifications' }).update({ last_seq: 0 });
    await t.kernel.events.consumers.catchUp();
    expect(Number((await db()('notifications').count({ n: '*' }).first())!.n)).toBe(before);
    // A second consumer instance with the same service behaves the same.
    const consumer = kernelNotificationConsumer(t.kernel.services.notifications);
    const events = await db()('events').where({ type: 'project.member.added' }).select('*');
    await db().transaction(async (tx) => {
      for (const row of events) await consumer.handle(tx, { ...row, id: Number(row.id), project_seq: Number(row.project_seq), actor: { type: row.actor_type, id: row.actor_id } });
    });
    expect(Number((await db()('notifications').count({ n: '*' }).first())!.n)).toBe(before);
  });

  it('pages with a cursor, newest first', async () => {
    for (let i = 0; i < 3; i++) {
      t.clock.advance(1000);
      await addTo(`Paged ${i}`, bob);
    }
    await settle();
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = expectData(await t.api('GET', '/users/me/notifications', { token: bob.token, query: { page_size: '2', ...(cursor ? { cursor } : {}) } }));
      seen.push(...page.items.map((n: { data: { project_name: string } }) => n.data.project_name));
      cursor = page.next_cursor ?? undefined;
    } while (cursor);
    expect(seen).toEqual(['Paged 2', 'Paged 1', 'Paged 0']);
    expectError(await t.api('GET', '/users/me/notifications', { token: bob.token, query: { cursor: 'garbage' } }), 422, 'VALIDATION_FAILED');
  });

  it('marks one read (only your own) and then all read', async () => {
    const inbox = expectData(await t.api('GET', '/users/me/notifications', { token: bob.token }));
    const first = inbox.items[0];
    expectError(await t.api('PATCH', `/users/me/notifications/${first.id}/read`, { token: alice.token }), 404, 'NOTIFICATION_NOT_FOUND');
    expect((await db()('notifications').where({ id: first.id }).first()).read_at).toBeNull();
    const read = expectData(await t.api('PATCH', `/users/me/notifications/${first.id}/read`, { token: bob.token }));
    expect(read.read_at).toEqual(expect.any(String));
    const unread = expectData(await t.api('GET', '/users/me/notifications', { token: bob.token, query: { unread_only: 'true' } }));
    expect(unread.items.map((n: { id: string }) => n.id)).not.toContain(first.id);
    expect(unread.unread_count).toBe(2);
    expect(expectData(await t.api('POST', '/users/me/notifications/read-all', { token: bob.token }))).toEqual({ updated: 2 });
    expect(expectData(await t.api('GET', '/users/me/notifications', { token: bob.token })).unread_count).toBe(0);
    expect(expectData(await t.api('GET', '/users/me/notifications', { token: alice.token })).unread_count).toBe(2);
    expectError(await t.api('PATCH', '/users/me/notifications/not-a-uuid/read', { token: bob.token }), 422, 'VALIDATION_FAILED');
    expectError(await t.api('GET', '/users/me/notifications'), 401, 'AUTH_UNAUTHENTICATED');
  });

  it('does not notify you about adding yourself', async () => {
    const project = expectData(await t.api('POST', '/projects', { token: alice.token, body: { name: 'Mine Alone' } }), 201);
    await settle();
    const inbox = expectData(await t.api('GET', '/users/me/notifications', { token: alice.token }));
    expect(inbox.items.some((n: { project_id: string }) => n.project_id === project.id)).toBe(false);
  });
});
