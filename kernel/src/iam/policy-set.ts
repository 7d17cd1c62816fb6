import { actionCovers, actionMatches, actionsOverlap, resourceCovers, resourceMatches, resourcesOverlap } from './patterns.js';
import type { Policy } from './policy.js';

export interface EffectiveStatement {
  effect: 'Allow' | 'Deny';
  actions: string[];
  resources: string[];
}

export type Decision = 'allow' | 'deny' | 'none';

/** Restricts a statement to one project's subtree (project-scoped attachments, reference 3.1). */
export function scopeToProject(statement: EffectiveStatement, projectId: string): EffectiveStatement | null {
  const root = `project/${projectId}/*`;
  const resources: string[] = [];
  for (const resource of statement.resources) {
    if (resourceCovers(resource, root)) resources.push(root);
    else if (resourceCovers(root, resource)) resources.push(resource);
    else if (resourcesOverlap(resource, root)) {
      // e.g. `project/*/task/*` → `project/<id>/task/*`
      const segments = resource.split('/');
      segments[1] = projectId;
      const narrowed = segments.join('/');
      if (resourceCovers(root, narrowed)) resources.push(narrowed);
    }
  }
  return resources.length > 0 ? { ...statement, resources } : null;
}

export function policyStatements(policy: Policy): EffectiveStatement[] {
  return policy.statements.map((s) => ({ effect: s.effect, actions: s.actions, resources: s.resources }));
}

/**
 * The one evaluator (reference 3.1): default deny, explicit Deny wins. Used by routes now and by
 * plugin routes, realtime joins and MCP tools later.
 */
export class PolicySet {
  constructor(readonly statements: readonly EffectiveStatement[]) {}

  static empty = new PolicySet([]);

  with(more: readonly EffectiveStatement[]): PolicySet {
    return more.length === 0 ? this : new PolicySet([...this.statements, ...more]);
  }

  decide(action: string, resource: string): Decision {
    let allowed = false;
    for (const s of this.statements) {
      if (!s.actions.some((a) => actionMatches(a, action))) continue;
      if (!s.resources.some((r) => resourceMatches(r, resource))) continue;
      if (s.effect === 'Deny') return 'deny';
      allowed = true;
    }
    return allowed ? 'allow' : 'none';
  }

  allows(action: string, resource: string): boolean {
    return this.decide(action, resource) === 'allow';
  }

  /**
   * Escalation guard: does this principal hold everything a grant of `action` on `resource`
   * (both patterns) would give — an Allow covering it and no Deny touching it?
   */
  holds(action: string, resource: string): boolean {
    let covered = false;
    for (const s of this.statements) {
      if (s.effect === 'Deny') {
        if (s.actions.some((a) => actionsOverlap(a, action)) && s.resources.some((r) => resourcesOverlap(r, resource))) return false;
      } else if (!covered && s.actions.some((a) => actionCovers(a, action)) && s.resources.some((r) => resourceCovers(r, resource))) {
        covered = true;
      }
    }
    return covered;
  }
}
