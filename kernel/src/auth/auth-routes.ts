import { Type } from '@sinclair/typebox';
import type { FastifyRequest } from 'fastify';
import { AuthInvalidCredentials, AuthTokenInvalid } from '../http/kernel-errors.js';
import type { Router } from '../http/router.js';
import { StrictObject } from '../http/schemas.js';
import type { KernelServices } from '../services.js';
import { checkCookieWrite } from '../http/csrf.js';
import { ACCESS_COOKIE, REFRESH_COOKIE } from './authenticate.js';
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
  const trustedOrigins = [services.config.publicUrl, ...services.config.corsOrigins];

  router.route({
    method: 'POST', url: '/auth/login', summary: 'Sign in with username and password', tags: ['auth'],
    // Verifying the hash must not hold a connection: only opening the session is transactional.
    access: { kind: 'public' }, body: LoginBody, authRateLimit: 1, transactional: false,
    async handler({ body, db, reply }) {
      const user = await db('users').where({ username: body.username.toLowerCase(), is_service: false }).whereNull('deleted_at')
        .first('id', 'username', 'full_name', 'must_change_password', 'password_hash');
      const valid = await passwords.verify(user?.password_hash ?? null, body.password);
      if (!user || !valid) throw AuthInvalidCredentials({});
      const refresh = await db.transaction((tx) => sessions.open(tx, user.id, body.remember_me === true));
      return sessionResponse(services, reply, user, refresh);
    },
  });

  router.route({
    method: 'POST', url: '/auth/refresh', summary: 'Rotate the refresh token (cookie or body) for a new token pair', tags: ['auth'],
    access: { kind: 'public' }, body: Type.Optional(RefreshBody), authRateLimit: 3, transactional: false,
    async handler({ body, request, reply }) {
      const token = body.refresh_token ?? refreshCookie(request, trustedOrigins);
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
      const token = body.refresh_token ?? refreshCookie(request, trustedOrigins);
      if (token) {
        await sessions.revokeByToken(db, token);
      } else {
        // Scripts holding only an access token end its session too.
        const bearer = /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? '')?.[1] ?? request.cookies?.[ACCESS_COOKIE];
        const claims = bearer ? await services.accessTokens.verify(bearer) : null;
        if (claims) await sessions.revokeFamily(db, claims.sid, 'logout');
      }
      clearSessionCookies(reply);
      return null;
    },
  });
}

/** The refresh cookie, after the D6 checks any cookie-authenticated write gets. */
function refreshCookie(request: FastifyRequest, trustedOrigins: string[]): string | undefined {
  const token = request.cookies?.[REFRESH_COOKIE] || undefined;
  if (token) checkCookieWrite(request, trustedOrigins);
  return token;
}
