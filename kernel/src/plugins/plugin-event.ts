import type { PluginEvent } from '@paca/plugin-sdk';
import type { StoredEvent } from '../events/stored-event.js';

/** The outbox's event in the SDK's camelCase shape. */
export function storedEventToPluginEvent(event: StoredEvent): PluginEvent {
  return {
    id: event.id,
    type: event.type,
    projectId: event.project_id,
    seq: event.project_seq,
    payload: event.payload,
    actor: event.actor as PluginEvent['actor'],
    origin: event.origin,
    occurredAt: new Date(event.occurred_at),
  };
}
