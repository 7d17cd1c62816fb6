import { expectedVersion } from '../http/expected-version.js';
import { Forbidden } from '../http/kernel-errors.js';
import { cursorPage } from '../http/pagination.js';
import type { Router } from '../http/router.js';
import { CursorQuery, ProjectParams, StrictObject } from '../http/schemas.js';
import type { RoleService } from '../iam/role-service.js';
import { addProjectMember } from '../projects/add-project-member.js';
import type { KernelServices } from '../services.js';
import { CreateProjectAgent, ProjectAgentParams, UpdateAgent } from './agent-schemas.js';
import type { AgentService } from './agent-service.js';
import { AGENT_COLUMNS, agentView, type AgentRow } from './agent-view.js';

const projectResource = (p: Record<string, string>) => `project/${p.projectId}`;
const agentResource = (p: Record<string, string>) => `project/${p.projectId}/agent/${p.agentId}`;

/** Project agents under `/projects/:projectId/agents` (reference 2.3 "Project agents", D14). */
export function registerProjectAgentRoutes(router: Router, services: KernelServices & { roles: RoleService; agents: AgentService }): void {
  const { agents, clock, roles, activity, events } = services;

  router.route({
    method: 'GET', name: 'agents.project.list', url: '/projects/:projectId/agents', summary: 'This project’s agents', tags: ['agents'],
    access: { kind: 'gated', action: 'agents:read', resource: projectResource }, params: ProjectParams, querystring: StrictObject(CursorQuery),
    async handler({ db, params, query }) {
      const page = await cursorPage<AgentRow>(db('agents').where({ project_id: params.projectId }).whereNull('deleted_at').select(AGENT_COLUMNS),
        { cursor: query.cursor, pageSize: query.page_size ?? 50, timeColumn: 'created_at', idColumn: 'id', order: 'asc' });
      return { items: page.items.map(agentView), next_cursor: page.next_cursor };
    },
  });

  router.route({
    method: 'POST', name: 'agents.project.create', url: '/projects/:projectId/agents',
    summary: 'Create a project agent; with role_ids it also becomes a member (needs project.members:write and roles:assign)', tags: ['agents'], status: 201,
    access: { kind: 'gated', action: 'agents:write', resource: projectResource }, params: ProjectParams, body: CreateProjectAgent,
    async handler({ db, params, body, principal, policies, can, reply }) {
      const { role_ids: roleIds, ...input } = body;
      if (roleIds && !can('project.members:write', projectResource(params))) {
        throw Forbidden({ action: 'project.members:write', resource: projectResource(params) });
      }
      const agent = await agents.create(db, params.projectId, input, principal);
      if (roleIds) {
        await addProjectMember(db, { clock, roles, activity, events }, {
          projectId: params.projectId, member: { type: 'agent', id: agent.id, handle: agent.handle }, roleIds, actor: principal, actorPolicies: policies,
        });
      }
      reply.header('etag', `"${agent.version}"`);
      return agentView(agent);
    },
  });

  router.route({
    method: 'GET', name: 'agents.project.get', url: '/projects/:projectId/agents/:agentId', summary: 'Get a project agent', tags: ['agents'],
    access: { kind: 'gated', action: 'agents:read', resource: agentResource }, params: ProjectAgentParams,
    async handler({ db, params, reply }) {
      const agent = await agents.load(db, params.projectId, params.agentId);
      reply.header('etag', `"${agent.version}"`);
      return agentView(agent);
    },
  });

  router.route({
    method: 'PATCH', name: 'agents.project.update', url: '/projects/:projectId/agents/:agentId', summary: 'Edit a project agent (send version or If-Match to make it conditional)', tags: ['agents'],
    access: { kind: 'gated', action: 'agents:write', resource: agentResource }, params: ProjectAgentParams, body: UpdateAgent,
    async handler({ db, params, body, principal, request, reply }) {
      const { version, ...patch } = body;
      const agent = await agents.load(db, params.projectId, params.agentId);
      const updated = await agents.update(db, agent, patch, principal, expectedVersion(request, version));
      reply.header('etag', `"${updated.version}"`);
      return agentView(updated);
    },
  });

  router.route({
    method: 'DELETE', name: 'agents.project.delete', url: '/projects/:projectId/agents/:agentId', summary: 'Delete a project agent (soft; its keys, roles and memberships end)', tags: ['agents'], status: 204,
    access: { kind: 'gated', action: 'agents:write', resource: agentResource }, params: ProjectAgentParams,
    async handler({ db, params, principal }) {
      await agents.delete(db, await agents.load(db, params.projectId, params.agentId), principal);
      return null;
    },
  });
}
