import type { FastifyRequest } from 'fastify';
import { ValidationFailed } from './kernel-errors.js';

/** D4: a write is conditional only when the client sends `version` or `If-Match`. */
export function expectedVersion(request: FastifyRequest, bodyVersion: number | undefined): number | null {
  if (bodyVersion !== undefined) return bodyVersion;
  const header = request.headers['if-match'];
  if (typeof header !== 'string' || header.trim() === '*') return null; // `*` matches any version
  const match = /^(?:W\/)?"?(\d+)"?$/.exec(header.trim());
  if (!match) throw ValidationFailed({ issues: [{ path: 'headers.if-match', message: 'must be an ETag returned by this API' }] });
  return Number(match[1]);
}
