import { PacaApiError } from './paca-api-error.js';

export interface PacaApiClientOptions {
  /** The server, e.g. `http://localhost:8080` (a path prefix is kept: `https://host/paca`). */
  baseUrl: string;
  /** Credentials, sent on every request: see {@link credentialHeaders}. */
  headers: Record<string, string>;
  /** Defaults to the global `fetch`; the kernel's `/mcp` passes one that goes through `app.inject`. */
  fetch?: typeof fetch;
  /** Give up on a request after this long (default 120 s). */
  timeoutMs?: number;
}

export interface PacaApiRequest {
  query?: Record<string, string | undefined>;
  body?: unknown;
}

/** Calls `/api/v1` and unwraps the envelope (D2): the data, or the error as a {@link PacaApiError}. */
export interface PacaApiClient {
  request<T = unknown>(method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE', path: string, request?: PacaApiRequest): Promise<T>;
}

const DEFAULT_TIMEOUT_MS = 120_000;

export function createPacaApiClient(options: PacaApiClientOptions): PacaApiClient {
  const base = options.baseUrl.replace(/\/+$/, '');
  const fetchFn = options.fetch ?? globalThis.fetch;
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  return {
    async request<T>(method: string, path: string, request: PacaApiRequest = {}): Promise<T> {
      const url = new URL(`${base}/api/v1${path}`);
      for (const [name, value] of Object.entries(request.query ?? {})) if (value !== undefined) url.searchParams.set(name, value);
      const hasBody = request.body !== undefined;
      let response: Response;
      try {
        response = await fetchFn(url.toString(), {
          method,
          headers: { accept: 'application/json', ...(hasBody ? { 'content-type': 'application/json' } : {}), ...options.headers },
          ...(hasBody ? { body: JSON.stringify(request.body) } : {}),
          signal: AbortSignal.timeout(timeoutMs),
        });
      } catch (error) {
        throw unreachable(error, base, method, path, timeoutMs);
      }
      const text = await response.text().catch(() => '');
      if (response.status === 204 || (!text && response.ok)) return null as T;
      let envelope: { success?: unknown; data?: unknown; error_code?: unknown; error?: unknown; error_details?: unknown };
      try {
        envelope = JSON.parse(text);
      } catch {
        throw new PacaApiError('PACA_API_BAD_RESPONSE', response.status,
          `${method} ${path} answered ${response.status} without a JSON body — is ${base} a Paca server?`);
      }
      if (response.ok && envelope?.success !== false) return envelope.data as T;
      const details = typeof envelope?.error_details === 'object' && envelope.error_details !== null ? envelope.error_details as Record<string, unknown> : undefined;
      throw new PacaApiError(
        typeof envelope?.error_code === 'string' ? envelope.error_code : `HTTP_${response.status}`,
        response.status,
        typeof envelope?.error === 'string' ? envelope.error : `${method} ${path} answered ${response.status}`,
        details,
      );
    },
  };
}

/** The fetch failed before an answer: say where we tried to go and why it failed (the cause of a `TypeError: fetch failed`). */
function unreachable(error: unknown, base: string, method: string, path: string, timeoutMs: number): PacaApiError {
  const name = (error as { name?: unknown })?.name;
  if (name === 'TimeoutError' || name === 'AbortError') {
    return new PacaApiError('PACA_API_TIMEOUT', 0, `${method} ${path} got no answer from ${base} within ${timeoutMs} ms`, undefined, { cause: error });
  }
  const cause = (error as { cause?: { code?: unknown; message?: unknown } })?.cause;
  const reason = typeof cause?.code === 'string' ? cause.code : typeof cause?.message === 'string' ? cause.message : (error as Error)?.message ?? String(error);
  return new PacaApiError('PACA_API_UNREACHABLE', 0, `cannot reach the Paca API at ${base} (${reason})`, undefined, { cause: error });
}

/**
 * The headers that authenticate a key: Paca API and agent keys (`paca_…`) go in `X-API-Key`,
 * anything else is taken for a session token (`Authorization: Bearer`).
 */
export function credentialHeaders(key: string): Record<string, string> {
  return key.startsWith('paca_') ? { 'x-api-key': key } : { authorization: `Bearer ${key}` };
}
