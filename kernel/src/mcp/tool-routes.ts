import { Type } from '@sinclair/typebox';
import type { Router } from '../http/router.js';
import { StrictObject, Uuid } from '../http/schemas.js';
import type { IamService } from '../iam/iam-service.js';
import type { PluginRegistry } from '../plugins/plugin-registry.js';
import { readableProject } from '../projects/readable-project.js';
import { toolView, type ToolCatalogue } from './tool-catalogue.js';

/**
 * `GET /mcp/tools` (D31): the tools the caller may use — in `project_id` when given (and only
 * those of plugins switched on there), else those allowed in at least one project.
 */
export function registerToolRoutes(router: Router, deps: { catalogue: ToolCatalogue; registry: PluginRegistry; iam: IamService }): void {
  const { catalogue, registry, iam } = deps;
  router.route({
    method: 'GET', url: '/mcp/tools', summary: 'MCP tools you may use (kernel and plugins, one catalogue)', tags: ['mcp'],
    access: { kind: 'authenticated' },
    querystring: StrictObject({
      project_id: Type.Optional(Uuid),
      toolset: Type.Optional(Type.String({ pattern: '^[a-z][a-z0-9_,-]{0,200}$', description: 'comma-separated toolsets to include' })),
    }),
    async handler({ db, query, policies, principal }) {
      await registry.refreshEnabled();
      let scope = { policies, project: null as { id: string; disabled_plugins: string[] } | null, serving: (owner: string) => registry.isServing(owner) };
      if (query.project_id) scope = { ...scope, ...await readableProject(db, iam, principal, policies, query.project_id) };
      const toolsets = query.toolset ? new Set(query.toolset.split(',')) : null;
      const tools = catalogue.visible(scope).map(toolView).filter((t) => !toolsets || toolsets.has(t.toolset));
      return { tools };
    },
  });
}
