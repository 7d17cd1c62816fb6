import type { Knex } from 'knex';
import type { Clock } from '../clock.js';
import type { EventTransport } from './event-transport.js';
import { storedEvent, type EventRow } from './stored-event.js';

export interface RelayOptions {
  batchSize?: number;
  pollIntervalMs?: number;
  /** Test hook (D33): called after a batch is published and before it is marked. */
  afterPublish?: (count: number) => void;
  onError?: (error: unknown) => void;
}

/**
 * Moves committed outbox rows to the transport. Relays on several nodes split the work with
 * `FOR UPDATE SKIP LOCKED`; a batch is marked published in the same transaction that claimed it,
 * so a relay that dies between publishing and marking makes the next one publish it again
 * (at-least-once, D25).
 */
export class Relay {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private again = false;
  private stopped = true;

  constructor(private readonly db: Knex, private readonly transport: EventTransport, private readonly clock: Clock,
    private readonly options: RelayOptions = {}) {}

  start(): void {
    this.stopped = false;
    this.timer = setInterval(() => this.kick(), this.options.pollIntervalMs ?? 250);
    this.timer.unref();
    this.kick();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running;
  }

  /** Ask for a pass soon (after a commit); passes never overlap. */
  kick(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.drain().then(() => undefined).finally(() => {
      this.running = null;
      if (this.again && !this.stopped) {
        this.again = false;
        this.kick();
      }
    });
  }

  /** Publishes everything unpublished; returns how many events went out. */
  async drain(): Promise<number> {
    let total = 0;
    try {
      for (;;) {
        if (!(await this.transport.ready())) throw new Error('event transport is not connected; will retry');
        const published = await this.publishBatch();
        total += published;
        if (published < (this.options.batchSize ?? 200) || this.stopped) return total;
      }
    } catch (error) {
      this.options.onError?.(error);
      return total;
    }
  }

  private async publishBatch(): Promise<number> {
    return this.db.transaction(async (tx) => {
      const rows = (await tx('events').whereNull('published_at').orderBy('id').limit(this.options.batchSize ?? 200)
        .forUpdate().skipLocked().select('*')) as EventRow[];
      if (rows.length === 0) return 0;
      await this.transport.publish(rows.map(storedEvent));
      this.options.afterPublish?.(rows.length);
      await tx('events').whereIn('id', rows.map((r) => r.id)).update({ published_at: this.clock.now() });
      return rows.length;
    });
  }
}
