import { Type } from '@sinclair/typebox';
import type { Router } from '../http/router.js';
import { StrictObject, Uuid } from '../http/schemas.js';
import type { IamService } from '../iam/iam-service.js';
import { readableProject } from '../projects/readable-project.js';
import type { PluginRegistry } from './plugin-registry.js';
import { pluginView } from './plugin-view.js';

/**
 * `GET /plugins`: the serving plugins and their web slots, for the shell (DESIGN 6). Slots that
 * need an action the caller lacks are left out: in `project_id` when given, else anywhere.
 */
export function registerPluginListRoutes(router: Router, deps: { registry: PluginRegistry; iam: IamService }): void {
  const { registry, iam } = deps;
  router.route({
    method: 'GET', url: '/plugins', summary: 'Plugins serving here, with the web slots you may see', tags: ['plugins'],
    access: { kind: 'authenticated' },
    querystring: StrictObject({ project_id: Type.Optional(Uuid) }),
    async handler({ db, query, policies, principal }) {
      await registry.refreshEnabled();
      const scoped = query.project_id ? await readableProject(db, iam, principal, policies, query.project_id) : null;
      const project = scoped?.project ?? null;
      const holds = (action: string) => {
        if (scoped) return iam.allows(scoped.policies, action, `project/${scoped.project.id}`);
        return iam.allowsInSomeProject(policies, action)
          || iam.catalogue().some((a) => a.action === action && a.platformRoot !== null && iam.allows(policies, action, a.platformRoot));
      };
      const plugins = registry.serving().map((record) => {
        const manifest = record.manifest!;
        const slots = (manifest.web?.slots ?? []).filter((slot) => !slot.required_action || holds(slot.required_action));
        return pluginView(manifest, { slots, ...(project ? { enabledInProject: !project.disabled_plugins.includes(record.id) } : {}) });
      });
      return { plugins };
    },
  });
}
