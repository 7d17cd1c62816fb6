import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { expectData, expectStatus, startTestKernel, type TestKernel, type TestUser } from '../testing/index.js';
import { minimalPlugin } from '../plugins/fixtures/minimal.fixture.js';
import { connectSocket, waitFor, type TestSocket } from './socket-client.fixture.js';

let t: TestKernel;
let url: string;
let editor: TestUser;
let outsider: TestUser;
const open: TestSocket[] = [];

beforeAll(async () => {
  t = await startTestKernel({ plugins: [minimalPlugin('pulse')] });
  url = await t.listen();
  editor = await t.createUser();
  outsider = await t.createUser();
});
afterEach(() => {
  for (const s of open.splice(0)) s.close();
});
afterAll(() => t.close());

async function connect(options: Parameters<typeof connectSocket>[1] = {}): Promise<TestSocket> {
  const socket = await connectSocket(url, options);
  open.push(socket);
  return socket;
}

async function connectError(options: Parameters<typeof connectSocket>[1]): Promise<{ message: string; data?: { code: string } }> {
  try {
    const socket = await connectSocket(url, options);
    socket.close();
  } catch (error) {
    return error as { message: string; data?: { code: string } };
  }
  throw new Error('the connection was accepted');
}

async function project(options: { public?: boolean } = {}): Promise<string> {
  const created = expectData(await t.api('POST', '/projects', { token: t.adminToken, body: { name: `Live ${Math.random().toString(36).slice(2, 8)}`, is_public: options.public ?? false } }), 201);
  return created.id;
}

async function roleId(projectId: string, name: string): Promise<string> {
  const roles = expectData(await t.api('GET', `/projects/${projectId}/roles`, { token: t.adminToken })).items as Array<{ id: string; name: string }>;
  return roles.find((r) => r.name === name)!.id;
}

async function addMember(projectId: string, user: TestUser, roleIds: string[]): Promise<string> {
  return expectData(await t.api('POST', `/projects/${projectId}/members`, { token: t.adminToken, body: { user_id: user.id, role_ids: roleIds } }), 201).id;
}

async function createTask(projectId: string, title: string): Promise<string> {
  return expectData(await t.api('POST', `/projects/${projectId}/tasks`, { token: t.adminToken, body: { title } }), 201).id;
}

const titles = (s: TestSocket, type = 'task.created') => s.events.filter((e) => e.type === type).map((e) => (e.payload.task as { title: string }).title);

describe('connecting (D26)', () => {
  it('accepts a bearer token, an API key, the access cookie, and no credentials at all', async () => {
    await connect({ token: editor.token });
    const key = expectData(await t.api('POST', '/users/me/api-keys', { token: editor.token, body: { name: 'socket' } }), 201).key as string;
    await connect({ token: key });
    await connect({ cookie: `access_token=${editor.token}` });
    await connect({ cookie: `access_token=${editor.token}`, origin: t.config.publicUrl });
    await connect();
  });

  it('refuses bad credentials with a code and a cookie sent from another site', async () => {
    expect((await connectError({ token: 'not-a-token' })).data).toEqual({ code: 'AUTH_TOKEN_INVALID' });
    expect((await connectError({ token: 'paca_0000000000000000000000000000' })).data).toEqual({ code: 'AUTH_TOKEN_INVALID' });
    expect((await connectError({ cookie: 'access_token=garbage' })).data).toEqual({ code: 'AUTH_TOKEN_INVALID' });
    expect((await connectError({ cookie: `access_token=${editor.token}`, origin: 'https://evil.example' })).data).toEqual({ code: 'FORBIDDEN' });
    const created = expectData(await t.api('POST', '/users/me/api-keys', { token: editor.token, body: { name: 'revoked' } }), 201);
    expectStatus(await t.api('DELETE', `/users/me/api-keys/${created.id}`, { token: editor.token }), 204);
    expect((await connectError({ token: created.key })).data).toEqual({ code: 'API_KEY_REVOKED' });
  });

  it('answers malformed joins and leaves with VALIDATION_FAILED', async () => {
    const s = await connect({ token: editor.token });
    expect(await s.socket.timeout(5_000).emitWithAck('join', { projectId: 'nope' })).toEqual({ ok: false, error_code: 'VALIDATION_FAILED' });
    expect(await s.socket.timeout(5_000).emitWithAck('join', null)).toEqual({ ok: false, error_code: 'VALIDATION_FAILED' });
    expect(await s.socket.timeout(5_000).emitWithAck('join', { projectId: await project(), since_seq: -1 })).toEqual({ ok: false, error_code: 'VALIDATION_FAILED' });
    expect(await s.socket.timeout(5_000).emitWithAck('leave', { projectId: 42 })).toEqual({ ok: false, error_code: 'VALIDATION_FAILED' });
    expect(s.socket.connected).toBe(true);
  });
});

describe('project rooms', () => {
  it('lets members join and refuses non-members as if the project did not exist', async () => {
    const projectId = await project();
    await addMember(projectId, editor, [await roleId(projectId, 'Editor')]);
    const member = await connect({ token: editor.token });
    const stranger = await connect({ token: outsider.token });
    const anonymous = await connect();
    expect(await member.join(projectId)).toMatchObject({ ok: true, replayed: 0 });
    expect(await stranger.join(projectId)).toEqual({ ok: false, error_code: 'PROJECT_NOT_FOUND' });
    expect(await anonymous.join(projectId)).toEqual({ ok: false, error_code: 'PROJECT_NOT_FOUND' });
    expect(await member.join('00000000-0000-4000-8000-000000000000')).toEqual({ ok: false, error_code: 'PROJECT_NOT_FOUND' });

    await createTask(projectId, 'Seen by members');
    const event = await waitFor(() => member.events.find((e) => e.type === 'task.created'), 5_000, 'task.created');
    expect(event).toEqual({
      id: expect.any(Number), type: 'task.created', project_id: projectId, project_seq: expect.any(Number),
      payload: expect.objectContaining({ task_id: expect.any(String), task: expect.objectContaining({ title: 'Seen by members' }) }),
      actor: { type: 'user', id: expect.any(String) }, origin: 'user', occurred_at: expect.any(String),
    });
    expect(stranger.events).toEqual([]);
    expect(anonymous.events).toEqual([]);
  });

  it('lets anyone join a public project anonymously, for its read topics only', async () => {
    const projectId = await project({ public: true });
    const anonymous = await connect();
    expect(await anonymous.join(projectId)).toMatchObject({ ok: true });
    await createTask(projectId, 'Public news');
    // Members are public-readable only when the kernel says so; roles never are.
    await t.api('POST', `/projects/${projectId}/roles`, { token: t.adminToken, body: { name: 'Hidden role', policy: { version: '2026-10-01', statements: [] } } });
    await createTask(projectId, 'Sentinel');
    await waitFor(() => titles(anonymous).includes('Sentinel'), 5_000, 'the sentinel');
    expect(titles(anonymous)).toEqual(['Public news', 'Sentinel']);
    expect(anonymous.events.some((e) => e.type.startsWith('role.'))).toBe(false);
  });

  it('delivers only the topics the member may read: tasks but not docs', async () => {
    const projectId = await project();
    const tasksOnly = expectData(await t.api('POST', `/projects/${projectId}/roles`, {
      token: t.adminToken,
      body: { name: 'Tasks reader', policy: { version: '2026-10-01', statements: [{ effect: 'Allow', actions: ['projects:read', 'tasks:read'], resources: [`project/${projectId}`, `project/${projectId}/*`] }] } },
    }), 201).id;
    const reader = await t.createUser();
    await addMember(projectId, reader, [tasksOnly]);
    const s = await connect({ token: reader.token });
    expect(await s.join(projectId)).toMatchObject({ ok: true });
    expectData(await t.api('POST', `/projects/${projectId}/docs`, { token: t.adminToken, body: { title: 'Secret plan', content: 'x' } }), 201);
    await createTask(projectId, 'After the doc');
    await waitFor(() => titles(s).includes('After the doc'), 5_000, 'the task event');
    expect(s.events.map((e) => e.type)).toEqual(['task.created']);
  });

  it('never tells a member about a task it is denied (D15 entity deny)', async () => {
    const projectId = await project();
    const hidden = await createTask(projectId, 'Hidden');
    const deny = expectData(await t.api('POST', `/projects/${projectId}/roles`, {
      token: t.adminToken,
      body: { name: 'No hidden task', policy: { version: '2026-10-01', statements: [{ effect: 'Deny', actions: ['tasks:read'], resources: [`project/${projectId}/task/${hidden}`] }] } },
    }), 201).id;
    const member = await t.createUser();
    await addMember(projectId, member, [await roleId(projectId, 'Editor'), deny]);
    const s = await connect({ token: member.token });
    expect(await s.join(projectId)).toMatchObject({ ok: true });
    expectData(await t.api('PATCH', `/projects/${projectId}/tasks/${hidden}`, { token: t.adminToken, body: { title: 'Hidden, renamed' } }));
    await createTask(projectId, 'Visible');
    await waitFor(() => titles(s).includes('Visible'), 5_000, 'the visible task');
    expect(s.events.filter((e) => e.payload.task_id === hidden)).toEqual([]);
  });

  it('delivers a project’s events in commit order, each once', async () => {
    const projectId = await project();
    const s = await connect({ token: t.adminToken });
    expect(await s.join(projectId)).toMatchObject({ ok: true });
    const taskId = await createTask(projectId, 'Counter 0');
    await Promise.all(Array.from({ length: 30 }, (_, i) =>
      t.api('PATCH', `/projects/${projectId}/tasks/${taskId}`, { token: t.adminToken, body: { description: `edit ${i}` } })));
    await waitFor(() => s.events.filter((e) => e.type === 'task.updated').length >= 30, 10_000, '30 updates');
    const seqs = s.events.map((e) => e.project_seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    expect(new Set(s.events.map((e) => e.id)).size).toBe(s.events.length);
    // Commit order: the last description received is the one the task holds now.
    const stored = expectData(await t.api('GET', `/projects/${projectId}/tasks/${taskId}`, { token: t.adminToken }));
    const last = s.events.filter((e) => e.type === 'task.updated').at(-1)!;
    expect((last.payload.task as { description: string }).description).toBe(stored.description);
  });

  it('stops delivering after leave', async () => {
    const projectId = await project();
    const s = await connect({ token: t.adminToken });
    const watcher = await connect({ token: t.adminToken });
    await s.join(projectId);
    await watcher.join(projectId);
    expect(await s.leave(projectId)).toEqual({ ok: true });
    await createTask(projectId, 'After leaving');
    await waitFor(() => titles(watcher).includes('After leaving'), 5_000, 'the watcher');
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(s.events).toEqual([]);
  });
});

describe('replay and reconnects', () => {
  it('replays what a client missed after since_seq, then goes live, in order', async () => {
    const projectId = await project();
    const first = await connect({ token: t.adminToken });
    await first.join(projectId);
    await createTask(projectId, 'Seen live');
    const seen = await waitFor(() => first.events.find((e) => e.type === 'task.created'), 5_000, 'the first event');
    first.close();
    for (const title of ['Missed 1', 'Missed 2', 'Missed 3']) await createTask(projectId, title);

    const again = await connect({ token: t.adminToken });
    const ack = await again.join(projectId, seen.project_seq);
    expect(ack).toMatchObject({ ok: true, replayed: expect.any(Number) });
    expect(ack.replayed).toBeGreaterThanOrEqual(3);
    await createTask(projectId, 'Live again');
    await waitFor(() => titles(again).includes('Live again'), 5_000, 'the live event');
    expect(titles(again)).toEqual(['Missed 1', 'Missed 2', 'Missed 3', 'Live again']);
    expect(again.events[0]!.project_seq).toBe(seen.project_seq + 1);
  });

  it('tells a client too far behind to refetch instead of replaying', async () => {
    const projectId = await project();
    const s = await connect({ token: t.adminToken });
    const ack = await s.join(projectId, 0);
    expect(ack.ok).toBe(true);
    // A new project's history is short: replayed in full.
    expect(ack.refetch).toBeUndefined();
    await t.kernel.database.knex('events').where({ scope: projectId }).where('project_seq', '<=', 1).delete(); // pruned (D24)
    const late = await connect({ token: t.adminToken });
    expect(await late.join(projectId, 0)).toMatchObject({ ok: true, refetch: true, replayed: 0 });
  });

  it('recovers after a dropped transport: connection-state recovery on one node, the since cursor otherwise', async () => {
    const projectId = await project();
    const s = await connect({ token: t.adminToken, reconnection: true });
    // The client protocol (README): a reconnect that was not recovered re-joins from the last seq it saw.
    s.socket.on('connect', () => {
      if (!s.socket.recovered) void s.join(projectId, s.events.at(-1)?.project_seq ?? null);
    });
    await s.join(projectId);
    await createTask(projectId, 'Before the drop');
    await waitFor(() => titles(s).includes('Before the drop'), 5_000, 'the first event');
    const id = s.socket.id;
    s.socket.io.engine.close(); // the network drops; socket.io-client reconnects by itself
    await createTask(projectId, 'During the drop');
    await waitFor(() => s.socket.connected && titles(s).includes('During the drop'), 10_000, 'the missed event');
    // One node in memory recovers the session itself; across nodes (Redis adapter) events are
    // delivered node-locally, so recovery falls back to the outbox through since_seq.
    if (!process.env.REDIS_URL) {
      expect(s.socket.recovered).toBe(true);
      expect(s.socket.id).toBe(id);
    }
    await createTask(projectId, 'After the drop');
    await waitFor(() => titles(s).includes('After the drop'), 5_000, 'live after recovery');
    expect(titles(s)).toEqual(['Before the drop', 'During the drop', 'After the drop']);
  });
});

describe('losing access mid-session', () => {
  it('does not replay to a reconnecting socket what it lost access to while away', async () => {
    const projectId = await project();
    const member = await t.createUser();
    const memberId = await addMember(projectId, member, [await roleId(projectId, 'Editor')]);
    const s = await connect({ token: member.token, reconnection: true });
    const rejoins: Array<Promise<unknown>> = [];
    s.socket.on('connect', () => {
      if (!s.socket.recovered) rejoins.push(s.join(projectId, s.events.at(-1)?.project_seq ?? null));
    });
    await s.join(projectId);
    await createTask(projectId, 'Before the drop');
    await waitFor(() => titles(s).includes('Before the drop'), 5_000, 'the first event');
    // Offline for a moment: removed from the project, and a task is created meanwhile.
    s.socket.io.reconnection(false);
    s.socket.io.engine.close();
    await waitFor(() => !s.socket.connected, 5_000, 'the disconnect');
    expectStatus(await t.api('DELETE', `/projects/${projectId}/members/${memberId}`, { token: t.adminToken }), 204);
    await createTask(projectId, 'While away');
    s.socket.connect();
    await waitFor(() => s.socket.connected, 5_000, 'the reconnect');
    // Recovered on this node: told it left; otherwise its re-join is refused. Never the task.
    const told = await waitFor(() => s.signals.find((x) => x.name === 'left') ?? (rejoins.length > 0 && rejoins[0]), 5_000, 'the refusal');
    if ('name' in (told as object)) expect(told).toEqual({ name: 'left', body: { project_id: projectId, error_code: 'PROJECT_NOT_FOUND' } });
    else expect(await told).toEqual({ ok: false, error_code: 'PROJECT_NOT_FOUND' });
    await createTask(projectId, 'After');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(titles(s)).toEqual(['Before the drop']);
  });

  it('removes a member whose membership is revoked from the project, before the next event', async () => {
    const projectId = await project();
    const member = await t.createUser();
    const memberId = await addMember(projectId, member, [await roleId(projectId, 'Editor')]);
    const s = await connect({ token: member.token });
    const watcher = await connect({ token: t.adminToken });
    await s.join(projectId);
    await watcher.join(projectId);
    await createTask(projectId, 'While a member');
    await waitFor(() => titles(s).includes('While a member'), 5_000, 'the member event');
    expectStatus(await t.api('DELETE', `/projects/${projectId}/members/${memberId}`, { token: t.adminToken }), 204);
    await createTask(projectId, 'After removal');
    await waitFor(() => titles(watcher).includes('After removal'), 5_000, 'the watcher');
    await waitFor(() => s.signals.find((x) => x.name === 'left'), 5_000, 'left');
    expect(s.signals).toContainEqual({ name: 'left', body: { project_id: projectId, error_code: 'PROJECT_NOT_FOUND' } });
    expect(titles(s)).toEqual(['While a member']);
    expect(await s.join(projectId)).toEqual({ ok: false, error_code: 'PROJECT_NOT_FOUND' });
  });

});

describe('notifications and the workspace room', () => {
  it('pushes a notification to its recipient only, as it is created', async () => {
    const recipient = await t.createUser();
    const s = await connect({ token: recipient.token });
    const other = await connect({ token: editor.token });
    const projectId = await project();
    await addMember(projectId, recipient, [await roleId(projectId, 'Viewer')]);
    const notification = await waitFor(() => s.notifications[0], 10_000, 'the notification');
    expect(notification).toMatchObject({ type: 'project.member.added', project_id: projectId, read_at: null });
    const listed = expectData(await t.api('GET', '/users/me/notifications', { token: recipient.token })).items;
    expect(listed[0]).toEqual(notification);
    expect(other.notifications).toEqual([]);
  });

  it('sends workspace events to the holders of their action, and plugin switches to everyone signed in', async () => {
    const admin = await connect({ token: t.adminToken });
    // Without platform roles: signed in, but not allowed to read user accounts.
    const user = await connect({ token: (await t.createUser({ platformRoles: [] })).token });
    const created = await t.createUser();
    const seen = await waitFor(() => admin.events.find((e) => e.type === 'user.created' && e.payload.user_id === created.id), 5_000, 'user.created');
    expect(seen.project_id).toBeNull();
    expectData(await t.api('PATCH', '/admin/plugins/pulse', { token: t.adminToken, body: { enabled: false } }));
    await waitFor(() => user.events.find((e) => e.type === 'plugin.disabled'), 5_000, 'plugin.disabled');
    expect(user.events.some((e) => e.type === 'user.created')).toBe(false);
  });
});

describe('credentials that stop being valid', () => {
  it('signs out the sockets of a user deleted by an admin at once', async () => {
    const doomed = await t.createUser();
    const s = await connect({ token: doomed.token });
    await waitFor(() => t.kernel.realtime.io.of('/').adapter.rooms.get(`user:${doomed.id}`)?.size, 5_000, 'the user room');
    expectStatus(await t.api('DELETE', `/admin/users/${doomed.id}`, { token: t.adminToken }), 204);
    await waitFor(() => s.signals.find((x) => x.name === 'auth_expired'), 5_000, 'auth_expired');
    expect(s.signals).toEqual([{ name: 'auth_expired', body: { code: 'AUTH_TOKEN_INVALID' } }]);
    expect(t.kernel.realtime.io.of('/').adapter.rooms.get(`user:${doomed.id}`)).toBeUndefined();
  });

  it('signs out a socket whose API key is revoked or whose session logged out, when credentials are checked again', async () => {
    const projectId = await project();
    const member = await t.createUser();
    await addMember(projectId, member, [await roleId(projectId, 'Editor')]);
    const key = expectData(await t.api('POST', '/users/me/api-keys', { token: member.token, body: { name: 'revoke me' } }), 201);
    const byKey = await connect({ token: key.key });
    const session = await t.login(member.username, member.password);
    const byToken = await connect({ token: session });
    const untouched = await connect({ token: member.token });
    for (const s of [byKey, byToken, untouched]) expect(await s.join(projectId)).toMatchObject({ ok: true });

    expectStatus(await t.api('DELETE', `/users/me/api-keys/${key.id}`, { token: member.token }), 204);
    expectStatus(await t.api('POST', '/auth/logout', { token: session }), 204);
    await t.kernel.realtime.revalidateCredentials(); // runs every minute on its own
    await waitFor(() => byKey.signals.find((x) => x.name === 'left') && byToken.signals.find((x) => x.name === 'left'), 5_000, 'both left');
    expect(byKey.signals.filter((x) => x.name === 'auth_expired')).toEqual([{ name: 'auth_expired', body: { code: 'API_KEY_REVOKED' } }]);
    expect(byToken.signals.filter((x) => x.name === 'auth_expired')).toEqual([{ name: 'auth_expired', body: { code: 'AUTH_TOKEN_INVALID' } }]);
    expect(untouched.signals).toEqual([]);
    await createTask(projectId, 'After sign-out');
    await waitFor(() => titles(untouched).includes('After sign-out'), 5_000, 'the still-valid socket');
    expect(titles(byKey)).toEqual([]);
    expect(titles(byToken)).toEqual([]);
  });
});

// Last: it moves the kernel clock past every token issued so far.
describe('token expiry', () => {
  it('drops a socket whose token expires to anonymous and takes it out of private rooms', async () => {
    const privateId = await project();
    const publicId = await project({ public: true });
    const member = await t.createUser();
    await addMember(privateId, member, [await roleId(privateId, 'Editor')]);
    const s = await connect({ token: member.token });
    const watcher = await connect({ token: t.adminToken });
    await s.join(privateId);
    await s.join(publicId);
    await watcher.join(privateId);
    t.clock.advance(16 * 60_000); // access tokens live 15 minutes
    await waitFor(() => s.signals.find((x) => x.name === 'auth_expired'), 5_000, 'auth_expired');
    expect(s.signals).toContainEqual({ name: 'auth_expired', body: { code: 'AUTH_TOKEN_EXPIRED' } });
    await waitFor(() => s.signals.find((x) => x.name === 'left'), 5_000, 'left');
    const adminToken = await t.login(t.config.adminUsername, 'admin-password-for-tests');
    expectData(await t.api('POST', `/projects/${privateId}/tasks`, { token: adminToken, body: { title: 'Private after expiry' } }), 201);
    expectData(await t.api('POST', `/projects/${publicId}/tasks`, { token: adminToken, body: { title: 'Public after expiry' } }), 201);
    await waitFor(() => titles(s).includes('Public after expiry'), 5_000, 'the public event');
    expect(titles(s)).not.toContain('Private after expiry');

    // A fresh token brings the private project back on the same socket.
    const fresh = await t.login(member.username, member.password);
    expect(await s.socket.timeout(5_000).emitWithAck('authenticate', { token: fresh })).toEqual({ ok: true });
    expect(await s.join(privateId)).toMatchObject({ ok: true });
    expect(await s.socket.timeout(5_000).emitWithAck('authenticate', { token: 'garbage' })).toEqual({ ok: false, error_code: 'AUTH_TOKEN_INVALID' });
  });
});
