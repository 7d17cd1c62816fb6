import { Type } from '@sinclair/typebox';
import type { Knex } from 'knex';
import { agentAttachableIn } from '../agents/agent-scope.js';
import {
  ProjectMemberNotFound, UserNotFound, ValidationFailed,
} from '../http/kernel-errors.js';
import { cursorPage } from '../http/pagination.js';
import type { Router } from '../http/router.js';
import { CursorQuery, ProjectParams, StrictObject, Uuid } from '../http/schemas.js';
import { PROJECT_FULL_ACCESS_KEY } from '../iam/builtin-roles.js';
import { roleView, type PrincipalRef, type RoleService } from '../iam/role-service.js';
import { ProjectMemberRemoved, ProjectMemberRolesChanged, ProjectMemberUpdated } from '../events/kernel-events.js';
import type { KernelServices } from '../services.js';
import { addProjectMember } from './add-project-member.js';

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
  agent_handle: string | null;
  agent_name: string | null;
}

const MEMBER_COLUMNS = ['m.id', 'm.project_id', 'm.member_type', 'm.user_id', 'm.agent_id', 'm.description', 'm.created_at', 'm.updated_at', 'u.username', 'u.full_name',
  'ag.handle as agent_handle', 'ag.name as agent_name'];

const memberQuery = (db: Knex, projectId: string) => db('project_members as m')
  .leftJoin('users as u', 'u.id', 'm.user_id')
  .leftJoin('agents as ag', 'ag.id', 'm.agent_id')
  .where('m.project_id', projectId).whereNull('m.deleted_at').select(MEMBER_COLUMNS);

/** The principal a member row stands for: a user or an agent (D14). */
const principalOf = (member: MemberRow): PrincipalRef =>
  (member.member_type === 'agent' ? { type: 'agent', id: member.agent_id! } : { type: 'user', id: member.user_id! });

/** The member's handle for the feed: username or agent handle. */
const handleOf = (member: MemberRow) => (member.member_type === 'agent' ? member.agent_handle : member.username);

const principalKey = (principal: PrincipalRef) => `${principal.type}:${principal.id}`;

/** Role names per member, fetched for a whole page at once. */
async function rolesByPrincipal(db: Knex, projectId: string, members: MemberRow[]): Promise<Map<string, Array<{ id: string; name: string }>>> {
  const principals = members.map(principalOf);
  const rows = principals.length === 0 ? [] : await db('role_attachments as a').join('roles as r', 'r.id', 'a.role_id')
    .where({ 'a.project_id': projectId })
    .where((q) => {
      for (const type of ['user', 'agent'] as const) {
        const ids = principals.filter((p) => p.type === type).map((p) => p.id);
        if (ids.length > 0) q.orWhere((o) => o.where('a.principal_type', type).whereIn('a.principal_id', ids));
      }
    })
    .orderBy('r.name').select('a.principal_type', 'a.principal_id', 'r.id', 'r.name');
  const map = new Map<string, Array<{ id: string; name: string }>>();
  for (const row of rows as Array<{ principal_type: 'user' | 'agent'; principal_id: string; id: string; name: string }>) {
    const key = principalKey({ type: row.principal_type, id: row.principal_id });
    map.set(key, [...(map.get(key) ?? []), { id: row.id, name: row.name }]);
  }
  return map;
}

async function withRoles(db: Knex, projectId: string, member: MemberRow) {
  const roleMap = await rolesByPrincipal(db, projectId, [member]);
  return memberView(member, roleMap.get(principalKey(principalOf(member))) ?? []);
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
    agent: row.agent_id ? { id: row.agent_id, handle: row.agent_handle, name: row.agent_name } : null,
    roles,
    created_at: new Date(row.created_at).toISOString(),
    updated_at: new Date(row.updated_at).toISOString(),
  };
}

/** The member's identity as events carry it. */
function memberRef(member: MemberRow) {
  const principal = principalOf(member);
  return { member_id: member.id, principal_type: principal.type, principal_id: principal.id };
}

async function loadMember(db: Knex, projectId: string, memberId: string): Promise<MemberRow> {
  const row = await memberQuery(db, projectId).where('m.id', memberId).first<MemberRow>();
  if (!row) throw ProjectMemberNotFound({});
  return row;
}

const MemberParams = StrictObject({ projectId: Uuid, memberId: Uuid });
const RoleIds = Type.Array(Uuid, { minItems: 1, maxItems: 20 });

/** Project members, users and agents (D14), and their project roles. */
export function registerMemberRoutes(router: Router, services: KernelServices & { roles: RoleService }): void {
  const { clock, iam, roles, activity, events } = services;
  const membersRead = { kind: 'gated' as const, action: 'project.members:read', resource: (p: Record<string, string>) => `project/${p.projectId}` };
  const membersWrite = { kind: 'gated' as const, action: 'project.members:write', resource: (p: Record<string, string>) => `project/${p.projectId}` };

  router.route({
    method: 'GET', name: 'members.list', url: '/projects/:projectId/members', summary: 'Project members (anonymous when public)', tags: ['members'],
    access: membersRead, params: ProjectParams, querystring: StrictObject(CursorQuery),
    async handler({ db, params, query }) {
      const page = await cursorPage<MemberRow>(memberQuery(db, params.projectId),
        { cursor: query.cursor, pageSize: query.page_size ?? 50, timeColumn: 'm.created_at', idColumn: 'm.id', order: 'asc' });
      const roleMap = await rolesByPrincipal(db, params.projectId, page.items);
      return { items: page.items.map((m) => memberView(m, roleMap.get(principalKey(principalOf(m))) ?? [])), next_cursor: page.next_cursor };
    },
  });

  router.route({
    method: 'POST', name: 'members.add', url: '/projects/:projectId/members', summary: 'Add a user or an agent (user_id or agent_id) with one or more project roles', tags: ['members'], status: 201,
    access: membersWrite, params: ProjectParams,
    body: StrictObject({
      user_id: Type.Optional(Uuid), agent_id: Type.Optional(Uuid), role_ids: RoleIds, description: Type.Optional(Type.String({ maxLength: 2000 })),
    }, { description: 'exactly one of user_id and agent_id' }),
    async handler({ db, params, body, principal, policies }) {
      if ((body.user_id === undefined) === (body.agent_id === undefined)) {
        throw ValidationFailed({ issues: [{ path: body.user_id === undefined ? 'user_id' : 'agent_id', message: 'send exactly one of user_id and agent_id' }] });
      }
      let member: PrincipalRef & { handle: string };
      if (body.agent_id !== undefined) {
        const agent = await agentAttachableIn(db, body.agent_id, params.projectId);
        member = { type: 'agent', id: agent.id, handle: agent.handle };
      } else {
        const user = await db('users').where({ id: body.user_id }).whereNull('deleted_at').first('id', 'username');
        if (!user) throw UserNotFound({});
        member = { type: 'user', id: user.id, handle: user.username };
      }
      const added = await addProjectMember(db, { clock, roles, activity, events }, {
        projectId: params.projectId, member, roleIds: body.role_ids, description: body.description, actor: principal, actorPolicies: policies,
      });
      return memberView(await loadMember(db, params.projectId, added.memberId), added.roles.map((r) => ({ id: r.id, name: r.name })));
    },
  });

  router.route({
    method: 'GET', name: 'members.my_permissions', url: '/projects/:projectId/members/me/permissions', summary: 'Actions you hold in this project', tags: ['members', 'iam'],
    access: { kind: 'gated', action: 'projects:read', resource: (p) => `project/${p.projectId}` }, params: ProjectParams,
    async handler({ params, policies, project }) {
      return { actions: iam.projectActions(policies, params.projectId, project?.disabled_plugins) };
    },
  });

  router.route({
    method: 'PATCH', name: 'members.update', url: '/projects/:projectId/members/:memberId', summary: 'Edit a member’s description', tags: ['members'],
    access: membersWrite, params: MemberParams, body: StrictObject({ description: Type.String({ maxLength: 2000 }) }),
    async handler({ db, params, body, principal }) {
      const member = await loadMember(db, params.projectId, params.memberId);
      await db('project_members').where({ id: member.id }).update({ description: body.description, updated_at: clock.now() });
      if (body.description !== member.description) {
        await events.emit(db, ProjectMemberUpdated, { projectId: params.projectId, actor: principal, payload: {
          ...memberRef(member), changes: [{ field: 'description', old: member.description, new: body.description }] } });
      }
      return withRoles(db, params.projectId, await loadMember(db, params.projectId, member.id));
    },
  });

  router.route({
    method: 'DELETE', name: 'members.remove', url: '/projects/:projectId/members/:memberId', summary: 'Remove a member and their project roles', tags: ['members'], status: 204,
    access: membersWrite, params: MemberParams,
    async handler({ db, params, principal }) {
      const member = await loadMember(db, params.projectId, params.memberId);
      const principalRef = principalOf(member);
      const held = await roles.attached(db, principalRef, { projectId: params.projectId });
      if (held.some((r) => r.builtin_key === PROJECT_FULL_ACCESS_KEY)) await roles.assertAnotherFullAccessHolder(db, { projectId: params.projectId }, principalRef);
      await db('role_attachments').where({ principal_type: principalRef.type, principal_id: principalRef.id, project_id: params.projectId }).delete();
      await db('project_members').where({ id: member.id }).update({ deleted_at: clock.now() });
      await activity.record(db, { projectId: params.projectId, entityType: 'member', entityId: member.id, actor: principal, type: 'project.member.removed', content: { username: handleOf(member) } });
      await events.emit(db, ProjectMemberRemoved, { projectId: params.projectId, actor: principal, payload: memberRef(member) });
      return null;
    },
  });

  router.route({
    method: 'GET', name: 'members.roles.list', url: '/projects/:projectId/members/:memberId/roles', summary: 'A member’s project roles', tags: ['members', 'iam'],
    access: membersRead, params: MemberParams,
    async handler({ db, params }) {
      const member = await loadMember(db, params.projectId, params.memberId);
      const held = await roles.attached(db, principalOf(member), { projectId: params.projectId });
      return { items: held.map(roleView) };
    },
  });

  router.route({
    method: 'PUT', name: 'members.roles.replace', url: '/projects/:projectId/members/:memberId/roles', summary: 'Replace a member’s project roles', tags: ['members', 'iam'],
    access: membersWrite, params: MemberParams, body: StrictObject({ role_ids: RoleIds }),
    async handler({ db, params, body, principal, policies }) {
      const member = await loadMember(db, params.projectId, params.memberId);
      const result = await roles.replaceAttachments(db, { principal: principalOf(member), scope: { projectId: params.projectId }, roleIds: body.role_ids, actor: principal, actorPolicies: policies });
      if (result.added.length + result.removed.length > 0) {
        await activity.record(db, { projectId: params.projectId, entityType: 'member', entityId: member.id, actor: principal, type: 'project.member.roles_changed', content: { username: handleOf(member), added: result.added.map((r) => r.name), removed: result.removed.map((r) => r.name) } });
        await events.emit(db, ProjectMemberRolesChanged, { projectId: params.projectId, actor: principal, payload: {
          ...memberRef(member), added: result.added.map((r) => r.id), removed: result.removed.map((r) => r.id) } });
      }
      return { items: result.roles.map(roleView) };
    },
  });
}
