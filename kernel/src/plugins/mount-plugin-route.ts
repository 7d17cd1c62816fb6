import { isRawResponse, pathParams, pluginSchemaName, type PluginManifest, type PluginRoute, type RouteHandler, type RouteRequest } from '@paca/plugin-sdk';
import type { Principal } from '../auth/principal.js';
import type { TSchema } from '@sinclair/typebox';
import type { LiveProject, Router, RouteAccess } from '../http/router.js';
import { Uuid } from '../http/schemas.js';
import type { IamService } from '../iam/iam-service.js';
import type { PolicySet } from '../iam/policy-set.js';
import { runWithConnection } from './plugin-call-context.js';
import { bindPluginDb } from './plugin-db.js';
import type { PluginRegistry } from './plugin-registry.js';
import { projectsWhere } from './projects-where.js';

/** Fills `project/{projectId}/task/{taskId}` from path params (D15). */
export function renderResource(template: string, params: Record<string, string>): string {
  return template.replace(/\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_, name: string) => params[name] ?? '');
}

/** What the router knows about a request beyond the plugin-facing RouteRequest. */
export interface KernelRouteContext {
  principal: Principal | null;
  policies: PolicySet;
  project: LiveProject | null;
  requestId: string;
  method: string;
}

/** A handler the kernel itself provides for a plugin (the WASM runtime): it also sees the caller's policies. */
export type KernelAwareRouteHandler = (request: RouteRequest<any, any, any>, kernel: KernelRouteContext) => Promise<unknown>;

/** The IAM resource template a route is checked on: declared, or the project it names. */
export function resourceTemplate(route: PluginRoute): string {
  return route.resource ?? 'project/{projectId}';
}

/** Path params are strings; `projectId` must be a UUID unless the manifest says otherwise. */
function defaultParams(path: string): TSchema | undefined {
  const names = pathParams(path);
  if (names.length === 0) return undefined;
  const properties = Object.fromEntries(names.map((n) => [n, n === 'projectId' ? Uuid : { type: 'string', minLength: 1 }]));
  return { type: 'object', properties, required: names, additionalProperties: false } as unknown as TSchema;
}

/**
 * Mounts one manifest route through the kernel router: same authentication, IAM check on the
 * declared action and resource, validation against the declared schemas, transaction and
 * envelope as kernel routes; then the plugin gate (D21) and the handler the plugin bound by name.
 */
export function mountPluginRoute(router: Router, manifest: PluginManifest, route: PluginRoute, handler: RouteHandler | KernelAwareRouteHandler,
  deps: { registry: PluginRegistry; iam: IamService }, options: { transactional?: boolean } = {}): void {
  const template = resourceTemplate(route);
  const access: RouteAccess = route.access === 'gated'
    ? { kind: 'gated', action: route.action!, resource: (params) => renderResource(template, params) }
    : route.access === 'authenticated' ? { kind: 'authenticated' } : { kind: 'public' };
  const schema = pluginSchemaName(manifest.id);
  router.route({
    method: route.method,
    url: route.path,
    name: route.name,
    owner: manifest.id,
    summary: route.summary ?? `${manifest.name}: ${route.name}`,
    tags: route.tags ?? [`plugin:${manifest.id}`],
    access,
    params: (route.params as TSchema | undefined) ?? defaultParams(route.path),
    ...(route.query ? { querystring: route.query as TSchema } : {}),
    ...(route.body ? { body: route.body as TSchema } : {}),
    status: route.status,
    // A WASM route commits its buffered writes itself, after the guest returns (D22).
    ...(options.transactional === false ? { transactional: false } : {}),
    gate: ({ params, project }) => deps.registry.assertServing(manifest.id, params, project),
    handler: async (ctx) => {
      const params = ctx.params as Record<string, string>;
      const projectId = params.projectId ?? null;
      const kernel: KernelRouteContext = { principal: ctx.principal, policies: ctx.policies, project: ctx.project, requestId: ctx.request.id, method: route.method };
      const result = await runWithConnection(ctx.db, () => (handler as KernelAwareRouteHandler)({
        params,
        query: ctx.query,
        body: ctx.body,
        principal: ctx.principal ? { type: ctx.principal.type, id: ctx.principal.id } : null,
        projectId,
        db: bindPluginDb(ctx.db, schema),
        can: ctx.can,
        listScope: (action, kind) => {
          if (!projectId) throw new TypeError(`route ${route.name} has no :projectId; listScope needs a project`);
          return deps.iam.listScope(ctx.policies, action, projectId, kind);
        },
        projectsWhere: (action) => ctx.principal ? projectsWhere(ctx.db, deps.iam, ctx.policies, manifest.id, action) : Promise.resolve([]),
        headers: ctx.request.headers,
        setHeader: (name, value) => void ctx.reply.header(name, value),
        setStatus: ctx.setStatus,
      }, kernel));
      if (!isRawResponse(result)) return result;
      // A file stream or a redirect: sent as it is, outside the envelope (the router leaves a sent reply alone).
      void ctx.reply.code(result.status).headers(result.headers).send(result.body);
      return ctx.reply;
    },
  });
}
