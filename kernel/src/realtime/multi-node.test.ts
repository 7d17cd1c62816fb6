import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import knexFactory, { type Knex } from 'knex';
import { describe, expect, it } from 'vitest';
import { freePort, KernelProcess, ProcessLog, RedisProcess } from './kernel-process.fixture.js';
import type { ClientEvent, JoinAck } from './realtime-server.js';
import { connectSocket, waitFor, type TestSocket } from './socket-client.fixture.js';

/*
 * Services mode end to end (D24–D26): two kernel processes share PostgreSQL and Redis; a client
 * on node B must apply every task change made through node A exactly once and in project order,
 * while node A is SIGKILLed and restarted and while Redis is SIGKILLed and restarted. Needs a
 * PostgreSQL server (DATABASE_URL: a fresh database is created on it) and `redis-server` (the
 * test runs its own on a free port, so killing it disturbs nobody).
 */
const TOTAL_CHANGES = 1_000;
const KILL_NODE_A_AFTER = 300;
const KILL_REDIS_AFTER = 650;
/** Requests in flight at once; change i goes to task i % WRITERS, so a task rarely has two writers. */
const WRITERS = 4;
/** Pause between a writer's changes: roughly 70 changes/s, so both outages happen mid-stream. */
const WRITER_PAUSE_MS = 30;
const ADMIN_PASSWORD = 'multi-node-admin-password-1';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const redisServerAvailable = await promisify(execFile)('redis-server', ['--version']).then(() => true, () => false);

/**
 * What a D25 client keeps for one project: it applies each event id once and expects
 * `project_seq` to go up by exactly one per applied event; anything else is recorded.
 */
class ProjectReplica {
  /** The last project_seq applied: 0 because the client joins with `since_seq: 0` (the whole history). */
  lastSeq = 0;
  readonly applied = new Map<number, ClientEvent>();
  duplicates = 0;
  readonly outOfOrder: string[] = [];

  constructor(private readonly projectId: string) {}

  apply(event: ClientEvent): void {
    if (event.project_id !== this.projectId) return; // the admin also hears workspace events
    if (this.applied.has(event.id)) {
      this.duplicates += 1;
      return;
    }
    if (event.project_seq !== this.lastSeq + 1) this.outOfOrder.push(`event ${event.id} (${event.type}) has seq ${event.project_seq} after ${this.lastSeq}`);
    this.applied.set(event.id, event);
    this.lastSeq = event.project_seq;
  }
}

describe.runIf(Boolean(process.env.DATABASE_URL) && redisServerAvailable)('two kernels sharing PostgreSQL and Redis (D24–D26)', () => {
  it('delivers 1,000 changes made on node A to a client on node B exactly once, in order, across a node kill and a Redis restart', async ({ onTestFailed }) => {
    const log = new ProcessLog();
    onTestFailed(() => console.error(`multi-node test output:\n${log.toString()}`));
    const adminUrl = process.env.DATABASE_URL!;
    const admin = knexFactory({ client: 'pg', connection: adminUrl, pool: { min: 0, max: 1 } });
    const dbName = `paca_mn_${randomBytes(6).toString('hex')}`;
    const dirs: string[] = [];
    const tempDir = async (prefix: string) => {
      const dir = await mkdtemp(path.join(tmpdir(), prefix));
      dirs.push(dir);
      return dir;
    };
    let db: Knex | null = null;
    let redis: RedisProcess | null = null;
    const nodes: KernelProcess[] = [];
    let openSocket: TestSocket | null = null;
    try {
      await admin.raw(`CREATE DATABASE ${dbName}`);
      const dbUrl = new URL(adminUrl);
      dbUrl.pathname = `/${dbName}`;
      db = knexFactory({ client: 'pg', connection: dbUrl.toString(), pool: { min: 0, max: 2 } });
      redis = new RedisProcess(await freePort(), await tempDir('paca-mn-redis-'), log);
      await redis.start();

      // Replicas share everything but the port and DATA_DIR.
      const shared = {
        DATABASE_URL: dbUrl.toString(), REDIS_URL: redis.url, JWT_SECRET: randomBytes(32).toString('hex'),
        ENCRYPTION_KEY: randomBytes(32).toString('hex'), ADMIN_PASSWORD, LOG_LEVEL: 'warn', AUTH_RATE_LIMIT_PER_MINUTE: '0',
      };
      const nodeA = new KernelProcess('node A', await freePort(), { ...shared, DATA_DIR: await tempDir('paca-mn-a-') }, log);
      const nodeB = new KernelProcess('node B', await freePort(), { ...shared, DATA_DIR: await tempDir('paca-mn-b-') }, log);
      nodes.push(nodeA, nodeB);
      await nodeA.start(); // migrates the fresh database
      await nodeB.start();

      // An API key rather than an access token: it does not expire mid-run.
      const login = await call(nodeA, 'POST', '/auth/login', null, { username: 'admin', password: ADMIN_PASSWORD });
      const apiKey = (await call(nodeA, 'POST', '/users/me/api-keys', `Bearer ${login.access_token}`, { name: 'multi-node' })).key as string;
      const auth = `ApiKey ${apiKey}`;
      const projectId = (await call(nodeA, 'POST', '/projects', auth, { name: 'Multi-node' })).id as string;
      const taskIds: string[] = [];
      for (let w = 0; w < WRITERS; w++) taskIds.push((await call(nodeA, 'POST', `/projects/${projectId}/tasks`, auth, { title: `Task ${w}` })).id as string);

      // The client on node B, following the README's protocol: a reconnect that was not
      // recovered re-joins with the last project_seq applied. socket.io-client only ever
      // reconnects to the URL it was given, so every connection here is to node B.
      const client = await connectSocket(nodeB.url, { token: apiKey, reconnection: true });
      openSocket = client;
      const replica = new ProjectReplica(projectId);
      client.socket.on('event', (event: ClientEvent) => replica.apply(event));
      const disconnects: Array<{ at: number; reason: string }> = [];
      const rejoins: Array<Promise<{ since: number; ack: JoinAck }>> = [];
      let recoveries = 0;
      client.socket.on('disconnect', (reason) => {
        disconnects.push({ at: Date.now(), reason });
        log.note(`client disconnected from node B: ${reason}`);
      });
      client.socket.on('connect', () => {
        if (client.socket.recovered) {
          recoveries += 1;
          return;
        }
        const since = replica.lastSeq;
        rejoins.push(client.join(projectId, since).then((ack) => ({ since, ack })));
      });
      // The whole history so far (project and task creation) is replayed, so the replica starts at seq 1.
      const joined = await client.join(projectId, 0);
      expect(joined).toMatchObject({ ok: true, replayed: joined.project_seq });
      expect(joined.refetch).toBeUndefined();

      // Writers: change i sets a task's description to `change i`. A request that got no answer
      // may or may not have committed, so it is sent again until one answer says it did; a
      // change may therefore be committed twice (both are real task.updated events), never zero times.
      let next = 0;
      let completed = 0;
      let networkErrors = 0;
      const refused: string[] = [];
      const change = async (i: number) => {
        for (;;) {
          try {
            const response = await fetch(`${nodeA.url}/api/v1/projects/${projectId}/tasks/${taskIds[i % WRITERS]}`, {
              method: 'PATCH', headers: { authorization: auth, 'content-type': 'application/json' },
              body: JSON.stringify({ description: `change ${i}` }), signal: AbortSignal.timeout(10_000),
            });
            const body = await response.text();
            if (response.ok) return;
            refused.push(`change ${i}: ${response.status} ${body.slice(0, 200)}`);
          } catch {
            networkErrors += 1; // node A is down or was killed with this request in flight
          }
          await sleep(100);
        }
      };
      const writer = async () => {
        while (next < TOTAL_CHANGES) {
          await change(next++);
          completed += 1;
          await sleep(WRITER_PAUSE_MS);
        }
      };

      const timeline: Record<string, number> = {};
      const mark = (what: string) => {
        timeline[what] = completed;
        log.note(`${what} after ${completed} changes`);
      };
      const chaos = async () => {
        await waitFor(() => completed >= KILL_NODE_A_AFTER, 150_000, `${KILL_NODE_A_AFTER} changes`);
        await nodeA.kill();
        mark('node A killed');
        const outageStart = Date.now();
        await sleep(1_000);
        await nodeA.start();
        mark('node A back');
        const outage = { from: outageStart, to: Date.now() };
        await waitFor(() => completed >= KILL_REDIS_AFTER, 150_000, `${KILL_REDIS_AFTER} changes`);
        await redis!.kill();
        mark('redis killed');
        await sleep(1_000);
        await redis!.start();
        mark('redis back');
        await waitFor(() => completed >= KILL_REDIS_AFTER + 100, 150_000, `${KILL_REDIS_AFTER + 100} changes`);
        client.socket.io.engine.close(); // and the client's own network blips: it reconnects to node B mid-stream
        mark('client dropped');
        return outage;
      };
      const started = Date.now();
      const [nodeAOutage] = await Promise.all([chaos(), ...Array.from({ length: WRITERS }, writer)]);
      const driveMs = Date.now() - started;
      // Both outages happened while changes were still being made.
      expect(timeline['redis back']).toBeLessThan(TOTAL_CHANGES);
      expect(refused).toEqual([]);

      // The outbox is the truth: wait until the client has applied up to the project's committed end.
      const committedEnd = async () => Number((await db!('event_counters').where({ scope: projectId }).first('seq'))!.seq);
      const end = await committedEnd();
      await waitFor(() => replica.lastSeq >= end, 30_000, `the client to reach seq ${end} (at ${replica.lastSeq})`);
      const catchUpMs = Date.now() - started - driveMs;
      await sleep(2_000); // longer than a sweep: late duplicates or strays would show up now

      const committed = (await db('events').where({ scope: projectId }).orderBy('project_seq').select('id', 'project_seq', 'type', 'payload')) as
        Array<{ id: string; project_seq: string; type: string; payload: { task: { description: string } } }>;
      const committedUpdates = committed.filter((e) => e.type === 'task.updated');
      const appliedUpdates = [...replica.applied.values()].filter((e) => e.type === 'task.updated');

      expect(await committedEnd()).toBe(end);
      expect(replica.outOfOrder).toEqual([]);
      expect(replica.lastSeq).toBe(end);
      // The project's whole committed history, each event once, in order; in particular every task.updated.
      expect([...replica.applied.values()].map((e) => `${e.id}@${e.project_seq}`)).toEqual(committed.map((e) => `${e.id}@${e.project_seq}`));
      expect(appliedUpdates.map((e) => e.id).sort((a, b) => a - b)).toEqual(committedUpdates.map((e) => Number(e.id)).sort((a, b) => a - b));
      // Every change acknowledged through node A was committed, and the client saw each of them.
      const allChanges = Array.from({ length: TOTAL_CHANGES }, (_, i) => `change ${i}`).sort();
      expect([...new Set(committedUpdates.map((e) => e.payload.task.description))].sort()).toEqual(allChanges);
      expect([...new Set(appliedUpdates.map((e) => (e.payload.task as { description: string }).description))].sort()).toEqual(allChanges);

      // The client stayed with node B throughout: node A's death did not touch its connection,
      // its one dropped transport re-joined from where it was, and nothing asked it to refetch.
      expect(client.socket.connected).toBe(true);
      expect(disconnects.filter((d) => d.at >= nodeAOutage.from && d.at <= nodeAOutage.to)).toEqual([]);
      expect(disconnects).toHaveLength(1);
      expect(rejoins.length + recoveries).toBe(1);
      for (const { since, ack } of await Promise.all(rejoins)) {
        expect(ack, `re-join from seq ${since}`).toMatchObject({ ok: true });
        expect(ack.refetch, `re-join from seq ${since}`).toBeUndefined();
      }
      expect(client.signals).toEqual([]);

      console.info(`multi-node: ${TOTAL_CHANGES} changes in ${driveMs} ms (${committedUpdates.length} task.updated committed, `
        + `${committedUpdates.length - TOTAL_CHANGES} committed again by a retry after a lost answer), client caught up ${catchUpMs} ms later; `
        + `${replica.duplicates} duplicate deliveries, ${disconnects.length} disconnects (${disconnects.map((d) => d.reason).join(', ') || 'none'}), `
        + `${rejoins.length} re-joins, ${recoveries} recovered sessions, ${networkErrors} failed requests; timeline ${JSON.stringify(timeline)}`);
    } finally {
      openSocket?.close();
      for (const node of nodes) await node.kill();
      await redis?.kill();
      await db?.destroy();
      await admin.raw(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
      await admin.destroy();
      for (const dir of dirs) await rm(dir, { recursive: true, force: true });
    }
  }, 180_000);
});

/** One JSON call to a node's API; anything but success fails the test with the kernel's answer. */
async function call(node: KernelProcess, method: string, route: string, authorization: string | null, body: unknown): Promise<Record<string, any>> {
  const response = await fetch(`${node.url}/api/v1${route}`, {
    method, headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) }, body: JSON.stringify(body),
  });
  const envelope = (await response.json()) as { success: boolean; data: Record<string, any> };
  if (!response.ok || !envelope.success) throw new Error(`${method} ${route} answered ${response.status}: ${JSON.stringify(envelope)}`);
  return envelope.data;
}
