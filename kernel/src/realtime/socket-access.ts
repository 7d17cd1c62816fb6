import type { ListScope } from '@paca/plugin-sdk';
import type { Knex } from 'knex';
import type { Principal } from '../auth/principal.js';
import { loadLiveProject, type LiveProject } from '../http/router.js';
import type { IamService } from '../iam/iam-service.js';
import { PolicySet } from '../iam/policy-set.js';
import type { PluginRegistry } from '../plugins/plugin-registry.js';
import type { ClientEventCatalogue } from './client-events.js';

/** Room names (D26). Project rooms are split by delivery key so one broadcast serves every socket allowed it. */
export const rooms = {
  user: (principalId: string) => `user:${principalId}`,
  workspace: 'workspace',
  workspaceAction: (action: string) => `workspace:${action}`,
  project: (projectId: string) => `project:${projectId}`,
  projectKey: (projectId: string, key: string) => `project:${projectId}:${key}`,
};

/** What a socket may receive in one project, as of the last evaluation. */
export interface ProjectAccess {
  /** `project:<id>` and one `project:<id>:<key>` per delivery key held without restriction. */
  rooms: string[];
  /** Delivery keys held on some entities only (D15 entity grants and denies): checked per event. */
  filtered: Map<string, ListScope>;
}

/** Evaluates sockets' permissions with the kernel's one IAM evaluator, caching policies per evaluation pass. */
export class SocketAccess {
  constructor(private readonly iam: IamService, private readonly registry: PluginRegistry, private readonly catalogue: ClientEventCatalogue) {}

  /** A cache of policy sets for one pass over many sockets (several sockets usually share a principal). */
  newPass(db: Knex): AccessPass {
    return new AccessPass(db, this.iam, this.registry, this.catalogue);
  }
}

export class AccessPass {
  private readonly policies = new Map<string, Promise<PolicySet>>();
  private readonly projects = new Map<string, Promise<LiveProject | null>>();

  constructor(private readonly db: Knex, private readonly iam: IamService, private readonly registry: PluginRegistry,
    private readonly catalogue: ClientEventCatalogue) {}

  private policiesOf(principal: Principal | null): Promise<PolicySet> {
    if (!principal) return Promise.resolve(PolicySet.empty);
    const key = `${principal.type}:${principal.id}`;
    let set = this.policies.get(key);
    if (!set) {
      set = this.iam.policySetFor(this.db, principal);
      this.policies.set(key, set);
    }
    return set;
  }

  /** Null when the caller may not read the project (or it does not exist): the join is refused alike. */
  async project(principal: Principal | null, projectId: string): Promise<ProjectAccess | null> {
    let loading = this.projects.get(projectId);
    if (!loading) this.projects.set(projectId, (loading = loadLiveProject(this.db, projectId)));
    const project = await loading;
    if (!project) return null;
    const scoped = this.iam.readerPolicies(await this.policiesOf(principal), principal, project);
    if (!this.iam.allows(scoped, 'projects:read', `project/${projectId}`)) return null;
    const held = new Set(this.iam.projectActions(scoped, projectId, project.disabled_plugins));
    const access: ProjectAccess = { rooms: [rooms.project(projectId)], filtered: new Map() };
    for (const spec of this.catalogue.projectKeys()) {
      if (spec.pluginId && (!this.registry.isServing(spec.pluginId) || project.disabled_plugins.includes(spec.pluginId))) continue;
      if (!spec.entity) {
        if (held.has(spec.action)) access.rooms.push(rooms.projectKey(projectId, spec.key));
        continue;
      }
      // An entity event needs its action in the project, unless that action is the entity's own
      // (then a grant on single entities is enough), and the entity itself.
      if (spec.action !== spec.entity.action && !held.has(spec.action)) continue;
      const scope = this.iam.listScope(scoped, spec.entity.action, projectId, spec.entity.kind);
      if (scope.all && scope.except.length === 0) access.rooms.push(rooms.projectKey(projectId, spec.key));
      else if (scope.all || scope.ids.length > 0) access.filtered.set(spec.key, scope);
    }
    return access;
  }

  /** Workspace rooms: the user's own room, `workspace`, and one per platform action held on its root. */
  async workspace(principal: Principal | null): Promise<string[]> {
    if (!principal) return [];
    const actions = this.iam.platformActions(await this.policiesOf(principal));
    return [rooms.user(principal.id), rooms.workspace, ...actions.map(rooms.workspaceAction)];
  }
}

/** Whether an entity id is inside a list scope. */
export function inScope(scope: ListScope, id: unknown): boolean {
  if (typeof id !== 'string') return false;
  return scope.all ? !scope.except.includes(id) : scope.ids.includes(id);
}
