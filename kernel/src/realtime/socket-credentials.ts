import type { IncomingHttpHeaders } from 'node:http';
import { isPacaError } from '@paca/plugin-sdk';
import { API_KEY_PREFIX } from '../auth/api-keys.js';
import { ACCESS_COOKIE, type Credential } from '../auth/authenticate.js';
import { isTrustedOrigin } from '../http/csrf.js';

export interface Handshake {
  headers: IncomingHttpHeaders;
  auth: Record<string, unknown>;
}

/** A refusal sent to the client as `connect_error` (its `data.code`), or as an ack's `error_code`. */
export class SocketRefusal extends Error {
  readonly data: { code: string };

  constructor(code: string, message: string) {
    super(message);
    this.data = { code };
  }

  static from(error: unknown): SocketRefusal {
    if (error instanceof SocketRefusal) return error;
    if (isPacaError(error)) return new SocketRefusal(error.code, error.message);
    return new SocketRefusal('AUTH_TOKEN_INVALID', 'credentials could not be checked');
  }
}

/**
 * The credential a handshake carries (D26): `auth.token` (a JWT or an API key) first, then the
 * `access_token` cookie. No credential = anonymous. A cookie only counts when the page that
 * opened the socket is ours: a cross-site page must not ride the user's cookie.
 */
export function handshakeCredential(handshake: Handshake, parseCookie: (header: string) => Record<string, string | undefined>,
  trustedOrigins: string[]): Credential | null {
  const token = handshake.auth?.token;
  if (token !== undefined && token !== null) {
    if (typeof token !== 'string' || token.length === 0 || token.length > 4096) throw new SocketRefusal('AUTH_TOKEN_INVALID', 'auth.token must be a token or an API key');
    return { kind: token.startsWith(API_KEY_PREFIX) ? 'api_key' : 'bearer', value: token };
  }
  const cookieHeader = handshake.headers.cookie;
  const cookie = cookieHeader ? parseCookie(cookieHeader)[ACCESS_COOKIE] : undefined;
  if (!cookie) return null;
  if (!isTrustedOrigin(handshake.headers.origin, handshake.headers.host, trustedOrigins)) {
    throw new SocketRefusal('FORBIDDEN', 'cross-site socket refused');
  }
  return { kind: 'cookie', value: cookie };
}
