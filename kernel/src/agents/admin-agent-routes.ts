import { Type } from '@sinclair/typebox';
import { AgentRolesChanged } from '../events/kernel-events.js';
import { expectedVersion } from '../http/expected-version.js';
import { cursorPage } from '../http/pagination.js';
import type { Router } from '../http/router.js';
import { CursorQuery, StrictObject, Uuid } from '../http/schemas.js';
import { roleView, type RoleService } from '../iam/role-service.js';
import type { KernelServices } from '../services.js';
import { CreateAgent, GlobalAgentParams, UpdateAgent } from './agent-schemas.js';
import type { AgentService } from './agent-service.js';
import { AGENT_COLUMNS, agentView, type AgentRow } from './agent-view.js';

const agentResource = (p: Record<string, string>) => `agent/${p.agentId}`;

/** Global agents under `/admin/agents` and their platform roles (reference 2.3 "Global agents", D14). */
export function registerAdminAgentRoutes(router: Router, services: KernelServices & { roles: RoleService; agents: AgentService }): void {
  const { agents, roles, events } = services;

  router.route({
    method: 'GET', url: '/admin/agents', summary: 'Global agents', tags: ['agents', 'admin'],
    access: { kind: 'gated', action: 'agents:read', resource: () => 'agent/*' }, querystring: StrictObject(CursorQuery),
    async handler({ db, query }) {
      const page = await cursorPage<AgentRow>(db('agents').whereNull('project_id').whereNull('deleted_at').select(AGENT_COLUMNS),
        { cursor: query.cursor, pageSize: query.page_size ?? 50, timeColumn: 'created_at', idColumn: 'id', order: 'asc' });
      return { items: page.items.map(agentView), next_cursor: page.next_cursor };
    },
  });

  router.route({
    method: 'POST', url: '/admin/agents', summary: 'Create a global agent (no roles until attached)', tags: ['agents', 'admin'], status: 201,
    access: { kind: 'gated', action: 'agents:write', resource: () => 'agent/*' }, body: CreateAgent,
    async handler({ db, body, principal, reply }) {
      const agent = await agents.create(db, null, body, principal);
      reply.header('etag', `"${agent.version}"`);
      return agentView(agent);
    },
  });

  router.route({
    method: 'GET', url: '/admin/agents/:agentId', summary: 'Get a global agent', tags: ['agents', 'admin'],
    access: { kind: 'gated', action: 'agents:read', resource: agentResource }, params: GlobalAgentParams,
    async handler({ db, params, reply }) {
      const agent = await agents.load(db, null, params.agentId);
      reply.header('etag', `"${agent.version}"`);
      return agentView(agent);
    },
  });

  router.route({
    method: 'PATCH', url: '/admin/agents/:agentId', summary: 'Edit a global agent (send version or If-Match to make it conditional)', tags: ['agents', 'admin'],
    access: { kind: 'gated', action: 'agents:write', resource: agentResource }, params: GlobalAgentParams, body: UpdateAgent,
    async handler({ db, params, body, principal, request, reply }) {
      const { version, ...patch } = body;
      const updated = await agents.update(db, await agents.load(db, null, params.agentId), patch, principal, expectedVersion(request, version));
      reply.header('etag', `"${updated.version}"`);
      return agentView(updated);
    },
  });

  router.route({
    method: 'DELETE', url: '/admin/agents/:agentId', summary: 'Delete a global agent (soft; its keys, roles and memberships end)', tags: ['agents', 'admin'], status: 204,
    access: { kind: 'gated', action: 'agents:write', resource: agentResource }, params: GlobalAgentParams,
    async handler({ db, params, principal }) {
      await agents.delete(db, await agents.load(db, null, params.agentId), principal);
      return null;
    },
  });

  router.route({
    method: 'GET', url: '/admin/agents/:agentId/roles', summary: 'A global agent’s platform roles', tags: ['agents', 'admin', 'iam'],
    access: { kind: 'gated', action: 'agents:read', resource: agentResource }, params: GlobalAgentParams,
    async handler({ db, params }) {
      await agents.load(db, null, params.agentId);
      return { items: (await roles.attached(db, { type: 'agent', id: params.agentId }, { projectId: null })).map(roleView) };
    },
  });

  router.route({
    method: 'PUT', url: '/admin/agents/:agentId/roles', summary: 'Replace a global agent’s platform roles (needs roles:assign on each)', tags: ['agents', 'admin', 'iam'],
    access: { kind: 'gated', action: 'agents:write', resource: agentResource }, params: GlobalAgentParams,
    body: StrictObject({ role_ids: Type.Array(Uuid, { maxItems: 20 }) }),
    async handler({ db, params, body, principal, policies }) {
      const agent = await agents.load(db, null, params.agentId);
      const result = await roles.replaceAttachments(db, { principal: { type: 'agent', id: agent.id }, scope: { projectId: null }, roleIds: body.role_ids, actor: principal, actorPolicies: policies });
      if (result.added.length + result.removed.length > 0) {
        await events.emit(db, AgentRolesChanged, { projectId: null, actor: principal, payload: {
          agent_id: agent.id, project_id: null, handle: agent.handle, added: result.added.map((r) => r.id), removed: result.removed.map((r) => r.id) } });
      }
      return { items: result.roles.map(roleView) };
    },
  });
}
