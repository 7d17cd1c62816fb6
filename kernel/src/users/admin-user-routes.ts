import { randomUUID } from 'node:crypto';
import { Type } from '@sinclair/typebox';
import type { Knex } from 'knex';
import { claimHandle } from '../agents/handles.js';
import { isUniqueViolation } from '../db/errors.js';
import { UserCannotDeleteSelf, UserNotFound, UsernameTaken } from '../http/kernel-errors.js';
import type { PolicySet } from '../iam/policy-set.js';
import { cursorPage, pagedList } from '../http/pagination.js';
import type { Router } from '../http/router.js';
import { CursorQuery, isUuid, Nullable, PageQuery, SortQuery, sortOrder, StrictObject, Uuid } from '../http/schemas.js';
import { PLATFORM_FULL_ACCESS_KEY } from '../iam/builtin-roles.js';
import { roleView, type RoleService } from '../iam/role-service.js';
import { UserCreated, UserDeleted, UserPasswordReset, UserRolesChanged, UserUpdated } from '../events/kernel-events.js';
import type { KernelServices } from '../services.js';
import { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH, USER_COLUMNS, USERNAME_PATTERN, userView, type UserRow } from './user-view.js';

const Password = Type.String({ minLength: PASSWORD_MIN_LENGTH, maxLength: PASSWORD_MAX_LENGTH });
const Email = Nullable(Type.String({ format: 'email', maxLength: 320 }));

const CreateUser = StrictObject({
  username: Type.String({ pattern: USERNAME_PATTERN }),
  password: Password,
  full_name: Type.Optional(Type.String({ maxLength: 200 })),
  email: Type.Optional(Email),
});
const UpdateUser = StrictObject({
  username: Type.Optional(Type.String({ pattern: USERNAME_PATTERN })),
  full_name: Type.Optional(Nullable(Type.String({ maxLength: 200 }))),
  email: Type.Optional(Email),
});
const UserParams = StrictObject({ userId: Uuid });
const UserFilters = {
  search: Type.Optional(Type.String({ maxLength: 200 })),
  role: Type.Optional(Type.String({ maxLength: 64, description: 'platform role id or name' })),
};
const ListUsers = StrictObject({ ...PageQuery, ...UserFilters, sort: SortQuery(['username', 'full_name', 'created_at']) });
const ListUsersByCursor = StrictObject({ ...CursorQuery, ...UserFilters });

/** Live users matching the list filters, shared by the page and the cursor forms. */
function filteredUsers(db: Knex, filters: { search?: string; role?: string }): Knex.QueryBuilder {
  const base = db('users').whereNull('deleted_at').where({ is_service: false }).select(USER_COLUMNS);
  if (filters.search) {
    const pattern = `%${escapeLike(filters.search)}%`;
    base.where((q) => q.whereILike('username', pattern).orWhereILike('full_name', pattern).orWhereILike('email', pattern));
  }
  if (filters.role) {
    const role = filters.role;
    base.whereIn('id', db('role_attachments as a').join('roles as r', 'r.id', 'a.role_id').whereNull('a.project_id')
      .where('a.principal_type', 'user').where((q) => (isUuid(role) ? q.where('r.id', role) : q.whereRaw('lower(r.name) = lower(?)', [role])))
      .select('a.principal_id'));
  }
  return base;
}

async function loadUser(db: Knex, userId: string): Promise<UserRow> {
  const row = await db('users').where({ id: userId, is_service: false }).whereNull('deleted_at').first<UserRow>(USER_COLUMNS);
  if (!row) throw UserNotFound({});
  return row;
}

async function platformRoles(db: Knex, userIds: string[]): Promise<Map<string, Array<{ id: string; name: string }>>> {
  const rows = userIds.length === 0 ? [] : await db('role_attachments as a').join('roles as r', 'r.id', 'a.role_id')
    .whereNull('a.project_id').where('a.principal_type', 'user').whereIn('a.principal_id', userIds)
    .orderBy('r.name').select('a.principal_id', 'r.id', 'r.name');
  const map = new Map<string, Array<{ id: string; name: string }>>();
  for (const row of rows as Array<{ principal_id: string; id: string; name: string }>) {
    map.set(row.principal_id, [...(map.get(row.principal_id) ?? []), { id: row.id, name: row.name }]);
  }
  return map;
}

async function adminUserView(db: Knex, row: UserRow) {
  return { ...userView(row), roles: (await platformRoles(db, [row.id])).get(row.id) ?? [] };
}

const escapeLike = (text: string) => text.replace(/[\\%_]/g, (c) => `\\${c}`);

/** User administration under `/admin/users` (reference 2.3, D10). */
export function registerAdminUserRoutes(router: Router, services: KernelServices & { roles: RoleService }): void {
  const { clock, passwords, sessions, roles, events } = services;

  /**
   * Editing, resetting or deleting a user is acting as them: only someone who holds every
   * platform grant they hold may do it (so ADMIN cannot take over a SUPER_ADMIN, D15).
   */
  const assertOutranks = async (db: Knex, actor: PolicySet, userId: string) => {
    for (const role of await roles.attached(db, { type: 'user', id: userId }, { projectId: null })) roles.assertHeld(actor, role.policy);
  };

  router.route({
    method: 'GET', url: '/admin/users', summary: 'List users (search, role filter, pages)', tags: ['admin'],
    access: { kind: 'gated', action: 'users:read', resource: () => 'user/*' }, querystring: ListUsers,
    async handler({ db, query }) {
      const page = await pagedList<UserRow>(filteredUsers(db, query), { page: query.page ?? 1, pageSize: query.page_size ?? 20, orderBy: sortOrder(query.sort, 'username') });
      const roleMap = await platformRoles(db, page.items.map((u) => u.id));
      return { ...page, items: page.items.map((u) => ({ ...userView(u), roles: roleMap.get(u.id) ?? [] })) };
    },
  });

  router.route({
    method: 'GET', url: '/admin/users/cursor', summary: 'List users by cursor (oldest first), for long lists', tags: ['admin'],
    access: { kind: 'gated', action: 'users:read', resource: () => 'user/*' }, querystring: ListUsersByCursor,
    async handler({ db, query }) {
      const page = await cursorPage<UserRow>(filteredUsers(db, query), { cursor: query.cursor, pageSize: query.page_size ?? 50, timeColumn: 'created_at', idColumn: 'id', order: 'asc' });
      const roleMap = await platformRoles(db, page.items.map((u) => u.id));
      return { items: page.items.map((u) => ({ ...userView(u), roles: roleMap.get(u.id) ?? [] })), next_cursor: page.next_cursor };
    },
  });

  router.route({
    method: 'POST', url: '/admin/users', summary: 'Create a user (must change password at first login; gets the default role)', tags: ['admin'], status: 201,
    access: { kind: 'gated', action: 'users:write', resource: () => 'user/*' }, body: CreateUser, transactional: false,
    async handler({ db: pool, body, principal }) {
      // argon2 runs before the transaction: it must not hold a connection (PGlite has one).
      const passwordHash = await passwords.hash(body.password);
      return pool.transaction(async (db) => {
      // Usernames and agent handles share one namespace (D14).
      if (await claimHandle(db, body.username)) throw UsernameTaken({});
      const now = clock.now();
      const row = {
        id: randomUUID(), username: body.username, password_hash: passwordHash,
        full_name: body.full_name?.trim() ?? '', email: body.email ?? null, must_change_password: true, created_at: now, updated_at: now,
      };
      try {
        await db('users').insert(row);
      } catch (error) {
        if (isUniqueViolation(error)) throw UsernameTaken({}, { cause: error });
        throw error;
      }
      const defaultRole = await roles.defaultRoleId(db);
      if (defaultRole) await roles.attachTrusted(db, { type: 'user', id: row.id }, defaultRole, null, principal!.id);
      await events.emit(db, UserCreated, { projectId: null, actor: principal, payload: { user_id: row.id, username: row.username } });
      return adminUserView(db, await loadUser(db, row.id));
      });
    },
  });

  router.route({
    method: 'GET', url: '/admin/users/:userId', summary: 'Get a user', tags: ['admin'],
    access: { kind: 'gated', action: 'users:read', resource: (p) => `user/${p.userId}` }, params: UserParams,
    async handler({ db, params }) {
      return adminUserView(db, await loadUser(db, params.userId));
    },
  });

  router.route({
    method: 'PATCH', url: '/admin/users/:userId', summary: 'Edit a user', tags: ['admin'],
    access: { kind: 'gated', action: 'users:write', resource: (p) => `user/${p.userId}` }, params: UserParams, body: UpdateUser,
    async handler({ db, params, body, principal, policies }) {
      const before = await loadUser(db, params.userId);
      await assertOutranks(db, policies, before.id);
      const changes: Record<string, unknown> = {};
      if (body.username !== undefined) changes.username = body.username;
      if (body.full_name !== undefined) changes.full_name = body.full_name?.trim() ?? '';
      if (body.email !== undefined) changes.email = body.email;
      if (Object.keys(changes).length > 0) {
        if (body.username !== undefined && body.username !== before.username && await claimHandle(db, body.username, { userId: before.id })) {
          throw UsernameTaken({});
        }
        try {
          await db('users').where({ id: params.userId }).update({ ...changes, updated_at: clock.now() });
        } catch (error) {
          if (isUniqueViolation(error)) throw UsernameTaken({}, { cause: error });
          throw error;
        }
        const diff = Object.entries(changes).filter(([field, value]) => before[field as keyof UserRow] !== value)
          .map(([field, value]) => ({ field, old: before[field as keyof UserRow], new: value }));
        if (diff.length > 0) {
          await events.emit(db, UserUpdated, { projectId: null, actor: principal, payload: { user_id: before.id, username: String(changes.username ?? before.username), changes: diff } });
        }
      }
      return adminUserView(db, await loadUser(db, params.userId));
    },
  });

  router.route({
    method: 'PATCH', url: '/admin/users/:userId/password', summary: 'Reset a user’s password (forces a change; ends their sessions)', tags: ['admin'],
    access: { kind: 'gated', action: 'users:write', resource: (p) => `user/${p.userId}` }, params: UserParams,
    body: StrictObject({ new_password: Password }), transactional: false,
    async handler({ db: pool, params, body, principal, policies }) {
      const passwordHash = await passwords.hash(body.new_password);
      return pool.transaction(async (db) => {
        const user = await loadUser(db, params.userId);
        await assertOutranks(db, policies, user.id);
        await db('users').where({ id: params.userId }).update({ password_hash: passwordHash, must_change_password: true, updated_at: clock.now() });
        await sessions.revokeUser(db, params.userId, 'admin_reset');
        await events.emit(db, UserPasswordReset, { projectId: null, actor: principal, payload: { user_id: user.id, username: user.username } });
        return adminUserView(db, await loadUser(db, params.userId));
      });
    },
  });

  router.route({
    method: 'DELETE', url: '/admin/users/:userId', summary: 'Delete a user (sessions, keys, roles and memberships end)', tags: ['admin'], status: 204,
    access: { kind: 'gated', action: 'users:delete', resource: (p) => `user/${p.userId}` }, params: UserParams,
    async handler({ db, params, principal, policies }) {
      const user = await loadUser(db, params.userId);
      if (user.id === principal!.id) throw UserCannotDeleteSelf({});
      await assertOutranks(db, policies, user.id);
      const ref = { type: 'user' as const, id: user.id };
      const held = await roles.attached(db, ref, { projectId: null });
      if (held.some((r) => r.builtin_key === PLATFORM_FULL_ACCESS_KEY)) await roles.assertAnotherFullAccessHolder(db, { projectId: null }, ref);
      const now = clock.now();
      await db('users').where({ id: user.id }).update({ deleted_at: now, updated_at: now });
      await sessions.revokeUser(db, user.id, 'user_deleted');
      await db('api_keys').where({ user_id: user.id }).whereNull('revoked_at').update({ revoked_at: now });
      await db('role_attachments').where({ principal_type: 'user', principal_id: user.id }).delete();
      await db('project_members').where({ user_id: user.id }).whereNull('deleted_at').update({ deleted_at: now });
      await events.emit(db, UserDeleted, { projectId: null, actor: principal, payload: { user_id: user.id, username: user.username } });
      return null;
    },
  });

  router.route({
    method: 'GET', url: '/admin/users/:userId/roles', summary: 'A user’s platform roles', tags: ['admin', 'iam'],
    access: { kind: 'gated', action: 'users:read', resource: (p) => `user/${p.userId}` }, params: UserParams,
    async handler({ db, params }) {
      await loadUser(db, params.userId);
      return { items: (await roles.attached(db, { type: 'user', id: params.userId }, { projectId: null })).map(roleView) };
    },
  });

  router.route({
    method: 'PUT', url: '/admin/users/:userId/roles', summary: 'Replace a user’s platform roles (needs roles:assign on each)', tags: ['admin', 'iam'],
    access: { kind: 'gated', action: 'users:read', resource: (p) => `user/${p.userId}` }, params: UserParams,
    body: StrictObject({ role_ids: Type.Array(Uuid, { maxItems: 20 }) }),
    async handler({ db, params, body, principal, policies }) {
      const user = await loadUser(db, params.userId);
      const result = await roles.replaceAttachments(db, { principal: { type: 'user', id: params.userId }, scope: { projectId: null }, roleIds: body.role_ids, actor: principal, actorPolicies: policies });
      if (result.added.length + result.removed.length > 0) {
        await events.emit(db, UserRolesChanged, { projectId: null, actor: principal, payload: {
          user_id: user.id, username: user.username, added: result.added.map((r) => r.id), removed: result.removed.map((r) => r.id) } });
      }
      return { items: result.roles.map(roleView) };
    },
  });
}
