import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import type { Principal } from '../auth/principal.js';
import type { Clock } from '../clock.js';

export type ActivityOrigin = 'user' | 'agent' | 'automation' | 'system' | 'plugin';

export interface ActivityInput {
  projectId: string;
  entityType: string;
  entityId: string | null;
  actor: Principal | null;
  origin?: ActivityOrigin;
  /** The event topic, e.g. `project.updated`, `project.member.added`. */
  type: string;
  content: Record<string, unknown>;
}

/**
 * The project activity feed (reference 1.7). Written in the same transaction as the change it
 * describes and never pruned; plugins will write to it through the same service.
 */
export class ActivityLog {
  constructor(private readonly clock: Clock) {}

  async record(tx: Knex, input: ActivityInput): Promise<void> {
    await tx('activities').insert({
      id: randomUUID(),
      project_id: input.projectId,
      entity_type: input.entityType,
      entity_id: input.entityId,
      actor_type: input.actor?.type ?? null,
      actor_id: input.actor?.id ?? null,
      origin: input.origin ?? (input.actor ? (input.actor.type === 'agent' ? 'agent' : 'user') : 'system'),
      activity_type: input.type,
      content: JSON.stringify(input.content),
      created_at: this.clock.now(),
    });
  }
}
