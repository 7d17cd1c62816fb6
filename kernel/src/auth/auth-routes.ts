import { Type } from '@sinclair/typebox';
import type { FastifyRequest } from 'fastify';
import { AuthInvalidCredentials, AuthTokenInvalid } from '../http/kernel-errors.js';
import type { Router } from '../http/router.js';
import { StrictObject } from '../http/schemas.js';
import type { KernelServices } from '../services.js';
import { REFRESH_COOKIE } from './authenticate.js';
import { clearSessionCookies, sessionResponse } from './session-response.js';

const LoginBody = StrictObject({
  username: Type.String({ minLength: 1, maxLength: 64 }),
  password: Type.String({ minLength: 1, maxLength: 256 }),
  remember_me: Type.Optional(Type.Boolean()),
});

const RefreshBody = StrictObject({ refresh_token: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })) });

/** Login, refresh (rotating) and logout (D5). All public; login and refresh are rate limited (D7). */
export function registerAuthRoutes(router: Router, services: KernelServices): void {
  const { sessions, passwords } = services;

  router.route({
    method: 'POST', url: '/auth/login', summary: 'Sign in with username and password', tags: ['auth'],
    access: { kind: 'public' }, body: LoginBody, authRateLimit: 1,
    async handler({ body, db, reply }) {
      const user = await db('users').where({ username: body.username.toLowerCase(), is_service: false }).whereNull('deleted_at')
        .first('id', 'username', 'full_name', 'must_change_password', 'password_hash');
      const valid = await passwords.verify(user?.password_hash ?? null, body.password);
      if (!user || !valid) throw AuthInvalidCredentials({});
      const refresh = await sessions.open(db, user.id, body.remember_me === true);
      return sessionResponse(services, reply, user, refresh);
    },
  });

  router.route({
    method: 'POST', url: '/auth/refresh', summary: 'Rotate the refresh token (cookie or body) for a new token pair', tags: ['auth'],
    access: { kind: 'public' }, body: Type.Optional(RefreshBody), authRateLimit: 3, transactional: false,
    async handler({ body, request, reply }) {
      const token = body.refresh_token ?? refreshCookie(request);
      if (!token) throw AuthTokenInvalid({}, { message: 'no refresh token: send the refresh_token cookie or {refresh_token}' });
      // Rotation commits on its own so a detected reuse stays revoked even though we then fail.
      const refresh = await sessions.rotate(services.db, token);
      const user = await services.db('users').where({ id: refresh.userId }).first('id', 'username', 'full_name', 'must_change_password');
      return sessionResponse(services, reply, user, refresh);
    },
  });

  router.route({
    method: 'POST', url: '/auth/logout', summary: 'End the session of the refresh cookie (or body token)', tags: ['auth'],
    access: { kind: 'public' }, body: Type.Optional(RefreshBody), status: 204,
    async handler({ body, request, reply, db }) {
      const token = body.refresh_token ?? refreshCookie(request);
      if (token) await sessions.revokeByToken(db, token);
      clearSessionCookies(reply);
      return null;
    },
  });
}

function refreshCookie(request: FastifyRequest): string | undefined {
  return request.cookies?.[REFRESH_COOKIE] || undefined;
}
