import type { Static, TSchema } from '@sinclair/typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Knex } from 'knex';
import type { Authenticator } from '../auth/authenticate.js';
import type { Principal } from '../auth/principal.js';
import type { IamService } from '../iam/iam-service.js';
import { PolicySet } from '../iam/policy-set.js';
import { checkCookieWrite } from './csrf.js';
import { successEnvelope } from './envelope.js';
import { isUuid } from './schemas.js';
import { AuthJwtRequired, AuthPasswordChangeRequired, Forbidden, ProjectNotFound, Unauthenticated } from './kernel-errors.js';

export const API_PREFIX = '/api/v1';

/**
 * Who may call a route (D33): `public` (no credentials needed), `authenticated` (any principal;
 * self-service and list-scoped lists), `gated` (an IAM action on a resource built from params).
 */
export type RouteAccess =
  | { kind: 'public' }
  | { kind: 'authenticated'; jwtOnly?: boolean; allowPendingPasswordChange?: boolean }
  | { kind: 'gated'; action: string; resource: (params: Record<string, string>) => string; jwtOnly?: boolean };

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface RouteContext<P, Q, B> {
  params: P;
  query: Q;
  body: B;
  /** Null only on public routes and for anonymous reads of public projects. */
  principal: Principal | null;
  policies: PolicySet;
  /** The project `:projectId` names, on gated routes (null elsewhere). */
  project: LiveProject | null;
  /** A transaction for writes (POST/PUT/PATCH/DELETE), the pool for reads. */
  db: Knex;
  request: FastifyRequest;
  reply: FastifyReply;
  /** IAM decision for the caller, public-project grants included. */
  can(action: string, resource: string): boolean;
  /** This response's success status instead of the route's (a create-or-update that created answers 201). */
  setStatus(status: number): void;
}

/** The project a `/projects/:projectId/…` route names, as the router loaded it. */
export interface LiveProject {
  id: string;
  is_public: boolean;
  /** Optional plugins switched off in this project (D21). */
  disabled_plugins: string[];
}

export interface RouteSpec<P extends TSchema, Q extends TSchema, B extends TSchema> {
  method: HttpMethod;
  /** Stable name MCP tools map to (D31); plugin routes use their manifest name. */
  name?: string;
  /** Who declared the route: `kernel` or a plugin id. */
  owner?: string;
  /** Path under `/api/v1`. */
  url: string;
  summary: string;
  tags: string[];
  access: RouteAccess;
  params?: P;
  querystring?: Q;
  body?: B;
  /** Success status; 204 sends no body. */
  status?: number;
  /** Writes run in one transaction unless a handler commits in steps itself (refresh rotation). */
  transactional?: boolean;
  /** Login-style endpoints: requests per IP per minute = AUTH_RATE_LIMIT_PER_MINUTE × this. */
  authRateLimit?: number;
  /**
   * The body is not parsed: any content type is accepted on this route only (the rest of the API
   * stays JSON-only) and the handler streams `request.raw` itself (presigned uploads).
   */
  rawBody?: boolean;
  /** The handler sends the response itself (a file stream); the router does not wrap it in the envelope. */
  rawReply?: boolean;
  /**
   * Runs after authorisation, before the handler: plugin routes answer 404 `PLUGIN_NOT_ENABLED`
   * here when their plugin is off globally or for the project (D21).
   */
  gate?(context: { params: Record<string, string>; project: LiveProject | null }): Promise<void>;
  handler(ctx: RouteContext<Static<P>, Static<Q>, Static<B>>): Promise<unknown>;
}

export interface RouteRecord {
  method: HttpMethod;
  /** Full path, `/api/v1/…`. */
  url: string;
  access: RouteAccess['kind'];
  action?: string;
  /** IAM resource for given params (gated routes). */
  resource?: (params: Record<string, string>) => string;
  name?: string;
  owner: string;
  summary: string;
}

export interface RouterDeps {
  db: Knex;
  authenticator: Authenticator;
  iam: IamService;
  trustedOrigins: string[];
  authRateLimitPerMinute: number;
}

const UNSAFE = new Set<HttpMethod>(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * The one place that authenticates, authorises, validates (through the schemas), runs the
 * handler in a transaction and wraps the envelope. Every kernel route goes through it, and it
 * records each route so a test can prove every route is public or gated (D33).
 */
export class Router {
  readonly records: RouteRecord[] = [];
  private readonly auth = new WeakMap<FastifyRequest, { principal: Principal | null; policies: PolicySet; project: LiveProject | null }>();
  private readonly names = new Map<string, RouteRecord>();

  constructor(private readonly app: FastifyInstance, private readonly deps: RouterDeps) {}

  route<P extends TSchema, Q extends TSchema, B extends TSchema>(spec: RouteSpec<P, Q, B>): void {
    const url = `${API_PREFIX}${spec.url}`;
    const record: RouteRecord = {
      method: spec.method, url, access: spec.access.kind, owner: spec.owner ?? 'kernel', summary: spec.summary,
      ...(spec.access.kind === 'gated' ? { action: spec.access.action, resource: spec.access.resource } : {}),
      ...(spec.name ? { name: spec.name } : {}),
    };
    if (spec.name) {
      // Names are unique per owner: two plugins may both call a route `items.list`.
      const key = `${record.owner}/${spec.name}`;
      if (this.names.has(key)) throw new TypeError(`route name ${spec.name} is used twice by ${record.owner}`);
      this.names.set(key, record);
    }
    this.records.push(record);
    const status = spec.status ?? 200;
    const rateLimit = spec.authRateLimit && this.deps.authRateLimitPerMinute > 0
      ? { max: this.deps.authRateLimitPerMinute * spec.authRateLimit, timeWindow: 60_000 }
      : false;
    const register = (app: FastifyInstance) => app.route({
      method: spec.method,
      url,
      config: { rateLimit },
      schema: {
        summary: spec.summary,
        tags: spec.tags,
        ...(spec.params ? { params: spec.params } : {}),
        ...(spec.querystring ? { querystring: spec.querystring } : {}),
        ...(spec.body ? { body: spec.body } : {}),
        ...(spec.access.kind === 'public' ? {} : { security: [{ bearer: [] }, { apiKey: [] }, { apiKeyHeader: [] }, { cookie: [] }] }),
      },
      // Authorise before validating: callers without access learn nothing about the schema (401/403 before 422).
      preValidation: async (request) => {
        // A bodiless POST (a browser's cookie-only refresh or logout) validates as `{}` (D2).
        if (spec.body && request.body === undefined) request.body = {};
        // Ids are compared as text in IAM resources: one spelling, or an upper-case id would slip past a Deny.
        const params = (request.params ?? {}) as Record<string, string>;
        for (const [name, value] of Object.entries(params)) if (isUuid(value)) params[name] = value.toLowerCase();
        const decision = await this.authorise(spec, request, params);
        this.auth.set(request, decision);
        if (spec.gate) await spec.gate({ params, project: decision.project });
      },
      handler: async (request, reply) => {
        const { principal, policies, project } = this.auth.get(request)!;
        let responseStatus = status;
        const run = (db: Knex) => spec.handler({
          params: (request.params ?? {}) as Static<P>,
          query: (request.query ?? {}) as Static<Q>,
          body: (request.body ?? {}) as Static<B>,
          principal,
          policies,
          project,
          db,
          request,
          reply,
          can: (action, resource) => this.deps.iam.allows(policies, action, resource),
          setStatus: (code) => {
            if (!Number.isInteger(code) || code < 200 || code > 299) throw new TypeError(`a success status is 2xx, not ${code}`);
            responseStatus = code;
          },
        });
        const data = UNSAFE.has(spec.method) && spec.transactional !== false ? await inTransaction(this.deps.db, run, spec.rawBody ? 1 : ATTEMPTS) : await run(this.deps.db);
        // A handler that sent the reply itself (a plugin's raw response) returns it.
        if (spec.rawReply || data === reply) return reply;
        if (responseStatus === 204) return reply.code(204).send();
        return reply.code(responseStatus).send(successEnvelope(data ?? null, request.id));
      },
    });
    if (!spec.rawBody) {
      register(this.app);
      return;
    }
    // Content-type parsers are per encapsulation context: this one exists for this route alone.
    void this.app.register(async (scope) => {
      scope.removeAllContentTypeParsers();
      scope.addContentTypeParser('*', (_request, _payload, done) => done(null));
      register(scope);
    });
  }

  private async authorise(spec: RouteSpec<TSchema, TSchema, TSchema>, request: FastifyRequest, params: Record<string, string>) {
    const { access } = spec;
    if (access.kind === 'public') return { principal: null, policies: PolicySet.empty, project: null };
    const principal = await this.deps.authenticator.authenticate(request);
    if (principal) {
      if (principal.via === 'cookie' && UNSAFE.has(spec.method)) checkCookieWrite(request, this.deps.trustedOrigins);
      const jwtOnly = access.jwtOnly === true;
      if (jwtOnly && principal.via === 'api_key') throw AuthJwtRequired({});
      const pendingAllowed = access.kind === 'authenticated' && access.allowPendingPasswordChange === true;
      if (principal.mustChangePassword && !pendingAllowed) throw AuthPasswordChangeRequired({});
    }
    let policies = principal ? await this.deps.iam.policySetFor(this.deps.db, principal) : PolicySet.empty;
    if (access.kind === 'authenticated') {
      if (!principal) throw Unauthenticated({});
      return { principal, policies, project: null };
    }
    const project = params.projectId ? await this.liveProject(params.projectId) : null;
    if (project) policies = this.deps.iam.readerPolicies(policies, principal, project);
    const resource = access.resource(params);
    if (!this.deps.iam.allows(policies, access.action, resource)) {
      if (!principal) throw Unauthenticated({});
      // A plugin that is off grants nothing, so its members would read 403; tell those who may see
      // the project (or anyone, off-project) the real reason: 404 PLUGIN_NOT_ENABLED (D21).
      if (spec.gate && (!params.projectId || (project && this.deps.iam.allows(policies, 'projects:read', `project/${project.id}`)))) {
        await spec.gate({ params, project });
      }
      throw Forbidden({ action: access.action, resource });
    }
    // Checked only once access is granted, so the answer reveals nothing to outsiders.
    if (params.projectId && !project && isUuid(params.projectId)) throw ProjectNotFound({});
    return { principal, policies, project };
  }

  /** A named route of an owner (`kernel` or a plugin id); MCP tools map to routes by name (D31). */
  named(name: string, owner = 'kernel'): RouteRecord | undefined {
    return this.names.get(`${owner}/${name}`);
  }

  /** The project a `/projects/:projectId/…` route names, unless deleted or malformed. */
  private async liveProject(projectId: string): Promise<LiveProject | null> {
    // Params are not validated yet at this stage; a malformed id cannot name a project.
    if (!isUuid(projectId)) return null;
    return loadLiveProject(this.deps.db, projectId);
  }
}

/** A live project with its switched-off plugins, in one query. */
export async function loadLiveProject(db: Knex, projectId: string): Promise<LiveProject | null> {
  const row = await db('projects as p').where({ 'p.id': projectId }).whereNull('p.deleted_at').first(
    'p.id', 'p.is_public',
    db.raw("coalesce((SELECT array_agg(pp.plugin_id) FROM project_plugins pp WHERE pp.project_id = p.id AND NOT pp.enabled), '{}') AS disabled_plugins"),
  );
  // text[] arrives as an array from both pg and PGlite.
  return row ? { id: row.id, is_public: row.is_public, disabled_plugins: row.disabled_plugins as string[] } : null;
}

/** SQLSTATEs PostgreSQL answers when it aborts one of two conflicting transactions: deadlock, serialization failure. */
const RETRYABLE = new Set(['40P01', '40001']);
const ATTEMPTS = 3;

/**
 * Runs a write in a transaction, again (up to `attempts` times; once for a streamed body, which
 * cannot be read twice) when PostgreSQL aborted it
 * to break a deadlock or a serialization conflict: the transaction rolled back whole, so the
 * retry starts clean, and the client sees an answer rather than a 500 for a race it did not cause.
 */
async function inTransaction<T>(db: Knex, run: (tx: Knex) => Promise<T>, attempts: number): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await db.transaction(run);
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      if (attempt >= attempts || typeof code !== 'string' || !RETRYABLE.has(code)) throw error;
    }
  }
}
