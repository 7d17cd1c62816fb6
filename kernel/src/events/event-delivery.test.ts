import { execFile, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { Knex } from 'knex';
import { afterAll, describe, expect, it } from 'vitest';
import { systemClock } from '../clock.js';
import { openDatabase } from '../db/database.js';
import { freePort } from '../realtime/kernel-process.fixture.js';
import { createTestDatabase } from '../testing/test-database.js';
import { ConsumerHost, type EventConsumer } from './consumer-host.js';
import { Outbox } from './outbox.js';
import { RedisTransport } from './redis-transport.js';
import { Relay } from './relay.js';

/*
 * D33 kill tests and transport loss: every committed event is applied exactly once (D25).
 * On PostgreSQL the relay or consumer runs in a child process that SIGKILLs itself at the point
 * under test; on PGlite the whole pipeline runs in the child on a data directory that the next
 * process reopens.
 */
const WORKER = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../test-fixtures/event-worker.mjs');
const SCOPE = '00000000-0000-4000-8000-000000000001';
const onPostgres = Boolean(process.env.DATABASE_URL);
const cleanups: Array<() => Promise<unknown>> = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  output: string;
}

function runWorker(options: Record<string, unknown>): Promise<Exit> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [WORKER, JSON.stringify(options)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.on('exit', (code, signal) => resolve({ code, signal, output }));
  });
}

/** Where a worker and this process meet: a fresh PostgreSQL database, or a PGlite directory. */
async function sharedDatabase(): Promise<{ target: Record<string, unknown>; open: () => Promise<{ knex: Knex; close: () => Promise<void> }> }> {
  if (onPostgres) {
    const test = await createTestDatabase();
    cleanups.push(() => test.dispose(), () => test.database.close());
    return { target: { databaseUrl: test.url }, open: async () => ({ knex: test.database.knex, close: async () => undefined }) };
  }
  const dir = await mkdtemp(path.join(tmpdir(), 'paca-events-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  const pgliteDir = path.join(dir, 'pglite');
  return {
    target: { pgliteDir },
    open: async () => {
      const database = await openDatabase({ pgliteDir });
      return { knex: database.knex, close: () => database.close() };
    },
  };
}

async function applicationsPerEvent(knex: Knex): Promise<Map<number, number>> {
  const rows = (await knex('test_applications').select('event_id').count({ n: '*' }).groupBy('event_id')) as Array<{ event_id: string | number; n: string | number }>;
  return new Map(rows.map((r) => [Number(r.event_id), Number(r.n)]));
}

async function expectEachAppliedOnce(knex: Knex, total: number): Promise<void> {
  const ids = (await knex('events').where({ scope: SCOPE }).orderBy('id').pluck('id')).map(Number);
  expect(ids).toHaveLength(total);
  const applied = await applicationsPerEvent(knex);
  expect([...applied.keys()].sort((a, b) => a - b)).toEqual(ids);
  expect([...applied.values()].every((n) => n === 1), JSON.stringify([...applied])).toBe(true);
  const cursor = await knex('event_consumer_cursors').where({ consumer: 'kill-test', scope: SCOPE }).first('last_seq');
  expect(Number(cursor.last_seq)).toBe(total);
}

describe('relay killed mid-batch (D33)', () => {
  it('republishes the unmarked batch and every event is applied exactly once', async () => {
    const shared = await sharedDatabase();
    const redis = onPostgres ? process.env.REDIS_URL ?? null : null;
    const stream = `paca:test:kill:${Date.now()}:events`;
    // On PostgreSQL with Redis this process consumes through the stream and sees the killed
    // batch twice; otherwise the restarted worker consumes.
    let host: ConsumerHost | null = null;
    let transport: RedisTransport | null = null;
    if (redis) {
      const { knex } = await shared.open();
      await knex.raw('CREATE TABLE IF NOT EXISTS test_applications (event_id bigint NOT NULL, consumer text NOT NULL)');
      transport = new RedisTransport(redis, stream);
      host = new ConsumerHost(knex, transport, { sweepIntervalMs: 60_000 });
      host.register(recordingConsumer());
      host.start();
      await new Promise((resolve) => setTimeout(resolve, 300)); // the reader is blocking on XREAD
    }
    const first = await runWorker({ ...shared.target, emit: 20, scope: SCOPE, relay: true, batchSize: 5, killAfterPublish: 5, redisUrl: redis, redisStream: stream });
    expect(first.signal, first.output).toBe('SIGKILL');

    const second = await runWorker({ ...shared.target, relay: true, consumeAfterRelay: !redis, redisUrl: redis, redisStream: stream });
    expect(second.code, second.output).toBe(0);

    const { knex, close } = await shared.open();
    try {
      if (host) {
        await waitFor(async () => (await knex('test_applications').count({ n: '*' }).first())!.n == 20);
        await host.catchUp();
      }
      expect(Number((await knex('events').whereNull('published_at').count({ n: '*' }).first())!.n)).toBe(0);
      await expectEachAppliedOnce(knex, 20);
    } finally {
      await host?.stop();
      await transport?.close();
      await close();
    }
  });
});

describe('consumer killed after applying an effect, before committing its cursor (D33)', () => {
  it('loses that effect with the transaction and applies it once after restart', async () => {
    const shared = await sharedDatabase();
    const first = await runWorker({ ...shared.target, emit: 10, scope: SCOPE, consume: true, batchSize: 3, killAtEvent: 4 });
    expect(first.signal, first.output).toBe('SIGKILL');
    {
      const { knex, close } = await shared.open();
      // Batch 1 (events 1–3) committed; event 4's effect died with its transaction.
      expect(Number((await knex('test_applications').count({ n: '*' }).first())!.n)).toBe(3);
      await close();
    }
    const second = await runWorker({ ...shared.target, consume: true });
    expect(second.code, second.output).toBe(0);
    const { knex, close } = await shared.open();
    try {
      await expectEachAppliedOnce(knex, 10);
    } finally {
      await close();
    }
  });
});

function recordingConsumer(): EventConsumer {
  return {
    name: 'kill-test',
    types: ['test.*'],
    handle: async (tx, event) => {
      await tx('test_applications').insert({ event_id: event.id, consumer: 'kill-test' });
    },
  };
}

async function waitFor(check: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const redisServerAvailable = await promisify(execFile)('redis-server', ['--version']).then(() => true, () => false);

describe('Redis stopped and restarted', () => {
  it.runIf(redisServerAvailable)('keeps consumers whole: they catch up from the outbox, then the stream resumes', async () => {
    const port = await freePort();
    const dir = await mkdtemp(path.join(tmpdir(), 'paca-redis-'));
    const startRedis = () => spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], { stdio: 'ignore' });
    let redis = startRedis();
    const test = await createTestDatabase();
    const knex = test.database.knex;
    const url = `redis://127.0.0.1:${port}`;
    await waitFor(async () => new Promise((resolve) => {
      const probe = spawn('redis-cli', ['-p', String(port), 'ping'], { stdio: 'ignore' });
      probe.on('exit', (code) => resolve(code === 0));
    }));
    await knex.raw('CREATE TABLE test_applications (event_id bigint NOT NULL, consumer text NOT NULL)');
    const transport = new RedisTransport(url, 'paca.events');
    const outbox = new Outbox(systemClock);
    const relay = new Relay(knex, transport, systemClock, { pollIntervalMs: 100 });
    const host = new ConsumerHost(knex, transport, { sweepIntervalMs: 300 });
    host.register(recordingConsumer());
    host.start();
    relay.start();
    const emit = async (n: number) => {
      for (let i = 0; i < n; i++) {
        await knex.transaction((tx) => outbox.emit(tx, { name: 'test.happened', schema: { type: 'object' } as never, clientAction: null }, { projectId: SCOPE, actor: null, payload: {} }));
      }
      relay.kick();
    };
    const applied = async () => Number((await knex('test_applications').count({ n: '*' }).first())!.n);
    try {
      await emit(5);
      await waitFor(async () => (await applied()) === 5);

      redis.kill('SIGKILL');
      await new Promise((resolve) => redis.once('exit', resolve));
      await emit(5); // the relay cannot publish these; the sweep reads them from the outbox
      await waitFor(async () => (await applied()) === 10);
      expect(Number((await knex('events').whereNull('published_at').count({ n: '*' }).first())!.n)).toBeGreaterThan(0);

      redis = startRedis();
      await emit(5);
      await waitFor(async () => (await applied()) === 15);
      await waitFor(async () => Number((await knex('events').whereNull('published_at').count({ n: '*' }).first())!.n) === 0);
      await expectEachAppliedOnce(knex, 15);
    } finally {
      await relay.stop();
      await host.stop();
      await transport.close();
      redis.kill('SIGKILL');
      await test.database.close();
      await test.dispose();
      await rm(dir, { recursive: true, force: true });
    }
  });
});

