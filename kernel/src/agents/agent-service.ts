import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import type { Principal } from '../auth/principal.js';
import type { Clock } from '../clock.js';
import { isUniqueViolation } from '../db/errors.js';
import { AgentCreated, AgentDeleted, AgentUpdated, ProjectMemberRemoved } from '../events/kernel-events.js';
import type { Outbox } from '../events/outbox.js';
import { AgentHandleTaken, AgentNotFound, AgentVersionConflict } from '../http/kernel-errors.js';
import { PLATFORM_FULL_ACCESS_KEY, PROJECT_FULL_ACCESS_KEY } from '../iam/builtin-roles.js';
import type { RoleService } from '../iam/role-service.js';
import type { ActivityLog } from '../projects/activity-log.js';
import { AGENT_COLUMNS, type AgentRow } from './agent-view.js';
import { claimHandle } from './handles.js';

export interface AgentInput {
  handle: string;
  name: string;
  description?: string;
  avatar_url?: string | null;
}

export type AgentPatch = Partial<AgentInput>;

export interface AgentServiceDeps {
  clock: Clock;
  roles: RoleService;
  activity: ActivityLog;
  events: Outbox;
}

const EDITABLE = ['handle', 'name', 'description', 'avatar_url'] as const;

/**
 * Agent principals (D14): create, edit and delete them with their events, and the feed entries
 * of project agents, in the caller's transaction. Behaviour (LLMs, runners) is the agents
 * plugin's; the kernel only knows the identity.
 */
export class AgentService {
  constructor(private readonly deps: AgentServiceDeps) {}

  /** A live agent of one project, or a global agent when `projectId` is null; never one of elsewhere. */
  async load(db: Knex, projectId: string | null, agentId: string, options: { forUpdate?: boolean } = {}): Promise<AgentRow> {
    const query = db('agents').where({ id: agentId }).whereNull('deleted_at');
    if (projectId) query.where({ project_id: projectId });
    else query.whereNull('project_id');
    if (options.forUpdate) query.forUpdate();
    const row = await query.first<AgentRow>(AGENT_COLUMNS);
    if (!row) throw AgentNotFound({});
    return row;
  }

  async create(db: Knex, projectId: string | null, input: AgentInput, actor: Principal | null): Promise<AgentRow> {
    if (await claimHandle(db, input.handle)) throw AgentHandleTaken({ handle: input.handle });
    const now = this.deps.clock.now();
    const row: AgentRow = {
      id: randomUUID(), project_id: projectId, handle: input.handle, name: input.name.trim(), description: input.description ?? '',
      avatar_url: input.avatar_url ?? null, version: 1, created_by: actor?.id ?? null, created_at: now, updated_at: now,
    };
    await this.write(row.handle, () => db('agents').insert(row));
    await this.deps.events.emit(db, AgentCreated, {
      projectId, actor, payload: { agent_id: row.id, project_id: projectId, handle: row.handle, name: row.name },
    });
    if (projectId) {
      await this.deps.activity.record(db, { projectId, entityType: 'agent', entityId: row.id, actor, type: 'agent.created', content: { handle: row.handle, name: row.name } });
    }
    return row;
  }

  /** Edits an agent; conditional when `expectedVersion` is given (D4). */
  async update(db: Knex, agent: AgentRow, patch: AgentPatch, actor: Principal | null, expectedVersion: number | null): Promise<AgentRow> {
    const current = await this.load(db, agent.project_id, agent.id, { forUpdate: true });
    if (expectedVersion !== null && expectedVersion !== current.version) throw AgentVersionConflict({ current_version: current.version });
    const next: AgentPatch = {
      ...patch,
      ...(patch.name !== undefined ? { name: patch.name.trim() } : {}),
    };
    const changes = EDITABLE.filter((field) => next[field] !== undefined && next[field] !== current[field])
      .map((field) => ({ field, old: current[field], new: next[field] ?? null }));
    if (changes.length === 0) return current;
    if (next.handle !== undefined && next.handle !== current.handle && await claimHandle(db, next.handle, { agentId: current.id })) {
      throw AgentHandleTaken({ handle: next.handle });
    }
    const updated: AgentRow = { ...current, version: current.version + 1, updated_at: this.deps.clock.now() };
    for (const change of changes) (updated as unknown as Record<string, unknown>)[change.field] = change.new;
    const values = Object.fromEntries(changes.map((c) => [c.field, c.new]));
    await this.write(updated.handle, () => db('agents').where({ id: current.id }).update({ ...values, version: updated.version, updated_at: updated.updated_at }));
    await this.deps.events.emit(db, AgentUpdated, {
      projectId: current.project_id, actor,
      payload: { agent_id: current.id, project_id: current.project_id, handle: updated.handle, version: updated.version, changes },
    });
    if (current.project_id) {
      await this.deps.activity.record(db, { projectId: current.project_id, entityType: 'agent', entityId: current.id, actor, type: 'agent.updated', content: { changes } });
    }
    return updated;
  }

  /**
   * Soft-deletes an agent: its keys stop working, its role attachments go and its memberships end.
   * Refused when it is the last holder of full access somewhere, like a user.
   */
  async delete(db: Knex, agent: AgentRow, actor: Principal | null): Promise<void> {
    const current = await this.load(db, agent.project_id, agent.id, { forUpdate: true });
    const ref = { type: 'agent' as const, id: current.id };
    const held = (await db('role_attachments as a').join('roles as r', 'r.id', 'a.role_id')
      .where({ 'a.principal_type': 'agent', 'a.principal_id': current.id })
      .select('a.project_id', 'r.builtin_key')) as Array<{ project_id: string | null; builtin_key: string | null }>;
    for (const attachment of held) {
      const fullAccess = attachment.project_id ? PROJECT_FULL_ACCESS_KEY : PLATFORM_FULL_ACCESS_KEY;
      if (attachment.builtin_key === fullAccess) await this.deps.roles.assertAnotherFullAccessHolder(db, { projectId: attachment.project_id }, ref);
    }
    const now = this.deps.clock.now();
    await db('agents').where({ id: current.id }).update({ deleted_at: now, updated_at: now });
    await db('agent_api_keys').where({ agent_id: current.id }).whereNull('revoked_at').update({ revoked_at: now });
    await db('role_attachments').where({ principal_type: 'agent', principal_id: current.id }).delete();
    const memberships = (await db('project_members').where({ agent_id: current.id }).whereNull('deleted_at')
      .select('id', 'project_id')) as Array<{ id: string; project_id: string }>;
    for (const membership of memberships) {
      await db('project_members').where({ id: membership.id }).update({ deleted_at: now });
      await this.deps.activity.record(db, {
        projectId: membership.project_id, entityType: 'member', entityId: membership.id, actor, type: 'project.member.removed', content: { username: current.handle },
      });
      await this.deps.events.emit(db, ProjectMemberRemoved, {
        projectId: membership.project_id, actor, payload: { member_id: membership.id, principal_type: 'agent', principal_id: current.id },
      });
    }
    await this.deps.events.emit(db, AgentDeleted, {
      projectId: current.project_id, actor, payload: { agent_id: current.id, project_id: current.project_id, handle: current.handle },
    });
    if (current.project_id) {
      await this.deps.activity.record(db, { projectId: current.project_id, entityType: 'agent', entityId: current.id, actor, type: 'agent.deleted', content: { handle: current.handle, name: current.name } });
    }
  }

  /** The handle lock makes this a backstop: two agents racing for a handle meet the unique index. */
  private async write(handle: string, run: () => Promise<unknown>): Promise<void> {
    try {
      await run();
    } catch (error) {
      if (isUniqueViolation(error, 'agents_handle_live')) throw AgentHandleTaken({ handle }, { cause: error });
      throw error;
    }
  }
}
