/** An event as the outbox stores it and every transport and consumer sees it (D26 shape). */
export interface StoredEvent {
  id: number;
  type: string;
  project_id: string | null;
  /** `project_id`, or `workspace` for events without a project. */
  scope: string;
  project_seq: number;
  payload: Record<string, unknown>;
  actor: { type: string; id: string } | null;
  origin: string;
  occurred_at: string;
}

export const WORKSPACE_SCOPE = 'workspace';

export interface EventRow {
  id: number | string;
  project_id: string | null;
  scope: string;
  project_seq: number | string;
  type: string;
  payload: Record<string, unknown> | string;
  actor_type: string | null;
  actor_id: string | null;
  origin: string;
  occurred_at: Date | string;
}

export function storedEvent(row: EventRow): StoredEvent {
  return {
    id: Number(row.id),
    type: row.type,
    project_id: row.project_id,
    scope: row.scope,
    project_seq: Number(row.project_seq),
    payload: typeof row.payload === 'string' ? JSON.parse(row.payload) : row.payload,
    actor: row.actor_type && row.actor_id ? { type: row.actor_type, id: row.actor_id } : null,
    origin: row.origin,
    occurred_at: new Date(row.occurred_at).toISOString(),
  };
}
