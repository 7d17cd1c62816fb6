export interface AgentRow {
  id: string;
  project_id: string | null;
  handle: string;
  name: string;
  description: string;
  avatar_url: string | null;
  version: number;
  created_by: string | null;
  created_at: Date;
  updated_at: Date;
}

export const AGENT_COLUMNS = ['id', 'project_id', 'handle', 'name', 'description', 'avatar_url', 'version', 'created_by', 'created_at', 'updated_at'];

/** Handles follow usernames (D11, D14): they share one namespace. */
export const HANDLE_PATTERN = '^[a-z0-9_.-]{3,32}$';

/** The public shape of an agent principal (reference 1.9, the kernel's part of it). */
export function agentView(row: AgentRow) {
  return {
    id: row.id,
    project_id: row.project_id,
    agent_scope: row.project_id ? 'project' as const : 'global' as const,
    handle: row.handle,
    name: row.name,
    description: row.description,
    avatar_url: row.avatar_url,
    version: row.version,
    created_by: row.created_by,
    created_at: new Date(row.created_at).toISOString(),
    updated_at: new Date(row.updated_at).toISOString(),
  };
}

/**
 * What `GET /users/me` answers to an agent key: the user profile's fields where they make sense
 * (the handle as `username`, the name as `full_name`), marked `principal_type: "agent"`.
 */
export function agentSelfView(row: AgentRow) {
  return {
    id: row.id,
    principal_type: 'agent' as const,
    username: row.handle,
    full_name: row.name,
    email: null,
    must_change_password: false,
    agent: agentView(row),
    created_at: new Date(row.created_at).toISOString(),
    updated_at: new Date(row.updated_at).toISOString(),
  };
}
