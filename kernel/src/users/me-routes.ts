import { Type } from '@sinclair/typebox';
import { sessionResponse } from '../auth/session-response.js';
import { AGENT_COLUMNS, agentSelfView, type AgentRow } from '../agents/agent-view.js';
import { PrincipalUserRequired, UserWrongPassword, ValidationFailed } from '../http/kernel-errors.js';
import type { Router } from '../http/router.js';
import { Nullable, StrictObject } from '../http/schemas.js';
import type { KernelServices } from '../services.js';
import { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH, USER_COLUMNS, userView, type UserRow } from './user-view.js';

const ProfilePatch = StrictObject({
  full_name: Type.Optional(Nullable(Type.String({ maxLength: 200 }))),
  email: Type.Optional(Nullable(Type.String({ format: 'email', maxLength: 320 }))),
});

const PasswordChange = StrictObject({
  current_password: Type.String({ minLength: 1, maxLength: PASSWORD_MAX_LENGTH }),
  new_password: Type.String({ minLength: PASSWORD_MIN_LENGTH, maxLength: PASSWORD_MAX_LENGTH }),
});

/** Self-service under `/users/me` (authenticated-only class, D33). */
export function registerMeRoutes(router: Router, services: KernelServices): void {
  const { clock, passwords, sessions, iam } = services;

  router.route({
    method: 'GET', url: '/users/me', summary: 'Your profile (an agent key gets the agent’s, with principal_type "agent")', tags: ['users'],
    access: { kind: 'authenticated' },
    async handler({ principal, db }) {
      if (principal!.type === 'agent') return agentSelfView(await db('agents').where({ id: principal!.id }).first<AgentRow>(AGENT_COLUMNS));
      return userView(await db('users').where({ id: principal!.id }).first<UserRow>(USER_COLUMNS));
    },
  });

  router.route({
    method: 'PATCH', url: '/users/me', summary: 'Edit your profile', tags: ['users'],
    access: { kind: 'authenticated' }, body: ProfilePatch,
    async handler({ principal, db, body }) {
      if (principal!.type !== 'user') throw PrincipalUserRequired({});
      const changes: Record<string, unknown> = {};
      if (body.full_name !== undefined) changes.full_name = body.full_name?.trim() ?? '';
      if (body.email !== undefined) changes.email = body.email;
      if (Object.keys(changes).length > 0) await db('users').where({ id: principal!.id }).update({ ...changes, updated_at: clock.now() });
      return userView(await db('users').where({ id: principal!.id }).first<UserRow>(USER_COLUMNS));
    },
  });

  router.route({
    method: 'PATCH', url: '/users/me/password',
    summary: 'Change your password (ends every other session; returns a fresh token pair)', tags: ['users'],
    access: { kind: 'authenticated', jwtOnly: true, allowPendingPasswordChange: true }, body: PasswordChange, transactional: false,
    async handler({ principal, db: pool, body, reply }) {
      // argon2 runs outside the transaction so it never holds a connection.
      const user = await pool('users').where({ id: principal!.id }).first('id', 'username', 'full_name', 'password_hash');
      if (!(await passwords.verify(user.password_hash, body.current_password))) throw UserWrongPassword({});
      if (body.current_password === body.new_password) {
        throw ValidationFailed({ issues: [{ path: 'new_password', message: 'must differ from the current password' }] });
      }
      const passwordHash = await passwords.hash(body.new_password);
      const refresh = await pool.transaction(async (db) => {
        await db('users').where({ id: user.id }).update({ password_hash: passwordHash, must_change_password: false, updated_at: clock.now() });
        await sessions.revokeUser(db, user.id, 'password_changed');
        return sessions.open(db, user.id, false);
      });
      return sessionResponse(services, reply, { ...user, must_change_password: false }, refresh);
    },
  });

  router.route({
    method: 'GET', url: '/users/me/global-permissions', summary: 'Platform actions you hold', tags: ['users', 'iam'],
    access: { kind: 'authenticated' },
    async handler({ policies }) {
      return { actions: iam.platformActions(policies) };
    },
  });
}
