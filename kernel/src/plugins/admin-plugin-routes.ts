import { rm } from 'node:fs/promises';
import path from 'node:path';
import { Type } from '@sinclair/typebox';
import type { Router } from '../http/router.js';
import { StrictObject } from '../http/schemas.js';
import type { PluginEnablement } from './plugin-enablement.js';
import type { PluginRegistry } from './plugin-registry.js';
import { adminPluginView } from './plugin-view.js';

export const PluginIdParam = Type.String({ pattern: '^[a-z][a-z0-9-]{1,31}$', description: 'plugin id' });
const Params = StrictObject({ pluginId: PluginIdParam });

/** `/admin/plugins` (D21): every plugin found with its state and load error; switch on/off; uninstall. */
export function registerAdminPluginRoutes(router: Router, deps: { registry: PluginRegistry; enablement: PluginEnablement; installedDir: string }): void {
  const { registry, enablement } = deps;

  router.route({
    method: 'GET', url: '/admin/plugins', summary: 'Every plugin found at boot, with its state and load error', tags: ['plugins'],
    access: { kind: 'gated', action: 'plugins:read', resource: () => 'plugin/*' },
    async handler() {
      await registry.refreshEnabled();
      return { plugins: registry.list().map(adminPluginView) };
    },
  });

  router.route({
    method: 'GET', url: '/admin/plugins/:pluginId', summary: 'One plugin with its manifest and load error', tags: ['plugins'],
    access: { kind: 'gated', action: 'plugins:read', resource: (p) => `plugin/${p.pluginId}` }, params: Params,
    async handler({ params }) {
      await registry.refreshEnabled();
      return adminPluginView(enablement.known(params.pluginId));
    },
  });

  router.route({
    method: 'PATCH', url: '/admin/plugins/:pluginId', summary: 'Switch a plugin on or off for the whole workspace', tags: ['plugins'],
    access: { kind: 'gated', action: 'plugins:write', resource: (p) => `plugin/${p.pluginId}` }, params: Params,
    body: StrictObject({ enabled: Type.Boolean() }),
    async handler({ db, params, body, principal }) {
      // The switch decides from the rows it reads under its lock, not from this replica's cache.
      const record = await enablement.setEnabled(db as never, params.pluginId, body.enabled, principal!);
      return { ...adminPluginView(record), enabled: body.enabled };
    },
  });

  router.route({
    method: 'DELETE', url: '/admin/plugins/:pluginId', summary: 'Uninstall a plugin; its data stays unless purge=true', tags: ['plugins'], status: 204,
    access: { kind: 'gated', action: 'plugins:write', resource: (p) => `plugin/${p.pluginId}` }, params: Params,
    querystring: StrictObject({ purge: Type.Optional(Type.Boolean({ default: false })) }),
    async handler({ db, params, query, principal }) {
      const record = await enablement.uninstall(db as never, params.pluginId, query.purge === true, principal!);
      // Installed plugins' files go once the uninstall has committed (core plugins cannot be uninstalled).
      if (record.origin === 'installed') {
        const dir = path.join(deps.installedDir, record.id);
        (db as unknown as { executionPromise: Promise<unknown> }).executionPromise
          .then(() => rm(dir, { recursive: true, force: true }), () => undefined).catch(() => undefined);
      }
    },
  });
}
