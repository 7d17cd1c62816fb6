import { Type } from '@sinclair/typebox';
import type { Router } from '../http/router.js';
import { StrictObject } from '../http/schemas.js';
import { PluginIdParam } from './admin-plugin-routes.js';
import type { PluginEnablement } from './plugin-enablement.js';
import { PluginNotLoaded } from './plugin-errors.js';
import type { PluginSecrets } from './plugin-secrets.js';

const SecretParams = StrictObject({ pluginId: PluginIdParam, key: Type.String({ pattern: '^[A-Z][A-Z0-9_]{0,63}$' }) });

/** Admins set the secrets a plugin declares; the API says which are set, never their values. */
export function registerPluginSecretRoutes(router: Router, deps: { enablement: PluginEnablement; secrets: PluginSecrets }): void {
  const { enablement, secrets } = deps;
  const manifestOf = (pluginId: string) => {
    const record = enablement.known(pluginId);
    if (!record.manifest) throw PluginNotLoaded({ plugin_id: pluginId, load_error: record.error?.code ?? 'unknown' });
    return record.manifest;
  };

  router.route({
    method: 'GET', url: '/admin/plugins/:pluginId/secrets', summary: 'The secrets a plugin declares and whether each is set', tags: ['plugins'],
    access: { kind: 'gated', action: 'plugins:read', resource: (p) => `plugin/${p.pluginId}` },
    params: StrictObject({ pluginId: PluginIdParam }),
    handler: async ({ db, params }) => ({ secrets: await secrets.status(db, manifestOf(params.pluginId)) }),
  });

  router.route({
    method: 'PUT', url: '/admin/plugins/:pluginId/secrets/:key', summary: 'Set a declared plugin secret (stored encrypted)', tags: ['plugins'], status: 204,
    access: { kind: 'gated', action: 'plugins:write', resource: (p) => `plugin/${p.pluginId}` },
    params: SecretParams, body: StrictObject({ value: Type.String({ minLength: 1, maxLength: 16_384 }) }),
    async handler({ db, params, body, principal }) {
      await secrets.set(db, manifestOf(params.pluginId), params.key, body.value, principal!.type === 'user' ? principal!.id : null);
    },
  });

  router.route({
    method: 'DELETE', url: '/admin/plugins/:pluginId/secrets/:key', summary: 'Clear a plugin secret', tags: ['plugins'], status: 204,
    access: { kind: 'gated', action: 'plugins:write', resource: (p) => `plugin/${p.pluginId}` },
    params: SecretParams,
    async handler({ db, params }) {
      await secrets.remove(db, manifestOf(params.pluginId), params.key);
    },
  });
}
