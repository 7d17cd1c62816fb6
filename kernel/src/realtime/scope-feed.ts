import type { Knex } from 'knex';
import { storedEvent, type EventRow, type StoredEvent } from '../events/stored-event.js';

export interface ScopeFeedOptions {
  /** Whether this node has sockets that care about a scope; others are not tracked. */
  interested(scope: string): boolean;
  /** Called in per-scope order, once per event (per node), never concurrently within a scope. */
  deliver(event: StoredEvent): Promise<void> | void;
  /** The outbox no longer holds what a scope missed (beyond retention): its sockets must refetch. */
  lost(scope: string): void;
  onError(error: unknown): void;
  /** Events read from the outbox per query when filling a gap. */
  batchSize?: number;
}

interface ScopeState {
  /** The last project_seq delivered on this node. */
  cursor: number;
  /** Work on a scope runs one step at a time, in order. */
  queue: Promise<void>;
  /** Joins and re-evaluations queued: the sweep keeps the scope while any is pending. */
  pending: number;
}

/**
 * Per-node, per-scope ordered delivery (D24–D25). The transport is only a hint: an event that
 * arrives out of order or after a loss makes the feed read the gap from the outbox, and a sweep
 * compares every tracked scope with its committed counter, so a Redis restart or a dead relay
 * loses nothing. Because a scope's counter row is locked until commit, the committed events of a
 * scope are always exactly `1..counter` (minus pruned ones): a counter ahead of the cursor means
 * events to read, never a hole that may still fill.
 */
export class ScopeFeed {
  private readonly scopes = new Map<string, ScopeState>();

  constructor(private readonly db: Knex, private readonly options: ScopeFeedOptions) {}

  /** Runs `work` in a scope's queue, starting to track the scope at its committed end if new. */
  async run<T>(scope: string, work: (cursor: number) => Promise<T>): Promise<T> {
    let state = this.scopes.get(scope);
    if (!state) {
      state = { cursor: -1, queue: Promise.resolve(), pending: 0 };
      this.scopes.set(scope, state);
    }
    const tracked = state;
    tracked.pending += 1;
    const result = tracked.queue.then(async () => {
      // Nobody here listened since the cursor last moved: start from the committed end, as a new scope does.
      if (tracked.cursor < 0 || !this.options.interested(scope)) tracked.cursor = await this.committedSeq(scope);
      return work(tracked.cursor);
    }).finally(() => {
      tracked.pending -= 1;
    });
    tracked.queue = result.then(() => undefined, (error) => this.options.onError(error));
    return result;
  }

  /** A transport delivery: the next event in order goes straight out; anything else reads the outbox. */
  offer(event: StoredEvent): void {
    const state = this.scopes.get(event.scope);
    if (!state) return;
    state.queue = state.queue.then(async () => {
      if (state.cursor < 0 || event.project_seq <= state.cursor) return; // not started yet, or already delivered
      if (event.project_seq === state.cursor + 1) {
        await this.options.deliver(event);
        state.cursor = event.project_seq;
      } else {
        await this.fill(event.scope, state, event.project_seq);
      }
    }).catch((error) => this.options.onError(error));
  }

  /** Compares every tracked scope with its committed counter and reads what is missing. */
  async sweep(): Promise<void> {
    for (const [scope, state] of [...this.scopes]) if (state.pending === 0 && !this.options.interested(scope)) this.scopes.delete(scope);
    if (this.scopes.size === 0) return;
    const counters = (await this.db('event_counters').whereIn('scope', [...this.scopes.keys()]).select('scope', 'seq')) as Array<{ scope: string; seq: number | string }>;
    const waits: Promise<void>[] = [];
    for (const { scope, seq } of counters) {
      const state = this.scopes.get(scope);
      if (!state || Number(seq) <= state.cursor) continue;
      state.queue = state.queue.then(() => this.fill(scope, state, Number(seq))).catch((error) => this.options.onError(error));
      waits.push(state.queue);
    }
    await Promise.all(waits);
  }

  /** Waits until every queued step has run (tests, shutdown). */
  async idle(): Promise<void> {
    await Promise.all([...this.scopes.values()].map((s) => s.queue));
  }

  private async fill(scope: string, state: ScopeState, upTo: number): Promise<void> {
    const limit = this.options.batchSize ?? 500;
    while (state.cursor < upTo) {
      const rows = (await this.db('events').where({ scope }).where('project_seq', '>', state.cursor).where('project_seq', '<=', upTo)
        .orderBy('project_seq').limit(limit).select('*')) as EventRow[];
      if (rows.length === 0) return; // not committed yet (a hint ran ahead): the next hint or sweep comes back
      if (Number(rows[0]!.project_seq) !== state.cursor + 1) this.options.lost(scope);
      for (const row of rows) {
        const event = storedEvent(row);
        await this.options.deliver(event);
        state.cursor = event.project_seq;
      }
      if (rows.length < limit) return;
    }
  }

  private async committedSeq(scope: string): Promise<number> {
    // A plain read sees the committed counter only: an in-flight transaction's increment is invisible.
    const row = await this.db('event_counters').where({ scope }).first('seq');
    return row ? Number(row.seq) : 0;
  }
}
