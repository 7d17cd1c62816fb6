import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import type { Clock } from '../clock.js';
import { NotificationCreated } from '../events/kernel-events.js';
import type { Outbox } from '../events/outbox.js';
import { notificationView, type NotificationRow } from './notification-view.js';

export interface NotifyInput {
  recipientUserId: string;
  /** What happened, e.g. `assigned`, `mentioned`, `project.member.added`. */
  type: string;
  /** The event that caused it: with it, a replayed event never notifies twice (D26). */
  eventId: number | null;
  projectId: string | null;
  actor: { type: string; id: string } | null;
  /** When it happened: the event's `occurred_at` (defaults to now). */
  occurredAt?: Date;
  /** Display data the client needs without another request (task title, project name…). */
  data: Record<string, unknown>;
}

/**
 * Kernel notifications (D26). Plugins call `notify(tx, …)` inside the transaction of their event
 * consumer, so the notification commits with the consumer's cursor.
 */
export class NotificationService {
  constructor(private readonly clock: Clock, private readonly outbox: Outbox) {}

  /**
   * Returns false when this recipient was already notified of this event. A new notification
   * also goes to the outbox (`notification.created`), from which realtime pushes it to the
   * recipient's sockets once the transaction commits.
   */
  async notify(tx: Knex, input: NotifyInput): Promise<boolean> {
    const result = await tx.raw(
      `INSERT INTO notifications (id, recipient_user_id, type, event_id, project_id, actor_type, actor_id, data, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?::jsonb, ?)
       ON CONFLICT (recipient_user_id, type, event_id) WHERE event_id IS NOT NULL DO NOTHING
       RETURNING *`,
      [randomUUID(), input.recipientUserId, input.type, input.eventId, input.projectId, input.actor?.type ?? null,
        input.actor?.id ?? null, JSON.stringify(input.data), input.occurredAt ?? this.clock.now()],
    );
    const row = result.rows[0] as NotificationRow | undefined;
    if (!row) return false;
    await this.outbox.emit(tx, NotificationCreated, {
      projectId: null, actor: null, origin: 'system',
      payload: { recipient_user_id: input.recipientUserId, notification: { ...notificationView(row), read_at: null } },
    });
    return true;
  }
}
