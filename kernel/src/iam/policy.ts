import { Type, type Static } from '@sinclair/typebox';
import { RolePolicyInvalid } from '../http/kernel-errors.js';
import { StrictObject } from '../http/schemas.js';
import { RESOURCE_KINDS } from './actions.js';

export const POLICY_VERSION = '2026-10-01';

export const PolicyStatement = StrictObject({
  sid: Type.Optional(Type.String({ maxLength: 128 })),
  effect: Type.Union([Type.Literal('Allow'), Type.Literal('Deny')]),
  actions: Type.Array(Type.String({ minLength: 1, maxLength: 128 }), { minItems: 1, maxItems: 100, uniqueItems: true }),
  resources: Type.Array(Type.String({ minLength: 1, maxLength: 512 }), { minItems: 1, maxItems: 100, uniqueItems: true }),
  // Accepted so reference policies parse; evaluation of conditions comes later (D15), so a
  // policy using them is refused rather than silently evaluated wrong.
  conditions: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
});
export type PolicyStatement = Static<typeof PolicyStatement>;

export const Policy = StrictObject({
  version: Type.Literal(POLICY_VERSION),
  statements: Type.Array(PolicyStatement, { maxItems: 50 }),
});
export type Policy = Static<typeof Policy>;

const ACTION_PATTERN = /^(\*|[a-z][a-z0-9_.-]*:(\*|[a-z][a-z0-9_.-]*))$/;
const SEGMENT = /^(\*|[A-Za-z0-9_.-]+)$/;
const MAX_PAIRS = 1000;

/**
 * Semantic checks the JSON schema cannot express: action names known to the catalogue,
 * resource shapes the evaluator understands. Throws 422 ROLE_POLICY_INVALID with issues.
 */
export function assertPolicyUsable(policy: Policy, knownActions: ReadonlySet<string>, projectId: string | null): void {
  const issues: Array<{ path: string; message: string }> = [];
  const domains = new Set([...knownActions].map((a) => a.split(':')[0]));
  policy.statements.forEach((statement, s) => {
    if (statement.conditions && Object.keys(statement.conditions).length > 0) {
      issues.push({ path: `policy.statements.${s}.conditions`, message: 'conditions are not supported yet' });
    }
    statement.actions.forEach((action, a) => {
      const path = `policy.statements.${s}.actions.${a}`;
      if (!ACTION_PATTERN.test(action)) issues.push({ path, message: 'must be *, domain:* or domain:verb' });
      else if (action !== '*' && action.endsWith(':*') ? !domains.has(action.slice(0, -2)) : action !== '*' && !knownActions.has(action)) {
        issues.push({ path, message: `unknown action ${action}` });
      }
    });
    statement.resources.forEach((resource, r) => {
      const path = `policy.statements.${s}.resources.${r}`;
      if (resource === '*') {
        if (projectId) issues.push({ path, message: `a project role may only name resources under project/${projectId}` });
        return;
      }
      const segments = resource.split('/');
      if (!segments.every((segment) => SEGMENT.test(segment))) {
        issues.push({ path, message: 'segments may contain letters, digits, _ . - or be *' });
      } else if (!(RESOURCE_KINDS as readonly string[]).includes(segments[0]!)) {
        issues.push({ path, message: `must start with one of ${RESOURCE_KINDS.join(', ')}` });
      } else if (projectId && !(segments[0] === 'project' && segments[1] === projectId)) {
        issues.push({ path, message: `a project role may only name resources under project/${projectId}` });
      }
    });
  });
  // Checks and evaluation walk every (action, resource) pair: bound the work one role can cause.
  const pairs = policy.statements.reduce((sum, st) => sum + st.actions.length * st.resources.length, 0);
  if (pairs > MAX_PAIRS) issues.push({ path: 'policy.statements', message: `grant at most ${MAX_PAIRS} action × resource pairs in all (this policy has ${pairs})` });
  if (issues.length > 0) throw RolePolicyInvalid({ issues });
}
