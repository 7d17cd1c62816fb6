import { randomUUID } from 'node:crypto';
import type { TObject } from '@sinclair/typebox';
import type { Knex } from 'knex';
import { generateApiKey } from '../auth/api-keys.js';
import { ApiKeyNotFound, ValidationFailed } from '../http/kernel-errors.js';
import { cursorPage } from '../http/pagination.js';
import type { Router } from '../http/router.js';
import { CursorQuery, StrictObject, Uuid } from '../http/schemas.js';
import type { KernelServices } from '../services.js';
import { assertHoldsAgentAuthority } from './agent-authority.js';
import { CreateAgentApiKey, GlobalAgentParams, ProjectAgentParams } from './agent-schemas.js';
import type { AgentService } from './agent-service.js';
import type { AgentRow } from './agent-view.js';

interface AgentApiKeyRow {
  id: string;
  agent_id: string;
  name: string;
  key_prefix: string;
  created_by: string | null;
  created_at: Date;
  last_used_at: Date | null;
  expires_at: Date | null;
}

const KEY_COLUMNS = ['id', 'agent_id', 'name', 'key_prefix', 'created_by', 'created_at', 'last_used_at', 'expires_at'];

const iso = (value: Date | null) => (value ? new Date(value).toISOString() : null);

function agentApiKeyView(row: AgentApiKeyRow) {
  return {
    id: row.id,
    agent_id: row.agent_id,
    name: row.name,
    key_prefix: row.key_prefix,
    created_by: row.created_by,
    created_at: iso(row.created_at),
    last_used_at: iso(row.last_used_at),
    expires_at: iso(row.expires_at),
  };
}

/** Where an agent's keys are managed: under its project, or under `/admin` for a global agent. */
interface Mount {
  base: string;
  params: TObject;
  resource(params: Record<string, string>): string;
  load(db: Knex, params: Record<string, string>): Promise<AgentRow>;
}

/**
 * Per-agent API keys (D14): `paca_…` keys that authenticate as the agent. Like personal keys
 * (D5) the secret is shown once and managing them needs a session token, so a leaked key cannot
 * mint more; minting also needs holding everything the agent may do (see agent-authority.ts).
 */
export function registerAgentApiKeyRoutes(router: Router, services: KernelServices & { agents: AgentService }): void {
  const { agents, clock, iam } = services;
  const mounts: Mount[] = [
    {
      base: '/projects/:projectId/agents/:agentId/api-keys', params: ProjectAgentParams,
      resource: (p) => `project/${p.projectId}/agent/${p.agentId}`, load: (db, p) => agents.load(db, p.projectId!, p.agentId!),
    },
    {
      base: '/admin/agents/:agentId/api-keys', params: GlobalAgentParams,
      resource: (p) => `agent/${p.agentId}`, load: (db, p) => agents.load(db, null, p.agentId!),
    },
  ];

  for (const mount of mounts) {
    router.route({
      method: 'GET', url: mount.base, summary: 'An agent’s active API keys (prefix only)', tags: ['agents', 'api-keys'],
      access: { kind: 'gated', action: 'agents:read', resource: mount.resource, jwtOnly: true }, params: mount.params, querystring: StrictObject(CursorQuery),
      async handler({ db, params, query }) {
        const agent = await mount.load(db, params as Record<string, string>);
        const page = await cursorPage<AgentApiKeyRow>(
          db('agent_api_keys').where({ agent_id: agent.id }).whereNull('revoked_at').select(KEY_COLUMNS),
          { cursor: query.cursor, pageSize: query.page_size ?? 50, timeColumn: 'created_at', idColumn: 'id', order: 'desc' },
        );
        return { items: page.items.map(agentApiKeyView), next_cursor: page.next_cursor };
      },
    });

    router.route({
      method: 'POST', url: mount.base, summary: 'Create an API key for the agent; its secret is shown only in this response', tags: ['agents', 'api-keys'], status: 201,
      access: { kind: 'gated', action: 'agents:write', resource: mount.resource, jwtOnly: true }, params: mount.params, body: CreateAgentApiKey,
      async handler({ db, params, body, principal, policies }) {
        const agent = await mount.load(db, params as Record<string, string>);
        const now = clock.now();
        const expiresAt = body.expires_at ? new Date(body.expires_at) : null;
        if (expiresAt && expiresAt <= now) throw ValidationFailed({ issues: [{ path: 'expires_at', message: 'must be in the future' }] });
        await assertHoldsAgentAuthority(db, iam, policies, agent);
        const generated = generateApiKey();
        const row: AgentApiKeyRow = {
          id: randomUUID(), agent_id: agent.id, name: body.name.trim(), key_prefix: generated.keyPrefix, created_by: principal!.id,
          created_at: now, last_used_at: null, expires_at: expiresAt,
        };
        await db('agent_api_keys').insert({ ...row, key_hash: generated.keyHash });
        return { ...agentApiKeyView(row), key: generated.key };
      },
    });

    router.route({
      method: 'DELETE', url: `${mount.base}/:keyId`, summary: 'Revoke an agent’s API key', tags: ['agents', 'api-keys'], status: 204,
      access: { kind: 'gated', action: 'agents:write', resource: mount.resource, jwtOnly: true },
      params: StrictObject({ ...mount.params.properties, keyId: Uuid }),
      async handler({ db, params }) {
        const agent = await mount.load(db, params as Record<string, string>);
        const revoked = await db('agent_api_keys').where({ id: (params as Record<string, string>).keyId, agent_id: agent.id }).whereNull('revoked_at')
          .update({ revoked_at: clock.now() });
        if (revoked === 0) throw ApiKeyNotFound({});
        return null;
      },
    });
  }
}
