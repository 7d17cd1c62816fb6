/**
 * Coded errors shared by the kernel and plugins. The HTTP edge maps them once into the
 * `{success:false, error_code, error, error_details}` envelope; MCP and the UI map them the
 * same way. Check them by code with {@link isPacaError}, never with `instanceof`: a plugin
 * bundle may carry its own copy of the SDK.
 *
 * @example
 * export const SprintNotActive = defineError<{ sprint_id: string }>('SPRINT_NOT_ACTIVE', 409,
 *   ({ sprint_id }) => `sprint ${sprint_id} is not active`);
 * throw SprintNotActive({ sprint_id });
 */
export class PacaError<D extends object = Record<string, unknown>> extends Error {
  readonly isPacaError = true as const;
  constructor(
    readonly code: string,
    readonly status: number,
    message: string,
    readonly details?: D,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'PacaError';
  }
}

/** A factory for one error code; call it to get a throwable {@link PacaError}. */
export interface ErrorDefinition<D extends object> {
  readonly code: string;
  readonly status: number;
  (details: D, options?: { cause?: unknown; message?: string }): PacaError<D>;
}

export function defineError<D extends object = Record<never, never>>(
  code: string,
  status: number,
  message: string | ((details: D) => string),
): ErrorDefinition<D> {
  const make = (details: D, options?: { cause?: unknown; message?: string }) =>
    new PacaError<D>(
      code,
      status,
      options?.message ?? (typeof message === 'function' ? message(details) : message),
      Object.keys(details).length > 0 ? details : undefined,
      options,
    );
  return Object.assign(make, { code, status });
}

/** True when `value` is a coded Paca error (optionally with the given code). */
export function isPacaError(value: unknown, code?: string): value is PacaError {
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as Partial<PacaError>;
  if (candidate.isPacaError !== true || typeof candidate.code !== 'string') return false;
  return code === undefined || candidate.code === code;
}
