import type { Knex } from 'knex';
import type { Principal } from '../auth/principal.js';
import { KERNEL_ACTIONS, KERNEL_PUBLIC_ACTIONS, type ActionDefinition } from './actions.js';
import type { Policy } from './policy.js';
import { PolicySet, policyStatements, scopeToProject, type EffectiveStatement } from './policy-set.js';

interface AttachedPolicyRow {
  policy: Policy | string;
  scope_project_id: string | null;
}

/**
 * Loads principals' policies and answers "may they do X on Y". The catalogue starts with the
 * kernel's actions; plugins extend it when they load (D16).
 */
export class IamService {
  private readonly actions = new Map<string, ActionDefinition>();
  private readonly publicActions = new Set<string>(KERNEL_PUBLIC_ACTIONS);

  constructor() {
    for (const action of KERNEL_ACTIONS) this.actions.set(action.action, action);
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
      .select('r.policy', db.raw('coalesce(a.project_id, r.project_id) as scope_project_id'))) as AttachedPolicyRow[];
    const statements: EffectiveStatement[] = [];
    for (const row of rows) {
      const policy = parseStoredPolicy(row.policy);
      if (!policy) continue; // fail closed: an unreadable policy grants nothing
      for (const statement of policyStatements(policy)) {
        let effective: EffectiveStatement | null = row.scope_project_id ? scopeToProject(statement, row.scope_project_id) : statement;
        if (effective && confinedTo) effective = scopeToProject(effective, confinedTo);
        if (effective) statements.push(effective);
      }
    }
    return new PolicySet(statements);
  }

  /** What anyone (signed in or not) may do on a public project. */
  publicStatements(projectId: string): EffectiveStatement[] {
    return [{ effect: 'Allow', actions: [...this.publicActions], resources: [`project/${projectId}/*`] }];
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

  /** Actions allowed on their platform roots (`GET /users/me/global-permissions`). */
  platformActions(set: PolicySet): string[] {
    return this.catalogue()
      .filter((a) => a.platformRoot !== null && this.allows(set, a.action, a.platformRoot))
      .map((a) => a.action);
  }

  /** Actions allowed inside one project (`GET /projects/:id/members/me/permissions`). */
  projectActions(set: PolicySet, projectId: string): string[] {
    return this.catalogue()
      .filter((a) => a.projectScoped && this.allows(set, a.action, `project/${projectId}`))
      .map((a) => a.action);
  }

  /**
   * List scope for `GET /projects`, applied in SQL (reference 2.4): everything when the
   * principal may read the `project` root, else the projects it holds `projects:read` on.
   */
  readableProjectFilter(set: PolicySet): { all: true; except: string[] } | { all: false; ids: string[] } {
    const mentioned = new Set<string>();
    for (const s of set.statements) {
      for (const r of s.resources) {
        const match = /^project\/([^/*]+)(\/|$)/.exec(r);
        if (match) mentioned.add(match[1]!);
      }
    }
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
