import type { FastifyReply } from 'fastify';
import type { KernelServices } from '../services.js';
import { ACCESS_COOKIE, REFRESH_COOKIE } from './authenticate.js';
import type { IssuedRefresh } from './sessions.js';

export const REFRESH_COOKIE_PATH = '/api/v1/auth';

export interface SessionUser {
  id: string;
  username: string;
  full_name: string;
  must_change_password: boolean;
}

/**
 * The D5 login payload for a freshly opened or rotated session, with its HttpOnly cookies set:
 * browsers use the cookies, scripts take the token pair from the body.
 */
export async function sessionResponse(services: Pick<KernelServices, 'accessTokens' | 'config' | 'clock'>,
  reply: FastifyReply, user: SessionUser, refresh: IssuedRefresh) {
  const { accessTokens, config, clock } = services;
  const accessToken = await accessTokens.sign({ sub: user.id, sid: refresh.familyId, must_change_password: user.must_change_password });
  const cookieBase = { httpOnly: true, sameSite: 'lax' as const, secure: config.cookieSecure };
  reply.setCookie(ACCESS_COOKIE, accessToken, { ...cookieBase, path: '/', maxAge: accessTokens.ttlSeconds });
  const refreshMaxAge = Math.max(0, Math.floor((refresh.expiresAt.getTime() - clock.now().getTime()) / 1000));
  // Without remember_me the refresh cookie lives for the browser session (the server TTL still applies).
  reply.setCookie(REFRESH_COOKIE, refresh.refreshToken, { ...cookieBase, path: REFRESH_COOKIE_PATH, ...(refresh.rememberMe ? { maxAge: refreshMaxAge } : {}) });
  return {
    access_token: accessToken,
    token_type: 'Bearer' as const,
    expires_in: accessTokens.ttlSeconds,
    refresh_token: refresh.refreshToken,
    user: { id: user.id, username: user.username, full_name: user.full_name, must_change_password: user.must_change_password },
  };
}

export function clearSessionCookies(reply: FastifyReply): void {
  reply.clearCookie(ACCESS_COOKIE, { path: '/' });
  reply.clearCookie(REFRESH_COOKIE, { path: REFRESH_COOKIE_PATH });
}
