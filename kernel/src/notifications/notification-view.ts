/** A notification as clients see it, over REST and on the socket (D26). */
export interface NotificationRow {
  id: string;
  type: string;
  event_id: number | string | null;
  project_id: string | null;
  actor_type: string | null;
  actor_id: string | null;
  data: Record<string, unknown>;
  created_at: Date;
  read_at: Date | null;
}

export function notificationView(row: NotificationRow) {
  return {
    id: row.id,
    type: row.type,
    event_id: row.event_id === null ? null : Number(row.event_id),
    project_id: row.project_id,
    actor: row.actor_id ? { type: row.actor_type, id: row.actor_id } : null,
    data: row.data,
    created_at: new Date(row.created_at).toISOString(),
    read_at: row.read_at ? new Date(row.read_at).toISOString() : null,
  };
}
