import type { Knex } from 'knex';
import { RoleEscalation } from '../http/kernel-errors.js';
import type { IamService } from '../iam/iam-service.js';
import type { PolicySet } from '../iam/policy-set.js';
import type { AgentRow } from './agent-view.js';

/**
 * Escalation guard for agent keys: whoever mints a key can act as the agent, so they must hold
 * everything the agent may do (its Allows, as evaluated for it) — like attaching its roles would
 * need. An Editor cannot mint a key for an Admin agent and act as Admin.
 */
export async function assertHoldsAgentAuthority(db: Knex, iam: IamService, actor: PolicySet, agent: AgentRow): Promise<void> {
  const agentPolicies = await iam.policySetFor(db, { type: 'agent', id: agent.id, agentProjectId: agent.project_id });
  for (const statement of agentPolicies.statements) {
    if (statement.effect !== 'Allow') continue;
    for (const action of statement.actions) {
      for (const resource of statement.resources) {
        if (!actor.holds(action, resource)) {
          throw RoleEscalation({ action, resource }, { message: `this agent may ${action} on ${resource}, which you do not hold` });
        }
      }
    }
  }
}
