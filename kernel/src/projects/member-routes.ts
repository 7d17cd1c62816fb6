import { randomUUID } from 'node:crypto';
import { Type } from '@sinclair/typebox';
import type { Knex } from 'knex';
import {
  ProjectMemberAlreadyAdded, ProjectMemberNotFound, UserNotFound,
} from '../http/kernel-errors.js';
import { cursorPage } from '../http/pagination.js';
import type { Router } from '../http/router.js';
import { CursorQuery, ProjectParams, StrictObject, Uuid } from '../http/schemas.js';
import { PROJECT_FULL_ACCESS_KEY } from '../iam/builtin-roles.js';
import { roleView, type RoleService } from '../iam/role-service.js';
import { ProjectMemberAdded, ProjectMemberRemoved, ProjectMemberRolesChanged, ProjectMemberUpdated } from '../events/kernel-events.js';
import type { KernelServices } from '../services.js';

interface MemberRow {
  id: string;
  project_id: string;
  member_type: 'human' | 'agent';
  user_id: string | null;
  agent_id: string | null;
  description: string;
  created_at: Date;
  updated_at: Date;
  username: string | null;
  full_name: string | null;
}

const MEMBER_COLUMNS = ['m.id', 'm.project_id', 'm.member_type', 'm.user_id', 'm.agent_id', 'm.description', 'm.created_at', 'm.updated_at', 'u.username', 'u.full_name'];

const memberQuery = (db: Knex, projectId: string) => db('project_members as m')
  .leftJoin('users as u', 'u.id', 'm.user_id')
  .where('m.project_id', projectId).whereNull('m.deleted_at').select(MEMBER_COLUMNS);

/** Role names per member, fetched for a whole page at once. */
async function rolesByUser(db: Knex, projectId: string, userIds: string[]): Promise<Map<string, Array<{ id: string; name: string }>>> {
  const rows = userIds.length === 0 ? [] : await db('role_attachments as a').join('roles as r', 'r.id', 'a.role_id')
    .where({ 'a.project_id': projectId, 'a.principal_type': 'user' }).whereIn('a.principal_id', userIds)
    .orderBy('r.name').select('a.principal_id', 'r.id', 'r.name');
  const map = new Map<string, Array<{ id: string; name: string }>>();
  for (const row of rows as Array<{ principal_id: string; id: string; name: string }>) {
    map.set(row.principal_id, [...(map.get(row.principal_id) ?? []), { id: row.id, name: row.name }]);
  }
  return map;
}

function memberView(row: MemberRow, roles: Array<{ id: string; name: string }>) {
  return {
    id: row.id,
    project_id: row.project_id,
    member_type: row.member_type,
    user_id: row.user_id,
    agent_id: row.agent_id,
    description: row.description,
    user: row.user_id ? { id: row.user_id, username: row.username, full_name: row.full_name } : null,
    roles,
    created_at: new Date(row.created_at).toISOString(),
    updated_at: new Date(row.updated_at).toISOString(),
  };
}

/** The member's identity as events carry it. */
function memberRef(member: MemberRow) {
  return member.member_type === 'agent'
    ? { member_id: member.id, principal_type: 'agent' as const, principal_id: member.agent_id! }
    : { member_id: member.id, principal_type: 'user' as const, principal_id: member.user_id! };
}

async function loadMember(db: Knex, projectId: string, memberId: string): Promise<MemberRow> {
  const row = await memberQuery(db, projectId).where('m.id', memberId).first<MemberRow>();
  if (!row) throw ProjectMemberNotFound({});
  return row;
}

const MemberParams = StrictObject({ projectId: Uuid, memberId: Uuid });
const RoleIds = Type.Array(Uuid, { minItems: 1, maxItems: 20 });

/** Human project members and their project roles (agent members arrive with Kernel foundation II). */
export function registerMemberRoutes(router: Router, services: KernelServices & { roles: RoleService }): void {
  const { clock, iam, roles, activity, events } = services;
  const membersRead = { kind: 'gated' as const, action: 'project.members:read', resource: (p: Record<string, string>) => `project/${p.projectId}` };
  const membersWrite = { kind: 'gated' as const, action: 'project.members:write', resource: (p: Record<string, string>) => `project/${p.projectId}` };

  router.route({
    method: 'GET', url: '/projects/:projectId/members', summary: 'Project members (anonymous when public)', tags: ['members'],
    access: membersRead, params: ProjectParams, querystring: StrictObject(CursorQuery),
    async handler({ db, params, query }) {
      const page = await cursorPage<MemberRow>(memberQuery(db, params.projectId),
        { cursor: query.cursor, pageSize: query.page_size ?? 50, timeColumn: 'm.created_at', idColumn: 'm.id', order: 'asc' });
      const roleMap = await rolesByUser(db, params.projectId, page.items.flatMap((m) => (m.user_id ? [m.user_id] : [])));
      return { items: page.items.map((m) => memberView(m, roleMap.get(m.user_id ?? '') ?? [])), next_cursor: page.next_cursor };
    },
  });

  router.route({
    method: 'POST', url: '/projects/:projectId/members', summary: 'Add a user with one or more project roles', tags: ['members'], status: 201,
    access: membersWrite, params: ProjectParams,
    body: StrictObject({ user_id: Uuid, role_ids: RoleIds, description: Type.Optional(Type.String({ maxLength: 2000 })) }),
    async handler({ db, params, body, principal, policies }) {
      const user = await db('users').where({ id: body.user_id }).whereNull('deleted_at').first('id', 'username');
      if (!user) throw UserNotFound({});
      const existing = await db('project_members').where({ project_id: params.projectId, user_id: body.user_id }).orderBy('created_at', 'desc').first('id', 'deleted_at');
      if (existing && !existing.deleted_at) throw ProjectMemberAlreadyAdded({});
      const now = clock.now();
      let memberId: string;
      if (existing) {
        // Re-adding restores the old row, so references to the member id stay valid.
        memberId = existing.id;
        await db('project_members').where({ id: memberId }).update({ deleted_at: null, description: body.description ?? '', updated_at: now });
      } else {
        memberId = randomUUID();
        await db('project_members').insert({ id: memberId, project_id: params.projectId, member_type: 'human', user_id: body.user_id, description: body.description ?? '', created_at: now, updated_at: now });
      }
      const result = await roles.replaceAttachments(db, { principal: { type: 'user', id: body.user_id }, scope: { projectId: params.projectId }, roleIds: body.role_ids, actor: principal, actorPolicies: policies });
      await activity.record(db, { projectId: params.projectId, entityType: 'member', entityId: memberId, actor: principal, type: 'project.member.added', content: { username: user.username, roles: result.roles.map((r) => r.name) } });
      await events.emit(db, ProjectMemberAdded, { projectId: params.projectId, actor: principal, payload: { member_id: memberId, principal_type: 'user', principal_id: body.user_id, role_ids: result.roles.map((r) => r.id) } });
      return memberView(await loadMember(db, params.projectId, memberId), result.roles.map((r) => ({ id: r.id, name: r.name })));
    },
  });

  router.route({
    method: 'GET', url: '/projects/:projectId/members/me/permissions', summary: 'Actions you hold in this project', tags: ['members', 'iam'],
    access: { kind: 'gated', action: 'projects:read', resource: (p) => `project/${p.projectId}` }, params: ProjectParams,
    async handler({ params, policies }) {
      return { actions: iam.projectActions(policies, params.projectId) };
    },
  });

  router.route({
    method: 'PATCH', url: '/projects/:projectId/members/:memberId', summary: 'Edit a member’s description', tags: ['members'],
    access: membersWrite, params: MemberParams, body: StrictObject({ description: Type.String({ maxLength: 2000 }) }),
    async handler({ db, params, body, principal }) {
      const member = await loadMember(db, params.projectId, params.memberId);
      await db('project_members').where({ id: member.id }).update({ description: body.description, updated_at: clock.now() });
      if (body.description !== member.description) {
        await events.emit(db, ProjectMemberUpdated, { projectId: params.projectId, actor: principal, payload: {
          ...memberRef(member), changes: [{ field: 'description', old: member.description, new: body.description }] } });
      }
      const roleMap = await rolesByUser(db, params.projectId, member.user_id ? [member.user_id] : []);
      return memberView(await loadMember(db, params.projectId, member.id), roleMap.get(member.user_id ?? '') ?? []);
    },
  });

  router.route({
    method: 'DELETE', url: '/projects/:projectId/members/:memberId', summary: 'Remove a member and their project roles', tags: ['members'], status: 204,
    access: membersWrite, params: MemberParams,
    async handler({ db, params, principal }) {
      const member = await loadMember(db, params.projectId, params.memberId);
      if (member.user_id) {
        const principalRef = { type: 'user' as const, id: member.user_id };
        const held = await roles.attached(db, principalRef, { projectId: params.projectId });
        if (held.some((r) => r.builtin_key === PROJECT_FULL_ACCESS_KEY)) await roles.assertAnotherFullAccessHolder(db, { projectId: params.projectId }, principalRef);
        await db('role_attachments').where({ principal_type: 'user', principal_id: member.user_id, project_id: params.projectId }).delete();
      }
      await db('project_members').where({ id: member.id }).update({ deleted_at: clock.now() });
      await activity.record(db, { projectId: params.projectId, entityType: 'member', entityId: member.id, actor: principal, type: 'project.member.removed', content: { username: member.username } });
      await events.emit(db, ProjectMemberRemoved, { projectId: params.projectId, actor: principal, payload: memberRef(member) });
      return null;
    },
  });

  router.route({
    method: 'GET', url: '/projects/:projectId/members/:memberId/roles', summary: 'A member’s project roles', tags: ['members', 'iam'],
    access: membersRead, params: MemberParams,
    async handler({ db, params }) {
      const member = await loadMember(db, params.projectId, params.memberId);
      const held = member.user_id ? await roles.attached(db, { type: 'user', id: member.user_id }, { projectId: params.projectId }) : [];
      return { items: held.map(roleView) };
    },
  });

  router.route({
    method: 'PUT', url: '/projects/:projectId/members/:memberId/roles', summary: 'Replace a member’s project roles', tags: ['members', 'iam'],
    access: membersWrite, params: MemberParams, body: StrictObject({ role_ids: RoleIds }),
    async handler({ db, params, body, principal, policies }) {
      const member = await loadMember(db, params.projectId, params.memberId);
      if (!member.user_id) throw ProjectMemberNotFound({});
      const result = await roles.replaceAttachments(db, { principal: { type: 'user', id: member.user_id }, scope: { projectId: params.projectId }, roleIds: body.role_ids, actor: principal, actorPolicies: policies });
      if (result.added.length + result.removed.length > 0) {
        await activity.record(db, { projectId: params.projectId, entityType: 'member', entityId: member.id, actor: principal, type: 'project.member.roles_changed', content: { username: member.username, added: result.added.map((r) => r.name), removed: result.removed.map((r) => r.name) } });
        await events.emit(db, ProjectMemberRolesChanged, { projectId: params.projectId, actor: principal, payload: {
          ...memberRef(member), added: result.added.map((r) => r.id), removed: result.removed.map((r) => r.id) } });
      }
      return { items: result.roles.map(roleView) };
    },
  });
}
