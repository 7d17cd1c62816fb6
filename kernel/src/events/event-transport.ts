import type { StoredEvent } from './stored-event.js';

/**
 * How committed events travel between processes. Transport only (D24): it may drop or repeat
 * events; consumers read the outbox for what they missed.
 */
export interface EventTransport {
  publish(events: StoredEvent[]): Promise<void>;
  /** Resolves true once publishing can work; the relay asks before it claims a batch. */
  ready(): Promise<boolean>;
  subscribe(listener: (event: StoredEvent) => void): () => void;
  close(): Promise<void>;
}

/** Embedded mode: listeners in this process, called after the publisher's turn ends. */
export class InProcessTransport implements EventTransport {
  private readonly listeners = new Set<(event: StoredEvent) => void>();

  async publish(events: StoredEvent[]): Promise<void> {
    if (events.length === 0 || this.listeners.size === 0) return;
    // Deliver later: the relay still holds its transaction (PGlite's only connection) right now.
    setImmediate(() => {
      for (const event of events) for (const listener of this.listeners) listener(event);
    });
  }

  async ready(): Promise<boolean> {
    return true;
  }

  subscribe(listener: (event: StoredEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async close(): Promise<void> {
    this.listeners.clear();
  }
}
