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
  /** A transaction for writes (POST/PUT/PATCH/DELETE), the pool for reads. */
  db: Knex;
  request: FastifyRequest;
  reply: FastifyReply;
  /** IAM decision for the caller, public-project grants included. */
  can(action: string, resource: string): boolean;
}

export interface RouteSpec<P extends TSchema, Q extends TSchema, B extends TSchema> {
  method: HttpMethod;
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
  handler(ctx: RouteContext<Static<P>, Static<Q>, Static<B>>): Promise<unknown>;
}

export interface RouteRecord {
  method: HttpMethod;
  url: string;
  access: RouteAccess['kind'];
  action?: string;
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
  private readonly auth = new WeakMap<FastifyRequest, { principal: Principal | null; policies: PolicySet }>();

  constructor(private readonly app: FastifyInstance, private readonly deps: RouterDeps) {}

  route<P extends TSchema, Q extends TSchema, B extends TSchema>(spec: RouteSpec<P, Q, B>): void {
    const url = `${API_PREFIX}${spec.url}`;
    this.records.push({ method: spec.method, url, access: spec.access.kind, ...(spec.access.kind === 'gated' ? { action: spec.access.action } : {}) });
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
        this.auth.set(request, await this.authorise(spec, request, (request.params ?? {}) as Record<string, string>));
      },
      handler: async (request, reply) => {
        const { principal, policies } = this.auth.get(request)!;
        const run = (db: Knex) => spec.handler({
          params: (request.params ?? {}) as Static<P>,
          query: (request.query ?? {}) as Static<Q>,
          body: (request.body ?? {}) as Static<B>,
          principal,
          policies,
          db,
          request,
          reply,
          can: (action, resource) => this.deps.iam.allows(policies, action, resource),
        });
        const data = UNSAFE.has(spec.method) && spec.transactional !== false ? await this.deps.db.transaction(run) : await run(this.deps.db);
        if (spec.rawReply) return reply;
        if (status === 204) return reply.code(204).send();
        return reply.code(status).send(successEnvelope(data ?? null, request.id));
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
    if (access.kind === 'public') return { principal: null, policies: PolicySet.empty };
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
      return { principal, policies };
    }
    const project = params.projectId ? await this.liveProject(params.projectId) : null;
    // A project agent stays inside its project, public projects included (D14).
    const confined = principal?.agentProjectId && principal.agentProjectId !== project?.id;
    if (project?.is_public && !confined) policies = policies.with(this.deps.iam.publicStatements(project.id));
    const resource = access.resource(params);
    if (!this.deps.iam.allows(policies, access.action, resource)) {
      if (!principal) throw Unauthenticated({});
      throw Forbidden({ action: access.action, resource });
    }
    // Checked only once access is granted, so the answer reveals nothing to outsiders.
    if (params.projectId && !project && isUuid(params.projectId)) throw ProjectNotFound({});
    return { principal, policies };
  }

  /** The project a `/projects/:projectId/…` route names, unless deleted or malformed. */
  private async liveProject(projectId: string): Promise<{ id: string; is_public: boolean } | null> {
    // Params are not validated yet at this stage; a malformed id cannot name a project.
    if (!isUuid(projectId)) return null;
    return (await this.deps.db('projects').where({ id: projectId }).whereNull('deleted_at').first('id', 'is_public')) ?? null;
  }
}
