import { Type } from '@sinclair/typebox';
import type { Knex } from 'knex';
import type { Principal } from '../auth/principal.js';
import { cursorPage } from '../http/pagination.js';
import type { Router } from '../http/router.js';
import { CursorQuery, StrictObject, Uuid } from '../http/schemas.js';
import { RoleCreated, RoleDefaultChanged, RoleDeleted, RoleUpdated } from '../events/kernel-events.js';
import type { KernelServices } from '../services.js';
import { Policy } from './policy.js';
import { roleView, type RoleRow, type RoleService } from './role-service.js';

const RoleBody = StrictObject({
  name: Type.String({ minLength: 1, maxLength: 64, pattern: '\\S' }),
  description: Type.Optional(Type.String({ maxLength: 500 })),
  policy: Policy,
});

const ListQuery = StrictObject(CursorQuery);

async function listRoles(db: Knex, projectId: string | null, query: { cursor?: string; page_size?: number }) {
  const base = db('roles').select('*');
  if (projectId) base.where({ project_id: projectId });
  else base.whereNull('project_id');
  const page = await cursorPage<RoleRow>(base, { cursor: query.cursor, pageSize: query.page_size ?? 50, timeColumn: 'created_at', idColumn: 'id', order: 'asc' });
  return { items: page.items.map(roleView), next_cursor: page.next_cursor };
}

/** Platform roles under `/admin/roles`, project roles under `/projects/:projectId/roles`, and the action catalogue. */
export function registerRoleRoutes(router: Router, services: KernelServices & { roles: RoleService }): void {
  const { roles, iam, activity, events } = services;
  const ROLE_EVENTS = { 'role.created': RoleCreated, 'role.updated': RoleUpdated, 'role.deleted': RoleDeleted, 'role.default_changed': RoleDefaultChanged };
  /** Every role change emits its event; project role changes also land in the project feed. */
  const changed = async (db: Knex, actor: Principal | null, type: keyof typeof ROLE_EVENTS, role: RoleRow) => {
    await events.emit(db, ROLE_EVENTS[type], { projectId: role.project_id, actor, payload: { role_id: role.id, project_id: role.project_id, name: role.name } });
    if (role.project_id) await activity.record(db, { projectId: role.project_id, entityType: 'role', entityId: role.id, actor, type, content: { name: role.name } });
    return role;
  };

  router.route({
    method: 'GET', name: 'roles.actions', url: '/roles/actions', summary: 'The IAM action catalogue', tags: ['iam'],
    access: { kind: 'authenticated' },
    async handler() {
      return { items: iam.catalogue().map((a) => ({ action: a.action, description: a.description, platform_root: a.platformRoot, project_scoped: a.projectScoped, plugin_id: a.pluginId ?? null })) };
    },
  });

  // Platform roles
  const PlatformRoleParams = StrictObject({ roleId: Uuid });
  router.route({
    method: 'GET', url: '/admin/roles', summary: 'List platform roles', tags: ['iam'],
    access: { kind: 'gated', action: 'roles:read', resource: () => 'role/*' }, querystring: ListQuery,
    handler: ({ db, query }) => listRoles(db, null, query),
  });
  router.route({
    method: 'POST', url: '/admin/roles', summary: 'Create a platform role', tags: ['iam'], status: 201,
    access: { kind: 'gated', action: 'roles:write', resource: () => 'role/*' }, body: RoleBody,
    async handler({ db, body, policies, principal }) {
      return roleView(await changed(db, principal, 'role.created', await roles.create(db, { projectId: null }, body, policies)));
    },
  });
  router.route({
    method: 'GET', url: '/admin/roles/:roleId', summary: 'Get a platform role', tags: ['iam'],
    access: { kind: 'gated', action: 'roles:read', resource: (p) => `role/${p.roleId}` }, params: PlatformRoleParams,
    async handler({ db, params }) {
      return roleView(await roles.get(db, { projectId: null }, params.roleId));
    },
  });
  router.route({
    method: 'PUT', url: '/admin/roles/:roleId', summary: 'Replace a platform role', tags: ['iam'],
    access: { kind: 'gated', action: 'roles:write', resource: (p) => `role/${p.roleId}` }, params: PlatformRoleParams, body: RoleBody,
    async handler({ db, params, body, policies, principal }) {
      return roleView(await changed(db, principal, 'role.updated', await roles.update(db, { projectId: null }, params.roleId, body, policies)));
    },
  });
  router.route({
    method: 'DELETE', url: '/admin/roles/:roleId', summary: 'Delete a platform role (not built-ins, not the default)', tags: ['iam'], status: 204,
    access: { kind: 'gated', action: 'roles:write', resource: (p) => `role/${p.roleId}` }, params: PlatformRoleParams,
    async handler({ db, params, principal }) {
      await changed(db, principal, 'role.deleted', await roles.delete(db, { projectId: null }, params.roleId));
      return null;
    },
  });
  router.route({
    method: 'PUT', url: '/admin/roles/:roleId/default', summary: 'Make a platform role the default for new users', tags: ['iam'],
    access: { kind: 'gated', action: 'roles:write', resource: (p) => `role/${p.roleId}` }, params: PlatformRoleParams,
    async handler({ db, params, policies, principal }) {
      return roleView(await changed(db, principal, 'role.default_changed', await roles.setDefault(db, params.roleId, policies)));
    },
  });

  // Project roles
  const ProjectRoleParams = StrictObject({ projectId: Uuid, roleId: Uuid });

  router.route({
    method: 'GET', name: 'roles.project.list', url: '/projects/:projectId/roles', summary: 'List the project’s roles', tags: ['iam', 'projects'],
    access: { kind: 'gated', action: 'roles:read', resource: (p) => `project/${p.projectId}` },
    params: StrictObject({ projectId: Uuid }), querystring: ListQuery,
    handler: ({ db, params, query }) => listRoles(db, params.projectId, query),
  });
  router.route({
    method: 'GET', name: 'roles.project.actions', url: '/projects/:projectId/roles/actions', summary: 'Actions a project role may grant', tags: ['iam', 'projects'],
    access: { kind: 'gated', action: 'roles:read', resource: (p) => `project/${p.projectId}` }, params: StrictObject({ projectId: Uuid }),
    async handler() {
      return { items: iam.catalogue().filter((a) => a.projectScoped).map((a) => ({ action: a.action, description: a.description })) };
    },
  });
  router.route({
    method: 'POST', name: 'roles.project.create', url: '/projects/:projectId/roles', summary: 'Create a project role', tags: ['iam', 'projects'], status: 201,
    access: { kind: 'gated', action: 'roles:write', resource: (p) => `project/${p.projectId}` },
    params: StrictObject({ projectId: Uuid }), body: RoleBody,
    async handler({ db, params, body, policies, principal }) {
      return roleView(await changed(db, principal, 'role.created', await roles.create(db, { projectId: params.projectId }, body, policies)));
    },
  });
  router.route({
    method: 'GET', name: 'roles.project.get', url: '/projects/:projectId/roles/:roleId', summary: 'Get a project role', tags: ['iam', 'projects'],
    access: { kind: 'gated', action: 'roles:read', resource: (p) => `project/${p.projectId}/role/${p.roleId}` }, params: ProjectRoleParams,
    async handler({ db, params }) {
      return roleView(await roles.get(db, { projectId: params.projectId }, params.roleId));
    },
  });
  router.route({
    method: 'PUT', name: 'roles.project.replace', url: '/projects/:projectId/roles/:roleId', summary: 'Replace a project role', tags: ['iam', 'projects'],
    access: { kind: 'gated', action: 'roles:write', resource: (p) => `project/${p.projectId}/role/${p.roleId}` },
    params: ProjectRoleParams, body: RoleBody,
    async handler({ db, params, body, policies, principal }) {
      return roleView(await changed(db, principal, 'role.updated', await roles.update(db, { projectId: params.projectId }, params.roleId, body, policies)));
    },
  });
  router.route({
    method: 'DELETE', name: 'roles.project.delete', url: '/projects/:projectId/roles/:roleId', summary: 'Delete a project role', tags: ['iam', 'projects'], status: 204,
    access: { kind: 'gated', action: 'roles:write', resource: (p) => `project/${p.projectId}/role/${p.roleId}` }, params: ProjectRoleParams,
    async handler({ db, params, principal }) {
      await changed(db, principal, 'role.deleted', await roles.delete(db, { projectId: params.projectId }, params.roleId));
      return null;
    },
  });
}
