/**
 * An error answered by the Paca API (its envelope's `error_code`, message and details), or one
 * of this package's own when the API could not be asked: `PACA_API_UNREACHABLE`,
 * `PACA_API_TIMEOUT`, `PACA_API_BAD_RESPONSE`.
 */
export class PacaApiError extends Error {
  readonly isPacaError = true as const;

  constructor(
    readonly code: string,
    /** The HTTP status; 0 when no answer came. */
    readonly status: number,
    message: string,
    readonly details?: Record<string, unknown>,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'PacaApiError';
  }
}

/**
 * The code, message and details of an error thrown by a backend. Checked by shape rather than
 * `instanceof`: the kernel's own errors (`PacaError` from another package copy) carry the same fields.
 */
export function errorParts(error: unknown): { code: string; message: string; details?: Record<string, unknown> } {
  const candidate = error as { code?: unknown; message?: unknown; details?: unknown } | null;
  const message = typeof candidate?.message === 'string' && candidate.message ? candidate.message : String(error);
  const details = candidate && typeof candidate.details === 'object' && candidate.details !== null ? candidate.details as Record<string, unknown> : undefined;
  if (typeof candidate?.code === 'string' && /^[A-Z][A-Z0-9_]*$/.test(candidate.code)) return { code: candidate.code, message, ...(details ? { details } : {}) };
  return { code: 'INTERNAL_ERROR', message };
}
