import type { Readable } from 'node:stream';

/**
 * A route result sent as it is instead of inside the JSON envelope: a file stream, a redirect.
 * Return it from a handler; headers are sent as given (set `content-type`).
 *
 * @example
 * const object = await storage.get(key);
 * return rawResponse({ body: object.stream, headers: { 'content-type': object.contentType } });
 */
export interface RawResponse {
  readonly $$type: '@paca/raw-response';
  status: number;
  headers: Record<string, string>;
  body: Readable | Buffer | string;
}

export function rawResponse(options: { status?: number; headers?: Record<string, string>; body: Readable | Buffer | string }): RawResponse {
  return { $$type: '@paca/raw-response', status: options.status ?? 200, headers: options.headers ?? {}, body: options.body };
}

/** True for a {@link rawResponse} result, even from another copy of the SDK. */
export function isRawResponse(value: unknown): value is RawResponse {
  return typeof value === 'object' && value !== null && (value as { $$type?: unknown }).$$type === '@paca/raw-response';
}
