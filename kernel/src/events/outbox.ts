import type { EventDefinition } from '@paca/plugin-sdk';
import type { ValidateFunction } from 'ajv';
import type { Knex } from 'knex';
import type { Principal } from '../auth/principal.js';
import type { Clock } from '../clock.js';
import { InternalError } from '../http/kernel-errors.js';
import { createAjv } from '../http/validation.js';
import type { ActivityOrigin } from '../projects/activity-log.js';
import { storedEvent, WORKSPACE_SCOPE, type EventRow, type StoredEvent } from './stored-event.js';

export interface EmitOptions<P> {
  /** The project the event belongs to; null for workspace events (users, platform roles). */
  projectId: string | null;
  payload: P;
  actor: Pick<Principal, 'type' | 'id'> | null;
  origin?: ActivityOrigin;
}

/**
 * The transactional outbox (D24): `emit` writes the event in the caller's transaction with the
 * next sequence number of its scope, so the event exists exactly when the change does. The
 * counter row is locked until commit, which makes per-scope order equal commit order.
 */
export class Outbox {
  private readonly ajv = createAjv(false);
  private readonly validators = new WeakMap<EventDefinition<unknown>, ValidateFunction>();
  private readonly committedListeners = new Set<(event: StoredEvent) => void>();

  constructor(private readonly clock: Clock) {}

  async emit<P>(tx: Knex.Transaction | Knex, definition: EventDefinition<P>, options: EmitOptions<P>): Promise<StoredEvent> {
    this.validate(definition, options.payload);
    const scope = options.projectId ?? WORKSPACE_SCOPE;
    const counter = await tx.raw(
      'INSERT INTO event_counters (scope, seq) VALUES (?, 1) ON CONFLICT (scope) DO UPDATE SET seq = event_counters.seq + 1 RETURNING seq',
      [scope],
    );
    const seq = Number(counter.rows[0].seq);
    const [row] = (await tx('events').insert({
      project_id: options.projectId,
      scope,
      project_seq: seq,
      type: definition.name,
      payload: JSON.stringify(options.payload),
      actor_type: options.actor?.type ?? null,
      actor_id: options.actor?.id ?? null,
      origin: options.origin ?? (options.actor ? ((options.actor.type as string) === 'agent' ? 'agent' : 'user') : 'system'),
      occurred_at: this.clock.now(),
    }).returning('*')) as EventRow[];
    const event = storedEvent(row!);
    // Tell this process once the outermost transaction has committed (a savepoint's release is not
    // a commit: the outer transaction may still roll back and hand the same seq to another event).
    const root = rootTransaction(tx);
    if (root) {
      root.executionPromise.then(() => this.notifyCommitted(event), () => undefined);
    } else {
      queueMicrotask(() => this.notifyCommitted(event));
    }
    return event;
  }

  /**
   * Committed events of this process, as they commit: the relay wakes up to publish them, and
   * realtime delivers them to this node's sockets without waiting for the relay (a hint like the
   * transport's: the outbox stays the truth).
   */
  onCommitted(listener: (event: StoredEvent) => void): () => void {
    this.committedListeners.add(listener);
    return () => this.committedListeners.delete(listener);
  }

  private notifyCommitted(event: StoredEvent): void {
    for (const listener of this.committedListeners) listener(event);
  }

  private validate<P>(definition: EventDefinition<P>, payload: P): void {
    let validate = this.validators.get(definition as EventDefinition<unknown>);
    if (!validate) {
      validate = this.ajv.compile(definition.schema);
      this.validators.set(definition as EventDefinition<unknown>, validate);
    }
    if (!validate(payload)) {
      // A payload that breaks its own schema is a programming error in the emitter, not bad input.
      throw InternalError({}, { message: `event ${definition.name} payload is invalid: ${this.ajv.errorsText(validate.errors)}` });
    }
  }
}

/** The top-level transaction a (possibly nested) knex transaction belongs to; null outside one. */
function rootTransaction(tx: Knex | Knex.Transaction): { executionPromise: Promise<unknown> } | null {
  let current = tx as unknown as { executionPromise?: Promise<unknown>; parentTransaction?: unknown };
  if (typeof current.executionPromise?.then !== 'function') return null;
  while (current.parentTransaction) current = current.parentTransaction as typeof current;
  return current as { executionPromise: Promise<unknown> };
}
