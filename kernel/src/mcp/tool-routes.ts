import { Type } from '@sinclair/typebox';
import type { FastifyRequest } from 'fastify';
import type { Router } from '../http/router.js';
import { StrictObject } from '../http/schemas.js';
import type { IamService } from '../iam/iam-service.js';
import type { PluginRegistry } from '../plugins/plugin-registry.js';
import { resolveProjectReference } from './project-reference.js';
import type { ToolCaller } from './tool-call.js';
import { toolView, type ToolCatalogue } from './tool-catalogue.js';

/** Id, task ID prefix or name (D31), as agents write them. */
const ProjectReference = Type.String({ minLength: 1, maxLength: 120, description: 'project id, task ID prefix or name' });

/** The headers that prove who the caller is (and, for cookie writes, where from): replayed on a tool's route. */
const CREDENTIAL_HEADERS = ['authorization', 'x-api-key', 'cookie', 'origin', 'host'] as const;

export function credentialHeaders(request: FastifyRequest): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const name of CREDENTIAL_HEADERS) {
    const value = request.headers[name];
    if (typeof value === 'string') headers[name] = value;
  }
  return headers;
}

/**
 * `GET /mcp/tools` (D31): the tools the caller may use — in `project_id` when given (and only
 * those of plugins switched on there), else those allowed in at least one project.
 * `POST /mcp/tools/:name/call`: runs one, the implementation both MCP transports share.
 */
export function registerToolRoutes(router: Router, deps: { catalogue: ToolCatalogue; registry: PluginRegistry; iam: IamService; caller: ToolCaller }): void {
  const { catalogue, registry, iam, caller } = deps;
  router.route({
    method: 'GET', url: '/mcp/tools', summary: 'MCP tools you may use (kernel and plugins, one catalogue)', tags: ['mcp'],
    access: { kind: 'authenticated' },
    querystring: StrictObject({
      project_id: Type.Optional(ProjectReference),
      toolset: Type.Optional(Type.String({ pattern: '^[a-z][a-z0-9_,-]{0,200}$', description: 'comma-separated toolsets to include' })),
    }),
    async handler({ db, query, policies, principal }) {
      await registry.refreshEnabled();
      let scope = { policies, project: null as { id: string; disabled_plugins: string[] } | null, serving: (owner: string) => registry.isServing(owner) };
      if (query.project_id) scope = { ...scope, ...await resolveProjectReference(db, iam, principal, policies, query.project_id) };
      const toolsets = query.toolset ? new Set(query.toolset.split(',')) : null;
      const tools = catalogue.visible(scope).map(toolView).filter((t) => !toolsets || toolsets.has(t.toolset));
      return { tools };
    },
  });

  router.route({
    method: 'POST', url: '/mcp/tools/:name/call', summary: 'Run an MCP tool: its arguments are checked, references resolved and its route called as you', tags: ['mcp'],
    access: { kind: 'authenticated' },
    // The tool's route runs its own transaction; this one only reads.
    transactional: false,
    params: StrictObject({ name: Type.String({ pattern: '^[a-z][a-z0-9_]{0,63}$' }) }),
    body: StrictObject({
      arguments: Type.Optional(Type.Record(Type.String(), Type.Unknown(), { description: 'the tool arguments (camelCase, as its input_schema says)' })),
      pinned_project_id: Type.Optional(ProjectReference),
    }),
    async handler({ db, params, body, principal, policies, request }) {
      return caller.call({
        db, principal, policies, headers: credentialHeaders(request), name: params.name, args: body.arguments ?? {}, pinnedProject: body.pinned_project_id,
      });
    },
  });
}
