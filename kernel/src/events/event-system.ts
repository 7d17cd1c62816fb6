import type { Knex } from 'knex';
import type { Clock } from '../clock.js';
import { affectedRows } from '../db/database.js';
import { ConsumerHost, type EventConsumer } from './consumer-host.js';
import { InProcessTransport, type EventTransport } from './event-transport.js';
import { Outbox } from './outbox.js';
import { RedisTransport } from './redis-transport.js';
import { Relay, type RelayOptions } from './relay.js';

export interface EventSystemOptions {
  db: Knex;
  clock: Clock;
  /** Redis stream transport when set; in-process otherwise (D24). */
  redisUrl: string | null;
  redisStream?: string;
  retentionDays: number;
  relay?: RelayOptions;
  sweepIntervalMs?: number;
  /** Run the relay here (every kernel does by default; several relays share work safely). */
  runRelay?: boolean;
  log: { error(object: unknown, message: string): void };
}

/** Outbox, transport, relay and consumers, started and stopped together with the kernel. */
export class EventSystem {
  readonly outbox: Outbox;
  readonly transport: EventTransport;
  readonly relay: Relay;
  readonly consumers: ConsumerHost;
  private pruneTimer: NodeJS.Timeout | null = null;

  constructor(private readonly options: EventSystemOptions) {
    const { db, clock, log } = options;
    this.outbox = new Outbox(clock);
    this.transport = options.redisUrl
      ? new RedisTransport(options.redisUrl, options.redisStream, (error) => log.error({ err: error }, 'event stream read failed'))
      : new InProcessTransport();
    this.relay = new Relay(db, this.transport, clock, { onError: (error) => log.error({ err: error }, 'event relay failed'), ...options.relay });
    this.consumers = new ConsumerHost(db, this.transport, {
      sweepIntervalMs: options.sweepIntervalMs,
      onError: (consumer, error) => log.error({ err: error, consumer }, 'event consumer failed; will retry'),
    });
    this.outbox.onCommitted(() => this.relay.kick());
  }

  register(consumer: EventConsumer): void {
    this.consumers.register(consumer);
  }

  start(): void {
    this.consumers.start();
    if (this.options.runRelay !== false) this.relay.start();
    this.pruneTimer = setInterval(() => void this.prune().catch((error) => this.options.log.error({ err: error }, 'event pruning failed')), 3_600_000);
    this.pruneTimer.unref();
  }

  async stop(): Promise<void> {
    if (this.pruneTimer) clearInterval(this.pruneTimer);
    await this.relay.stop();
    await this.consumers.stop();
    await this.transport.close();
  }

  /** Retention (D24): published events older than `EVENT_RETENTION_DAYS` go; counters stay. */
  async prune(): Promise<number> {
    const cutoff = new Date(this.options.clock.now().getTime() - this.options.retentionDays * 86_400_000);
    return affectedRows(await this.options.db('events').whereNotNull('published_at').where('occurred_at', '<', cutoff).delete());
  }
}
