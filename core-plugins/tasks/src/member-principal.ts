import type { PrincipalRef, ProjectMember } from '@paca/plugin-sdk';

/** Whether the membership is `principal`'s own (a user's or an agent's): nobody is notified about their own doing. */
export const isOwnMembership = (member: ProjectMember, principal: PrincipalRef | null): boolean =>
  principal !== null && (principal.type === 'user' ? member.user_id === principal.id : member.agent_id === principal.id);
