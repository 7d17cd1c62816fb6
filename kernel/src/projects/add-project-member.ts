import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import type { Principal } from '../auth/principal.js';
import type { Clock } from '../clock.js';
import { ProjectMemberAdded } from '../events/kernel-events.js';
import type { Outbox } from '../events/outbox.js';
import { ProjectMemberAlreadyAdded } from '../http/kernel-errors.js';
import type { PolicySet } from '../iam/policy-set.js';
import type { PrincipalRef, RoleRow, RoleService } from '../iam/role-service.js';
import type { ActivityLog } from './activity-log.js';

export interface AddProjectMemberInput {
  projectId: string;
  /** A user or an agent; `handle` is the username or the agent's handle, for the feed. */
  member: PrincipalRef & { handle: string };
  roleIds: string[];
  description?: string;
  actor: Principal | null;
  actorPolicies: PolicySet;
}

/**
 * Makes a user or an agent a project member with project roles (through the escalation guard),
 * restoring an earlier membership row so references to the member id stay valid, and records
 * the activity and the `project.member.added` event in the caller's transaction.
 */
export async function addProjectMember(
  db: Knex, deps: { clock: Clock; roles: RoleService; activity: ActivityLog; events: Outbox }, input: AddProjectMemberInput,
): Promise<{ memberId: string; roles: RoleRow[] }> {
  const { projectId, member } = input;
  const column = member.type === 'agent' ? 'agent_id' : 'user_id';
  const existing = await db('project_members').where({ project_id: projectId, [column]: member.id }).orderBy('created_at', 'desc').first('id', 'deleted_at');
  if (existing && !existing.deleted_at) throw ProjectMemberAlreadyAdded({}, { message: `this ${member.type} is already a member` });
  const now = deps.clock.now();
  let memberId: string;
  if (existing) {
    memberId = existing.id;
    await db('project_members').where({ id: memberId }).update({ deleted_at: null, description: input.description ?? '', updated_at: now });
  } else {
    memberId = randomUUID();
    await db('project_members').insert({
      id: memberId, project_id: projectId, member_type: member.type === 'agent' ? 'agent' : 'human', [column]: member.id,
      description: input.description ?? '', created_at: now, updated_at: now,
    });
  }
  const result = await deps.roles.replaceAttachments(db, {
    principal: { type: member.type, id: member.id }, scope: { projectId }, roleIds: input.roleIds, actor: input.actor, actorPolicies: input.actorPolicies,
  });
  await deps.activity.record(db, {
    projectId, entityType: 'member', entityId: memberId, actor: input.actor, type: 'project.member.added',
    content: { username: member.handle, ...(member.type === 'agent' ? { member_type: 'agent' } : {}), roles: result.roles.map((r) => r.name) },
  });
  await deps.events.emit(db, ProjectMemberAdded, {
    projectId, actor: input.actor,
    payload: { member_id: memberId, principal_type: member.type, principal_id: member.id, role_ids: result.roles.map((r) => r.id) },
  });
  return { memberId, roles: result.roles };
}
