/** Who is calling: a user or an agent (D14). */
export interface Principal {
  type: 'user' | 'agent';
  id: string;
  /** The handle: a user's username or an agent's handle (unique across both, D14). */
  username: string;
  /** How the request proved it: cookie-authenticated writes get CSRF checks (D6). Agents only use API keys. */
  via: 'cookie' | 'bearer' | 'api_key';
  apiKeyId: string | null;
  /** Always false for agents: they have no password. */
  mustChangePassword: boolean;
  /** A project agent's project: it never acts outside it. Null for users and global agents. */
  agentProjectId: string | null;
}
