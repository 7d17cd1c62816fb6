import { Redis } from 'ioredis';
import { closeRedis } from './close-redis.js';
import type { EventTransport } from './event-transport.js';
import type { StoredEvent } from './stored-event.js';

export const EVENTS_STREAM = 'paca.events';
const MAX_STREAM_LENGTH = 100_000;

/**
 * Services mode: a Redis stream every node appends to and reads from (D24). Without persistence
 * on the Redis side entries can vanish; that is fine because consumers catch up from the outbox.
 */
export class RedisTransport implements EventTransport {
  private readonly writer: Redis;
  private readonly listeners = new Set<(event: StoredEvent) => void>();
  private reader: Redis | null = null;
  private closed = false;

  constructor(private readonly url: string, private readonly stream = EVENTS_STREAM, private readonly onError: (error: unknown) => void = () => undefined) {
    // Fail fast while disconnected: the relay publishes inside its claiming transaction (on PGlite
    // the only connection) and must not wait there; it checks `ready()` first and retries later.
    this.writer = new Redis(url, { maxRetriesPerRequest: 1, enableOfflineQueue: false, commandTimeout: 2_000, connectTimeout: 2_000 });
    this.writer.on('error', () => undefined); // reconnects by itself; publish failures surface to the relay
  }

  async publish(events: StoredEvent[]): Promise<void> {
    if (events.length === 0) return;
    const pipeline = this.writer.pipeline();
    for (const event of events) pipeline.xadd(this.stream, 'MAXLEN', '~', String(MAX_STREAM_LENGTH), '*', 'event', JSON.stringify(event));
    const results = await pipeline.exec();
    const failed = results?.find(([error]) => error);
    if (failed) throw failed[0];
  }

  async ready(timeoutMs = 2_000): Promise<boolean> {
    if (this.writer.status === 'ready') return true;
    return new Promise((resolve) => {
      const done = (value: boolean) => {
        clearTimeout(timer);
        this.writer.off('ready', onReady);
        resolve(value);
      };
      const onReady = () => done(true);
      const timer = setTimeout(() => done(false), timeoutMs);
      this.writer.once('ready', onReady);
    });
  }

  subscribe(listener: (event: StoredEvent) => void): () => void {
    this.listeners.add(listener);
    if (!this.reader) void this.readLoop();
    return () => this.listeners.delete(listener);
  }

  async close(): Promise<void> {
    this.closed = true;
    // The reader blocks in XREAD and its loop expects the rejection; the writer may have publishes in flight.
    this.reader?.disconnect();
    await closeRedis(this.writer);
  }

  /** A dedicated connection for the blocking XREAD (it cannot share one with writes). */
  private async readLoop(): Promise<void> {
    this.reader = new Redis(this.url, { maxRetriesPerRequest: null, lazyConnect: false });
    this.reader.on('error', () => undefined);
    let lastId = '$';
    while (!this.closed) {
      try {
        const response = (await this.reader.xread('COUNT', 500, 'BLOCK', 1000, 'STREAMS', this.stream, lastId)) as
          | Array<[string, Array<[string, string[]]>]>
          | null;
        for (const [, entries] of response ?? []) {
          for (const [id, fields] of entries) {
            lastId = id;
            const json = fields[fields.indexOf('event') + 1];
            if (json) this.deliver(JSON.parse(json) as StoredEvent);
          }
        }
      } catch (error) {
        if (this.closed) return;
        this.onError(error);
        // After a Redis restart the stream may be new: read what arrives from now on.
        lastId = '$';
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    }
  }

  private deliver(event: StoredEvent): void {
    for (const listener of this.listeners) listener(event);
  }
}
