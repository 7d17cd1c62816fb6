import { Type } from '@sinclair/typebox';
import type { Router } from '../http/router.js';
import { StrictObject, Uuid } from '../http/schemas.js';
import { PluginIdParam } from './admin-plugin-routes.js';
import type { PluginEnablement } from './plugin-enablement.js';
import type { PluginRegistry } from './plugin-registry.js';

/** A project's plugins (D21): which serve here, and switching optional ones on and off. */
export function registerProjectPluginRoutes(router: Router, deps: { registry: PluginRegistry; enablement: PluginEnablement }): void {
  const { registry, enablement } = deps;

  router.route({
    method: 'GET', name: 'project_plugins.list', url: '/projects/:projectId/plugins', summary: 'Plugins installed, and whether each is on in this project', tags: ['plugins', 'projects'],
    access: { kind: 'gated', action: 'projects:read', resource: (p) => `project/${p.projectId}` },
    params: StrictObject({ projectId: Uuid }),
    async handler({ project }) {
      await registry.refreshEnabled();
      const plugins = registry.list().filter((r) => r.status === 'active').map((r) => ({
        id: r.id,
        name: r.manifest!.name,
        version: r.manifest!.version,
        optional: r.manifest!.optional,
        enabled_globally: r.enabled,
        enabled: r.enabled && !project!.disabled_plugins.includes(r.id),
      }));
      return { plugins };
    },
  });

  router.route({
    method: 'PUT', name: 'project_plugins.set', url: '/projects/:projectId/plugins/:pluginId', summary: 'Switch an optional plugin on or off in this project', tags: ['plugins', 'projects'],
    access: { kind: 'gated', action: 'projects:write', resource: (p) => `project/${p.projectId}` },
    params: StrictObject({ projectId: Uuid, pluginId: PluginIdParam }),
    body: StrictObject({ enabled: Type.Boolean() }),
    async handler({ db, params, body, principal }) {
      // The switch decides from the rows it reads under its lock, not from this replica's cache.
      const enabled = await enablement.setProjectEnabled(db as never, params.projectId, params.pluginId, body.enabled, principal!);
      return { plugin_id: params.pluginId, project_id: params.projectId, enabled };
    },
  });
}
