import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../clock.js';
import { Outbox } from '../events/outbox.js';
import type { StoredEvent } from '../events/stored-event.js';
import { createTestDatabase, type TestDatabase } from '../testing/test-database.js';
import { ScopeFeed } from './scope-feed.js';

// The per-node feed that realtime delivers from: the transport is a hint that may drop, repeat or
// reorder events; the node still delivers each committed event once, in project order.

const SCOPE = '00000000-0000-4000-8000-0000000000f1';
const HAPPENED = { name: 'test.happened', schema: { type: 'object' } as never, clientAction: null };
let test: TestDatabase;
const outbox = new Outbox(systemClock);

beforeAll(async () => {
  test = await createTestDatabase();
});
afterAll(async () => {
  await test.database.close();
  await test.dispose();
});

async function emit(n: number): Promise<StoredEvent[]> {
  const events: StoredEvent[] = [];
  for (let i = 0; i < n; i++) {
    events.push(await test.database.knex.transaction((tx) => outbox.emit(tx, HAPPENED, { projectId: SCOPE, actor: null, payload: { i } })));
  }
  return events;
}

function recordingFeed(options: { interested?: boolean } = {}) {
  const delivered: number[] = [];
  const lost: string[] = [];
  const feed = new ScopeFeed(test.database.knex, {
    interested: () => options.interested ?? true,
    deliver: (event) => void delivered.push(event.project_seq),
    lost: (scope) => void lost.push(scope),
    onError: (error) => {
      throw error;
    },
    batchSize: 3,
  });
  return { feed, delivered, lost };
}

describe('ScopeFeed', () => {
  it('starts at the committed end, then delivers each event once, in order, whatever the transport does', async () => {
    await emit(2); // before anyone watched: never delivered
    const { feed, delivered, lost } = recordingFeed();
    const start = await feed.run(SCOPE, async (cursor) => cursor);
    const events = await emit(8);
    expect(events.map((e) => e.project_seq)).toEqual([start + 1, start + 2, start + 3, start + 4, start + 5, start + 6, start + 7, start + 8]);
    // Lost, repeated and out of order: 2nd, 1st again, 6th (a gap: 3–5 are read from the outbox), 6th again.
    for (const i of [1, 0, 0, 5, 5, 2]) feed.offer(events[i]!);
    await feed.idle();
    expect(delivered).toEqual(events.slice(0, 6).map((e) => e.project_seq));
    // The last two never arrive: the sweep compares the counter and reads them.
    await feed.sweep();
    expect(delivered).toEqual(events.map((e) => e.project_seq));
    expect(lost).toEqual([]);
  });

  it('says so when the outbox no longer holds what it missed (pruned past retention)', async () => {
    const { feed, delivered, lost } = recordingFeed();
    const start = await feed.run(SCOPE, async (cursor) => cursor);
    const events = await emit(4);
    await test.database.knex('events').where({ scope: SCOPE }).whereIn('project_seq', [start + 1, start + 2]).delete();
    await feed.sweep();
    expect(lost).toEqual([SCOPE]);
    expect(delivered).toEqual([events[2]!.project_seq, events[3]!.project_seq]);
  });

  it('forgets scopes nobody on this node watches any more, and restarts them at the committed end', async () => {
    const watching = { value: true };
    const delivered: number[] = [];
    const feed = new ScopeFeed(test.database.knex, {
      interested: () => watching.value, deliver: (event) => void delivered.push(event.project_seq), lost: () => undefined, onError: () => undefined,
    });
    await feed.run(SCOPE, async () => undefined);
    watching.value = false;
    await feed.sweep();
    await emit(3);
    await feed.sweep();
    expect(delivered).toEqual([]);
    watching.value = true;
    const cursor = await feed.run(SCOPE, async (c) => c);
    const [next] = await emit(1);
    feed.offer(next!);
    await feed.idle();
    expect(delivered).toEqual([cursor + 1]);
  });
});
