import type { ApiClient } from '@paca/plugin-sdk/web';

export interface PrincipalRefLike {
  type: 'user' | 'agent';
  id: string;
}

export interface PersonName {
  name: string;
  agent: boolean;
}

interface MemberRow {
  member_type: 'human' | 'agent';
  user: { id: string; username: string; full_name: string | null } | null;
  agent: { id: string; handle: string; name: string | null } | null;
}

/** Names of the project's members by `type:id`, for snapshot and doc authors (which the docs API gives as refs). */
export async function loadMemberNames(api: ApiClient, projectId: string): Promise<Map<string, PersonName>> {
  const names = new Map<string, PersonName>();
  try {
    const members = await api.all<MemberRow>(`/projects/${projectId}/members`, { page_size: 100 }, 1000);
    for (const m of members) {
      if (m.user) names.set(`user:${m.user.id}`, { name: m.user.full_name || m.user.username, agent: false });
      if (m.agent) names.set(`agent:${m.agent.id}`, { name: m.agent.name || m.agent.handle, agent: true });
    }
  } catch {
    // Members are not readable for everyone (anonymous on a public project): authors stay generic.
  }
  return names;
}

export function nameOf(names: Map<string, PersonName>, ref: PrincipalRefLike | null | undefined): PersonName {
  if (!ref) return { name: 'Someone', agent: false };
  return names.get(`${ref.type}:${ref.id}`) ?? { name: ref.type === 'agent' ? 'An agent' : 'A former member', agent: ref.type === 'agent' };
}
