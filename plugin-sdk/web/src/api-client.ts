/** An API refusal: the kernel's `error_code`, message, details and request id (D2). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: Record<string, unknown> = {},
    readonly requestId: string | null = null,
  ) {
    super(message);
    this.name = 'ApiError';
  }

  /** The first field a 422 names (`title`, `body.due_date`…), for inline form errors. */
  get field(): string | null {
    const issues = (this.details as { issues?: Array<{ path?: string }> }).issues;
    return issues?.[0]?.path ?? null;
  }
}

export type Query = Record<string, string | number | boolean | null | undefined | Array<string | number>>;

export interface RequestOptions {
  query?: Query;
  body?: unknown;
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

export interface CursorPage<T> {
  items: T[];
  next_cursor: string | null;
}

export interface ApiClient {
  request<T = unknown>(method: string, path: string, options?: RequestOptions): Promise<T>;
  get<T = unknown>(path: string, query?: Query, options?: Omit<RequestOptions, 'query'>): Promise<T>;
  post<T = unknown>(path: string, body?: unknown, options?: Omit<RequestOptions, 'body'>): Promise<T>;
  patch<T = unknown>(path: string, body?: unknown, options?: Omit<RequestOptions, 'body'>): Promise<T>;
  put<T = unknown>(path: string, body?: unknown, options?: Omit<RequestOptions, 'body'>): Promise<T>;
  delete<T = unknown>(path: string, options?: RequestOptions): Promise<T>;
  /** Follows `next_cursor` until the list ends or `limit` items are read. */
  all<T = unknown>(path: string, query?: Query, limit?: number): Promise<T[]>;
  /** Absolute URL of an API path, for links and downloads. */
  url(path: string, query?: Query): string;
}

export interface ApiClientOptions {
  /** Default `/api/v1` on the page's origin. */
  baseUrl?: string;
  fetch?: typeof fetch;
  /** Called once per 401 `AUTH_TOKEN_EXPIRED`/`AUTH_UNAUTHENTICATED`; resolve true when a refresh succeeded. */
  refresh?: () => Promise<boolean>;
  /** Called when a refresh could not restore the session. */
  onSignedOut?: () => void;
}

/**
 * The browser's API client. Sessions ride the HttpOnly `access_token` cookie (D5, D6): writes
 * are JSON, so the kernel's cookie CSRF rule holds; an expired access token is refreshed once
 * through the refresh cookie and the request replayed.
 */
export function createApiClient(options: ApiClientOptions = {}): ApiClient {
  const baseUrl = (options.baseUrl ?? '/api/v1').replace(/\/+$/, '');
  const doFetch = options.fetch ?? ((input, init) => fetch(input, init));
  let refreshing: Promise<boolean> | null = null;

  const url = (path: string, query?: Query) => {
    const target = `${baseUrl}${path.startsWith('/') ? path : `/${path}`}`;
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(query ?? {})) {
      if (value === undefined || value === null || value === '') continue;
      if (Array.isArray(value)) value.forEach((v) => params.append(key, String(v)));
      else params.append(key, String(value));
    }
    const search = params.toString();
    return search ? `${target}?${search}` : target;
  };

  async function send<T>(method: string, path: string, request: RequestOptions, retried: boolean): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json', ...request.headers };
    const init: RequestInit = { method, headers, credentials: 'same-origin' };
    if (request.signal) init.signal = request.signal;
    if (request.body !== undefined) {
      headers['content-type'] = 'application/json';
      init.body = JSON.stringify(request.body);
    }
    let response: Response;
    try {
      response = await doFetch(url(path, request.query), init);
    } catch (error) {
      if ((error as Error).name === 'AbortError') throw error;
      throw new ApiError(0, 'NETWORK_ERROR', 'The server could not be reached. Check your connection and try again.');
    }
    if (response.status === 204) return undefined as T;
    const text = await response.text();
    let envelope: { success?: boolean; data?: unknown; error_code?: string; error?: string; error_details?: Record<string, unknown>; request_id?: string } | null = null;
    try {
      envelope = text ? JSON.parse(text) : null;
    } catch {
      envelope = null;
    }
    if (response.ok) return (envelope && 'data' in envelope ? envelope.data : envelope) as T;
    const code = envelope?.error_code ?? `HTTP_${response.status}`;
    if (response.status === 401 && !retried && options.refresh && (code === 'AUTH_TOKEN_EXPIRED' || code === 'AUTH_UNAUTHENTICATED' || code === 'AUTH_TOKEN_INVALID')) {
      refreshing ??= options.refresh().finally(() => { refreshing = null; });
      if (await refreshing) return send<T>(method, path, request, true);
      options.onSignedOut?.();
    }
    throw new ApiError(
      response.status,
      code,
      envelope?.error ?? (response.statusText || 'Request failed'),
      envelope?.error_details ?? {},
      envelope?.request_id ?? response.headers.get('x-request-id'),
    );
  }

  const client: ApiClient = {
    request: (method, path, request = {}) => send(method, path, request, false),
    get: (path, query, request = {}) => send('GET', path, { ...request, ...(query ? { query } : {}) }, false),
    post: (path, body, request = {}) => send('POST', path, { ...request, body: body ?? {} }, false),
    patch: (path, body, request = {}) => send('PATCH', path, { ...request, body: body ?? {} }, false),
    put: (path, body, request = {}) => send('PUT', path, { ...request, body: body ?? {} }, false),
    delete: (path, request = {}) => send('DELETE', path, request, false),
    async all<T>(path: string, query: Query = {}, limit = 10_000) {
      const items: T[] = [];
      let cursor: string | null = null;
      do {
        const page: CursorPage<T> = await client.get<CursorPage<T>>(path, { ...query, ...(cursor ? { cursor } : {}) });
        items.push(...page.items);
        cursor = page.next_cursor;
      } while (cursor && items.length < limit);
      return items;
    },
    url,
  };
  return client;
}
