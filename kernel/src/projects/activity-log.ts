import { randomUUID } from 'node:crypto';
import { cursorPage, type ActivityEntry } from '@paca/plugin-sdk';
import type { Knex } from 'knex';
import type { Principal } from '../auth/principal.js';
import type { Clock } from '../clock.js';

export type ActivityOrigin = 'user' | 'agent' | 'automation' | 'system' | 'plugin';

export interface ActivityInput {
  projectId: string;
  entityType: string;
  entityId: string | null;
  actor: Principal | Pick<Principal, 'type' | 'id'> | null;
  origin?: ActivityOrigin;
  /** The event topic, e.g. `project.updated`, `project.member.added`. */
  type: string;
  content: Record<string, unknown>;
  /** The plugin that writes it; only that plugin may edit or delete it later. */
  pluginId?: string | null;
}

export interface ActivityListQuery {
  projectId: string;
  entityType?: string | undefined;
  entityId?: string | undefined;
  /** Entries of any of these entities. */
  entityIds?: readonly string[] | undefined;
  types?: string[] | undefined;
  /** JSON containment on the content (`content @> contains`), e.g. `{changes: [{field: 'sprint_id', new: id}]}`. */
  contains?: Record<string, unknown> | undefined;
  /** Entries recorded at or after this instant. */
  since?: Date | undefined;
  /** Newest first (default) for feeds; oldest first for replaying history. */
  order?: 'asc' | 'desc' | undefined;
  cursor?: string | undefined;
  limit: number;
}

interface ActivityRow {
  id: string;
  project_id: string;
  entity_type: string;
  entity_id: string | null;
  actor_type: 'user' | 'agent' | null;
  actor_id: string | null;
  origin: string;
  activity_type: string;
  content: Record<string, unknown> | string;
  created_at: Date;
  updated_at: Date | null;
  username: string | null;
  full_name: string | null;
}

export function activityView(row: ActivityRow): ActivityEntry {
  return {
    id: row.id,
    project_id: row.project_id,
    entity_type: row.entity_type,
    entity_id: row.entity_id,
    actor: row.actor_id && row.actor_type ? { type: row.actor_type, id: row.actor_id, username: row.username, full_name: row.full_name } : null,
    origin: row.origin,
    activity_type: row.activity_type,
    content: typeof row.content === 'string' ? JSON.parse(row.content) as Record<string, unknown> : row.content,
    created_at: new Date(row.created_at).toISOString(),
    updated_at: row.updated_at ? new Date(row.updated_at).toISOString() : null,
  };
}

/**
 * The project activity feed (reference 1.7). Written in the same transaction as the change it
 * describes and never pruned; plugins write, read and (for their own entries) edit it through
 * `coreServices.activity`.
 */
export class ActivityLog {
  constructor(private readonly clock: Clock) {}

  async record(tx: Knex, input: ActivityInput): Promise<{ id: string }> {
    const id = randomUUID();
    await tx('activities').insert({
      id,
      project_id: input.projectId,
      entity_type: input.entityType,
      entity_id: input.entityId,
      actor_type: input.actor?.type ?? null,
      actor_id: input.actor?.id ?? null,
      origin: input.origin ?? (input.actor ? (input.actor.type === 'agent' ? 'agent' : 'user') : 'system'),
      activity_type: input.type,
      content: JSON.stringify(input.content),
      plugin_id: input.pluginId ?? null,
      created_at: this.clock.now(),
    });
    return { id };
  }

  /** Entries joined with their actor's display names: users and agents share the handle namespace (D14). */
  entries(db: Knex): Knex.QueryBuilder {
    return db('activities as a')
      .leftJoin('users as u', (j) => j.on('u.id', '=', 'a.actor_id').andOnVal('a.actor_type', '=', 'user'))
      .leftJoin('agents as ag', (j) => j.on('ag.id', '=', 'a.actor_id').andOnVal('a.actor_type', '=', 'agent'))
      .whereNull('a.deleted_at')
      .select('a.*', db.raw('coalesce(u.username, ag.handle) as username'), db.raw('coalesce(u.full_name, ag.name) as full_name'));
  }

  async list(db: Knex, query: ActivityListQuery): Promise<{ items: ActivityEntry[]; next_cursor: string | null }> {
    const base = this.entries(db).where('a.project_id', query.projectId);
    if (query.entityType) base.where('a.entity_type', query.entityType);
    if (query.entityId) base.where('a.entity_id', query.entityId);
    if (query.entityIds) base.whereIn('a.entity_id', [...query.entityIds]);
    if (query.types?.length) base.whereIn('a.activity_type', query.types);
    if (query.contains) base.whereRaw('a.content @> ?::jsonb', [JSON.stringify(query.contains)]);
    if (query.since) base.where('a.created_at', '>=', query.since);
    const page = await cursorPage<ActivityRow & Record<string, unknown>>(base, {
      cursor: query.cursor, pageSize: query.limit, order: query.order ?? 'desc',
      keys: [{ column: 'a.created_at', field: 'created_at', type: 'timestamptz' }, { column: 'a.id', field: 'id', type: 'uuid' }],
    });
    return { items: page.items.map(activityView), next_cursor: page.next_cursor };
  }

  async get(db: Knex, projectId: string, id: string): Promise<ActivityEntry | null> {
    const row = (await this.entries(db).where({ 'a.project_id': projectId, 'a.id': id }).first()) as ActivityRow | undefined;
    return row ? activityView(row) : null;
  }

  /** Replaces the content of a live entry `pluginId` wrote. */
  async update(db: Knex, pluginId: string, projectId: string, id: string, content: Record<string, unknown>): Promise<boolean> {
    const n = await db('activities').where({ project_id: projectId, id, plugin_id: pluginId }).whereNull('deleted_at')
      .update({ content: JSON.stringify(content), updated_at: this.clock.now() });
    return n > 0;
  }

  async remove(db: Knex, pluginId: string, projectId: string, id: string): Promise<boolean> {
    const n = await db('activities').where({ project_id: projectId, id, plugin_id: pluginId }).whereNull('deleted_at')
      .update({ deleted_at: this.clock.now() });
    return n > 0;
  }
}
