import type { Knex } from 'knex';
import type { Principal } from '../auth/principal.js';
import { KERNEL_ACTIONS, KERNEL_PUBLIC_ACTIONS, type ActionDefinition } from './actions.js';
import type { Policy } from './policy.js';
import { PolicySet, policyStatements, scopeToProject, type EffectiveStatement } from './policy-set.js';

interface AttachedPolicyRow {
  policy: Policy | string;
  scope_project_id: string | null;
  builtin_key: string | null;
  role_project_id: string | null;
}

/** The system roles plugins grant actions to (D16); `public` = anyone on a public project. */
export type GrantedRole = 'Admin' | 'Editor' | 'Viewer' | 'public';

/**
 * Where plugin `role_grants` come from: the plugin host answers with the plugins that are loaded
 * and enabled workspace-wide; per-project switches are applied here.
 */
export interface RoleGrantSource {
  grants(role: GrantedRole): ReadonlyArray<{ pluginId: string; actions: readonly string[] }>;
  /** Loaded and switched on workspace-wide. */
  isServing(pluginId: string): boolean;
  /** `project/plugin` pairs switched off per project; read through `db` (the caller's connection). */
  disabledPairs(db: Knex): Promise<ReadonlySet<string>>;
}

const GRANTED_PROJECT_ROLES = new Set<string>(['Admin', 'Editor', 'Viewer']);

/**
 * Loads principals' policies and answers "may they do X on Y". The catalogue starts with the
 * kernel's actions; plugins extend it when they load (D16).
 */
export class IamService {
  private readonly actions = new Map<string, ActionDefinition>();
  private readonly publicActions = new Set<string>(KERNEL_PUBLIC_ACTIONS);
  private grantSource: RoleGrantSource | null = null;

  constructor() {
    for (const action of KERNEL_ACTIONS) this.actions.set(action.action, action);
  }

  /** Plugin actions join the catalogue when their plugin loads (D16). */
  addActions(actions: ActionDefinition[]): void {
    for (const action of actions) {
      if (this.actions.has(action.action)) throw new TypeError(`action ${action.action} is already declared`);
    }
    for (const action of actions) this.actions.set(action.action, action);
  }

  useRoleGrants(source: RoleGrantSource): void {
    this.grantSource = source;
  }

  catalogue(): ActionDefinition[] {
    return [...this.actions.values()];
  }

  knownActions(): ReadonlySet<string> {
    return new Set(this.actions.keys());
  }

  /**
   * Every statement attached to the principal, project-scoped ones narrowed to their project. A
   * project agent's statements are all narrowed to its own project: whatever is attached
   * elsewhere, it never acts outside it (D14).
   */
  async policySetFor(db: Knex, principal: Pick<Principal, 'type' | 'id'> & { agentProjectId?: string | null }): Promise<PolicySet> {
    let confinedTo = principal.agentProjectId ?? null;
    if (principal.type === 'agent' && principal.agentProjectId === undefined) {
      // Callers holding only a reference: the confinement must not depend on them passing it.
      const agent = await db('agents').where({ id: principal.id }).whereNull('deleted_at').first('project_id');
      if (!agent) return PolicySet.empty; // fail closed: an unknown agent holds nothing
      confinedTo = agent.project_id;
    }
    const rows = (await db('role_attachments as a')
      .join('roles as r', 'r.id', 'a.role_id')
      .where({ 'a.principal_type': principal.type, 'a.principal_id': principal.id })
      .select('r.policy', 'r.builtin_key', 'r.project_id as role_project_id', db.raw('coalesce(a.project_id, r.project_id) as scope_project_id'))) as AttachedPolicyRow[];
    const granted = await this.pluginGrants(db, rows);
    const statements: EffectiveStatement[] = [];
    for (const row of rows) {
      const policy = parseStoredPolicy(row.policy);
      if (!policy) continue; // fail closed: an unreadable policy grants nothing
      for (const statement of [...policyStatements(policy), ...(granted.get(row) ?? [])]) {
        let effective: EffectiveStatement | null = row.scope_project_id ? scopeToProject(statement, row.scope_project_id) : statement;
        if (effective && confinedTo) effective = scopeToProject(effective, confinedTo);
        if (effective) statements.push(effective);
      }
    }
    return new PolicySet(statements);
  }

  /**
   * A system project role's effective policy is its stored statements plus the `role_grants` of
   * the plugins enabled in that project, computed now (D16): a plugin enabled later works in
   * existing projects, and one switched off for a project grants nothing there.
   */
  private async pluginGrants(db: Knex, rows: AttachedPolicyRow[]): Promise<Map<AttachedPolicyRow, EffectiveStatement[]>> {
    const result = new Map<AttachedPolicyRow, EffectiveStatement[]>();
    const source = this.grantSource;
    if (!source) return result;
    const byRole = new Map<string, ReturnType<RoleGrantSource['grants']>>();
    const grantsOf = (role: string) => {
      if (!byRole.has(role)) byRole.set(role, source.grants(role as GrantedRole));
      return byRole.get(role)!;
    };
    const systemRows = rows.filter((r) => r.role_project_id && r.builtin_key && GRANTED_PROJECT_ROLES.has(r.builtin_key)
      && grantsOf(r.builtin_key).length > 0);
    if (systemRows.length === 0) return result;
    const off = await source.disabledPairs(db);
    for (const row of systemRows) {
      const projectId = row.role_project_id!;
      const actions = grantsOf(row.builtin_key!).filter((g) => !off.has(`${projectId}/${g.pluginId}`)).flatMap((g) => g.actions);
      if (actions.length > 0) result.set(row, [{ effect: 'Allow', actions, resources: [`project/${projectId}/*`] }]);
    }
    return result;
  }

  /**
   * The caller's policies for reading one project: plus the public grants when the project is
   * public — except for a project agent, which stays inside its own project, public ones included (D14).
   */
  readerPolicies(policies: PolicySet, principal: { agentProjectId: string | null } | null,
    project: { id: string; is_public: boolean; disabled_plugins: readonly string[] }): PolicySet {
    const confined = principal?.agentProjectId != null && principal.agentProjectId !== project.id;
    return project.is_public && !confined ? policies.with(this.publicStatements(project.id, project.disabled_plugins)) : policies;
  }

  /** Project ids the statements name (attachments' projects, explicit grants and denies, plugin role grants). */
  namedProjects(set: PolicySet): string[] {
    const ids = new Set<string>();
    for (const s of set.statements) {
      for (const r of s.resources) {
        const match = /^project\/([^/*]+)(\/|$)/.exec(r);
        if (match) ids.add(match[1]!);
      }
    }
    return [...ids];
  }

  /** Whether `action` is allowed in at least one project (a grant on every project, or on one the policies name). */
  allowsInSomeProject(set: PolicySet, action: string): boolean {
    return ['*', ...this.namedProjects(set)].some((id) => this.allows(set, action, `project/${id}`));
  }

  /** What anyone (signed in or not) may do on a public project: the kernel's and its enabled plugins' `public` grants. */
  publicStatements(projectId: string, disabledPlugins: readonly string[] = []): EffectiveStatement[] {
    const pluginActions = (this.grantSource?.grants('public') ?? []).filter((g) => !disabledPlugins.includes(g.pluginId)).flatMap((g) => g.actions);
    return [{ effect: 'Allow', actions: [...this.publicActions, ...pluginActions], resources: [`project/${projectId}/*`] }];
  }

  /**
   * List scope for entities of one kind in a project (D15), for plugins' list queries: all of
   * them (minus explicit denies) when the action is allowed on `project/<id>/<kind>/*`, else only
   * the entities named in an Allow.
   */
  listScope(set: PolicySet, action: string, projectId: string, kind: string): { all: true; except: string[] } | { all: false; ids: string[] } {
    const base = `project/${projectId}/${kind}`;
    const named = new Set<string>();
    // `…/<kind>/<id>/*` covers the entity itself too (D15 trailing wildcard).
    const pattern = new RegExp(`^project/(?:${escapeRegExp(projectId)}|\\*)/${escapeRegExp(kind)}/([^/*]+)(?:/\\*)?$`);
    for (const s of set.statements) {
      for (const r of s.resources) {
        const match = pattern.exec(r);
        if (match) named.add(match[1]!);
      }
    }
    if (this.allows(set, action, `${base}/*`)) {
      return { all: true, except: [...named].filter((id) => set.decide(action, `${base}/${id}`) === 'deny') };
    }
    return { all: false, ids: [...named].filter((id) => this.allows(set, action, `${base}/${id}`)) };
  }

  /**
   * The decision for `action` on `resource`. Project records are also governed by grants on the
   * platform root `project` (ADMIN's `projects:*`); a root grant never opens project internals.
   */
  allows(set: PolicySet, action: string, resource: string): boolean {
    const decisions = [set.decide(action, resource)];
    if (action.startsWith('projects:') && /^project\/[^/]+$/.test(resource)) decisions.push(set.decide(action, 'project'));
    if (decisions.includes('deny')) return false;
    return decisions.includes('allow');
  }

  /** Actions allowed on their platform roots (`GET /users/me/global-permissions`); a plugin's only while it serves. */
  platformActions(set: PolicySet): string[] {
    return this.catalogue()
      .filter((a) => a.platformRoot !== null && this.pluginServes(a) && this.allows(set, a.action, a.platformRoot))
      .map((a) => a.action);
  }

  /**
   * Actions allowed inside one project (`GET /projects/:id/members/me/permissions`). A plugin's
   * actions count only where it is on (D21): even `*` does not reach a plugin that is off.
   */
  projectActions(set: PolicySet, projectId: string, disabledPlugins: readonly string[] = []): string[] {
    return this.catalogue()
      .filter((a) => a.projectScoped && this.pluginServes(a, disabledPlugins) && this.allows(set, a.action, `project/${projectId}`))
      .map((a) => a.action);
  }

  private pluginServes(action: ActionDefinition, disabledPlugins: readonly string[] = []): boolean {
    if (!action.pluginId) return true;
    return (this.grantSource?.isServing(action.pluginId) ?? false) && !disabledPlugins.includes(action.pluginId);
  }

  /**
   * List scope for `GET /projects`, applied in SQL (reference 2.4): everything when the
   * principal may read the `project` root, else the projects it holds `projects:read` on.
   */
  readableProjectFilter(set: PolicySet): { all: true; except: string[] } | { all: false; ids: string[] } {
    const mentioned = this.namedProjects(set);
    if (set.decide('projects:read', 'project') === 'allow') {
      const except = [...mentioned].filter((id) => set.decide('projects:read', `project/${id}`) === 'deny');
      return { all: true, except };
    }
    const ids = [...mentioned].filter((id) => this.allows(set, 'projects:read', `project/${id}`));
    return { all: false, ids };
  }
}

function parseStoredPolicy(value: Policy | string): Policy | null {
  try {
    const policy = typeof value === 'string' ? (JSON.parse(value) as Policy) : value;
    return Array.isArray(policy?.statements) ? policy : null;
  } catch {
    return null;
  }
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
