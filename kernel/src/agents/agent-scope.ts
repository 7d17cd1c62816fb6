import type { Knex } from 'knex';
import { AgentNotFound, AgentOutsideProject } from '../http/kernel-errors.js';
import { AGENT_COLUMNS, type AgentRow } from './agent-view.js';

/** A live agent by id, wherever it belongs. */
export async function findAgent(db: Knex, agentId: string): Promise<AgentRow | undefined> {
  return db('agents').where({ id: agentId }).whereNull('deleted_at').first<AgentRow>(AGENT_COLUMNS);
}

/**
 * The agent, if it may hold roles or membership in `projectId` (null = platform-wide): a project
 * agent only in its own project (D14). Its evaluation is confined there anyway; this keeps the
 * data honest and tells the caller why.
 */
export async function agentAttachableIn(db: Knex, agentId: string, projectId: string | null): Promise<AgentRow> {
  const agent = await findAgent(db, agentId);
  if (!agent) throw AgentNotFound({});
  if (agent.project_id && agent.project_id !== projectId) {
    throw AgentOutsideProject({ agent_id: agent.id, agent_project_id: agent.project_id, project_id: projectId });
  }
  return agent;
}
