import type { PacaApiClient } from './paca-api-client.js';
import { errorParts } from './paca-api-error.js';
import { StdioConfigError } from './stdio-config.js';
import type { ToolBackend } from './tool-backend.js';

export interface Principal {
  id: string;
  username: string;
  /** `agent` for agent keys; users' profiles leave it out. */
  principal_type?: string;
}

/**
 * Who the key belongs to (`GET /users/me`), checked at startup so a wrong key fails loudly instead
 * of on the agent's first call. With `PACA_AGENT_ID` the key must be that agent's. Returns null when
 * the API cannot be reached and no agent is expected (the server starts; calls report the outage).
 */
export async function verifyPrincipal(api: PacaApiClient, agentId: string | null): Promise<Principal | null> {
  let me: Principal;
  try {
    me = await api.request<Principal>('GET', '/users/me');
  } catch (error) {
    const { code, message } = errorParts(error);
    const status = (error as { status?: unknown }).status;
    if (status === 401 || status === 403) throw new StdioConfigError(`PACA_API_KEY was refused by the Paca API (${code}: ${message})`);
    if (agentId) throw new StdioConfigError(`cannot check that PACA_API_KEY belongs to agent ${agentId}: ${code}: ${message}`);
    return null;
  }
  if (agentId && (me.principal_type !== 'agent' || me.id !== agentId)) {
    const actual = me.principal_type === 'agent' ? `agent ${me.id} (${me.username})` : `user ${me.username}`;
    throw new StdioConfigError(`PACA_AGENT_ID is ${agentId} but PACA_API_KEY belongs to ${actual}`);
  }
  return me;
}

/**
 * A pin must name a project the key can read: otherwise every listing and call would fail with
 * PROJECT_NOT_FOUND, so say it once at startup. Other failures (API down) are left to the calls.
 */
export async function verifyPin(backend: ToolBackend, pinnedProject: string | null): Promise<string | null> {
  if (!pinnedProject) return null;
  try {
    // The pin fills in the left-out projectId; the answer carries the id the realtime room needs.
    const [first] = (await backend.callTool('get_project', {})).content;
    const project = first?.type === 'text' ? JSON.parse(first.text) as { id?: unknown } : null;
    return typeof project?.id === 'string' ? project.id : null;
  } catch (error) {
    const { code, message } = errorParts(error);
    if (code === 'PROJECT_NOT_FOUND') throw new StdioConfigError(`PACA_PROJECT_ID "${pinnedProject}" is no project this key can read (${message})`);
    return null;
  }
}
