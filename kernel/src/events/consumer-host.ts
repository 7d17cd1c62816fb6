import type { Knex } from 'knex';
import type { EventTransport } from './event-transport.js';
import { storedEvent, type EventRow, type StoredEvent } from './stored-event.js';

/**
 * A durable consumer (D24–D25): its effect and its cursor commit in one transaction, so every
 * committed event is applied exactly once however often it is delivered.
 */
export interface EventConsumer {
  /** Unique name; the cursor is stored under it. */
  name: string;
  /** Event types it applies: exact names or prefixes ending in `*` (`project.*`, `*`). Others only move the cursor. */
  types: string[];
  handle(tx: Knex.Transaction, event: StoredEvent, prepared?: unknown): Promise<void>;
  /**
   * Work that must not hold a database connection (a WASM guest runs here, D22), done before the
   * transaction; its result is handed to `handle`. It may run more than once for an event (another
   * node, a crash), so it must have no effects of its own that `handle` does not commit.
   */
  prepare?(event: StoredEvent): Promise<unknown>;
}

export interface ConsumerHostOptions {
  /** How often every cursor is compared with the outbox, to catch what the transport lost. */
  sweepIntervalMs?: number;
  batchSize?: number;
  onError?: (consumer: string, error: unknown) => void;
}

const matches = (patterns: string[], type: string) =>
  patterns.some((p) => p === '*' || p === type || (p.endsWith('*') && type.startsWith(p.slice(0, -1))));

/**
 * Runs registered consumers. Deliveries from the transport only say "scope X has news"; each
 * consumer then reads its scope from the outbox after its cursor, in sequence order, so lost,
 * repeated or reordered deliveries change nothing.
 */
export class ConsumerHost {
  private readonly consumers = new Map<string, EventConsumer>();
  private readonly dirty = new Map<string, Set<string>>();
  private unsubscribe: (() => void) | null = null;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private again = false;
  private sweepRequested = false;
  private stopped = true;

  constructor(private readonly db: Knex, private readonly transport: EventTransport, private readonly options: ConsumerHostOptions = {}) {}

  register(consumer: EventConsumer): void {
    if (this.consumers.has(consumer.name)) throw new TypeError(`event consumer ${consumer.name} is registered twice`);
    this.consumers.set(consumer.name, consumer);
    this.dirty.set(consumer.name, new Set());
    if (!this.stopped) this.kick(true);
  }

  /**
   * A consumer registered for the first time starts at the current end of every scope rather than
   * replaying the retention window: a plugin installed today does not act on last week's events.
   * Scopes created later start from their beginning. Does nothing once the consumer has a cursor.
   */
  async startAtEnd(name: string): Promise<void> {
    await this.db.raw(
      `INSERT INTO event_consumer_cursors (consumer, scope, last_seq)
       SELECT ?, c.scope, c.seq FROM event_counters c
       WHERE NOT EXISTS (SELECT 1 FROM event_consumer_cursors k WHERE k.consumer = ?)
       ON CONFLICT DO NOTHING`,
      [name, name],
    );
  }

  start(): void {
    this.stopped = false;
    this.unsubscribe = this.transport.subscribe((event) => this.onDelivery(event));
    this.timer = setInterval(() => this.kick(true), this.options.sweepIntervalMs ?? 5_000);
    this.timer.unref();
    this.kick(true);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.unsubscribe?.();
    if (this.timer) clearInterval(this.timer);
    await this.running;
  }

  /** Applies everything pending for every consumer now (tests and shutdown use it). */
  async catchUp(): Promise<void> {
    await this.running;
    await this.sweep();
    // A delivery may have started a pass meanwhile that took a scope out from under the sweep:
    // it is applying those events right now, so wait for it (and any pass it chains) as well.
    while (this.running) await this.running;
  }

  private onDelivery(event: StoredEvent): void {
    // Only consumers that care are woken; the others advance past it on their next pass or sweep.
    for (const [name, consumer] of this.consumers) if (matches(consumer.types, event.type)) this.dirty.get(name)!.add(event.scope);
    this.kick(false);
  }

  private kick(sweep: boolean): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      this.sweepRequested ||= sweep;
      return;
    }
    const full = sweep || this.sweepRequested;
    this.sweepRequested = false;
    this.running = (full ? this.sweep() : this.processDirty()).catch(() => undefined).finally(() => {
      this.running = null;
      if (this.again && !this.stopped) {
        this.again = false;
        this.kick(false);
      }
    });
  }

  private async sweep(): Promise<void> {
    for (const name of this.consumers.keys()) {
      const behind = (await this.db('event_counters as c')
        .leftJoin('event_consumer_cursors as k', (j) => j.on('k.scope', '=', 'c.scope').andOnVal('k.consumer', '=', name))
        .whereRaw('c.seq > coalesce(k.last_seq, 0)')
        .pluck('c.scope')) as string[];
      for (const scope of behind) this.dirty.get(name)!.add(scope);
    }
    await this.processDirty();
  }

  private async processDirty(): Promise<void> {
    for (const [name, scopes] of this.dirty) {
      const consumer = this.consumers.get(name)!;
      for (const scope of [...scopes]) {
        scopes.delete(scope);
        try {
          while (await this.applyBatch(consumer, scope)) { /* until the scope is drained */ }
        } catch (error) {
          this.options.onError?.(name, error);
        }
      }
    }
  }

  /** One transaction: lock the cursor, apply the next events in order, move the cursor. */
  private async applyBatch(consumer: EventConsumer, scope: string): Promise<boolean> {
    if (consumer.prepare) return this.applyPrepared(consumer, consumer.prepare.bind(consumer), scope);
    const limit = this.options.batchSize ?? 100;
    return this.db.transaction(async (tx) => {
      await tx.raw('INSERT INTO event_consumer_cursors (consumer, scope, last_seq) VALUES (?, ?, 0) ON CONFLICT DO NOTHING', [consumer.name, scope]);
      const cursor = await tx('event_consumer_cursors').where({ consumer: consumer.name, scope }).forUpdate().first('last_seq');
      const rows = (await tx('events').where({ scope }).where('project_seq', '>', cursor.last_seq)
        .orderBy('project_seq').limit(limit).select('*')) as EventRow[];
      if (rows.length === 0) return false;
      for (const row of rows) {
        const event = storedEvent(row);
        if (matches(consumer.types, event.type)) await consumer.handle(tx, event);
      }
      await tx('event_consumer_cursors').where({ consumer: consumer.name, scope }).update({ last_seq: rows[rows.length - 1]!.project_seq });
      return rows.length === limit;
    });
  }

  /**
   * For consumers that prepare outside the transaction: the next matching event is prepared first,
   * then applied with the cursor in one transaction — unless the cursor moved meanwhile (another
   * node applied it), in which case the preparation is dropped and the scope read again.
   */
  private async applyPrepared(consumer: EventConsumer, prepare: (event: StoredEvent) => Promise<unknown>, scope: string): Promise<boolean> {
    const limit = this.options.batchSize ?? 100;
    await this.db.raw('INSERT INTO event_consumer_cursors (consumer, scope, last_seq) VALUES (?, ?, 0) ON CONFLICT DO NOTHING', [consumer.name, scope]);
    const seen = Number((await this.db('event_consumer_cursors').where({ consumer: consumer.name, scope }).first('last_seq')).last_seq);
    const rows = (await this.db('events').where({ scope }).where('project_seq', '>', seen).orderBy('project_seq').limit(limit).select('*')) as EventRow[];
    if (rows.length === 0) return false;
    const events = rows.map(storedEvent);
    const next = events.find((event) => matches(consumer.types, event.type));
    const prepared = next ? await prepare(next) : undefined;
    const upTo = next ? next.project_seq : events[events.length - 1]!.project_seq;
    return this.db.transaction(async (tx) => {
      const cursor = await tx('event_consumer_cursors').where({ consumer: consumer.name, scope }).forUpdate().first('last_seq');
      if (Number(cursor.last_seq) !== seen) return true;
      if (next) await consumer.handle(tx, next, prepared);
      await tx('event_consumer_cursors').where({ consumer: consumer.name, scope }).update({ last_seq: upTo });
      return true;
    });
  }
}
