import type { RouteRequest } from './core-services.js';
import { defineError } from './errors.js';

type Issues = { issues: Array<{ path: string; message: string }> };

/** D2's schema-violation shape, for semantic checks a JSON schema cannot express. */
export const ValidationFailed = defineError<Issues>('VALIDATION_FAILED', 422,
  ({ issues }) => `request is invalid: ${issues.map((i) => `${i.path} ${i.message}`).join('; ')}`);

/** A 422 `VALIDATION_FAILED` naming one field. */
export const invalid = (path: string, message: string) => ValidationFailed({ issues: [{ path, message }] });

/**
 * D4: a write is conditional only when the client sends `version` in the body or `If-Match`
 * (`"3"`, `W/"3"` or `3`). Returns the expected version, or null for an unconditional write.
 */
export function expectedVersion(request: Pick<RouteRequest, 'headers' | 'body'>): number | null {
  const body = request.body as { version?: unknown } | undefined;
  if (typeof body?.version === 'number') return body.version;
  const header = request.headers['if-match'];
  if (typeof header !== 'string' || header.trim() === '' || header.trim() === '*') return null;
  const match = /^(?:W\/)?"?(\d{1,9})"?$/.exec(header.trim());
  if (!match) throw invalid('headers.if-match', 'must be the version you read, e.g. "3"');
  return Number(match[1]);
}

/**
 * D4 for a record read under lock: a conditional write against a version that is no longer
 * current is refused with the resource's 409 `<RESOURCE>_VERSION_CONFLICT` `{current_version}`.
 */
export function assertExpectedVersion(request: Pick<RouteRequest, 'headers' | 'body'>, currentVersion: number,
  conflict: (details: { current_version: number }) => Error): void {
  const expected = expectedVersion(request);
  if (expected !== null && expected !== currentVersion) throw conflict({ current_version: currentVersion });
}

/** `ETag: "<version>"`, so clients can send it back as If-Match. */
export const etag = (version: number) => `"${version}"`;
