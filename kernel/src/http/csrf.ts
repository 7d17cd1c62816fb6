import type { FastifyRequest } from 'fastify';
import { Forbidden, UnsupportedMediaType } from './kernel-errors.js';

/**
 * D6: a write authenticated by cookie must be JSON (a cross-site form cannot send that without
 * a CORS preflight) and, when the browser names its Origin, come from this host, PUBLIC_URL or
 * CORS_ORIGINS.
 */
export function checkCookieWrite(request: FastifyRequest, trustedOrigins: string[]): void {
  const contentType = request.headers['content-type'] ?? '';
  if (!/^application\/json\s*(;|$)/i.test(contentType)) {
    throw UnsupportedMediaType({ content_type: contentType }, { message: 'cookie-authenticated writes must send Content-Type: application/json' });
  }
  if (isTrustedOrigin(request.headers.origin, request.headers.host, trustedOrigins)) return;
  throw Forbidden({ reason: 'cross_site_request' }, { message: 'cross-site request refused' });
}

/** No Origin (not a browser), this host, PUBLIC_URL or CORS_ORIGINS; cookie-authenticated sockets use it too. */
export function isTrustedOrigin(origin: string | undefined, host: string | undefined, trustedOrigins: string[]): boolean {
  if (origin === undefined) return true;
  return trustedOrigins.includes(origin.replace(/\/+$/, '')) || sameHost(origin, host);
}

/** Compares the Origin's host with the Host header, default ports normalised on both sides. */
function sameHost(origin: string, host: string | undefined): boolean {
  if (!host) return false;
  try {
    const parsed = new URL(origin);
    return new URL(`${parsed.protocol}//${host}`).host === parsed.host;
  } catch {
    return false;
  }
}
