import { Type } from '@sinclair/typebox';
import { loadLiveProject, type Router } from '../http/router.js';
import { StrictObject, Uuid } from '../http/schemas.js';
import type { IamService } from '../iam/iam-service.js';
import type { PolicySet } from '../iam/policy-set.js';
import { mentionedProjects } from '../mcp/tool-catalogue.js';
import { ProjectNotFound } from '../http/kernel-errors.js';
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
      let scopedPolicies: PolicySet = policies;
      let project = null;
      if (query.project_id) {
        project = await loadLiveProject(db, query.project_id.toLowerCase());
        // A project agent stays inside its project, public projects included (D14), as in the router.
        const confined = principal!.agentProjectId !== null && principal!.agentProjectId !== project?.id;
        if (project?.is_public && !confined) scopedPolicies = policies.with(iam.publicStatements(project.id, project.disabled_plugins));
        if (!project || !iam.allows(scopedPolicies, 'projects:read', `project/${project.id}`)) throw ProjectNotFound({});
      }
      const holds = (action: string) => {
        if (project) return iam.allows(scopedPolicies, action, `project/${project.id}`);
        return ['*', ...mentionedProjects(policies)].some((id) => iam.allows(policies, action, `project/${id}`))
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
