import type { PluginDb, PluginMembers, PrincipalRef, ProjectMember } from '@paca/plugin-sdk';
import type { Knex } from 'knex';
import { isUuid } from '../http/schemas.js';
import { knexOf } from './plugin-db.js';

/** Live members with their handle and display name: a user's username, an agent's handle (D14). */
function members(db: Knex, projectId: string | readonly string[]): Knex.QueryBuilder {
  const query = db('project_members as m')
    .leftJoin('users as u', 'u.id', 'm.user_id')
    .leftJoin('agents as a', 'a.id', 'm.agent_id');
  if (typeof projectId === 'string') query.where('m.project_id', projectId);
  else query.whereIn('m.project_id', projectId.filter(isUuid));
  return query.whereNull('m.deleted_at')
    .select('m.id', 'm.project_id', 'm.member_type', 'm.user_id', 'm.agent_id',
      db.raw('coalesce(u.username, a.handle) as handle'), db.raw('coalesce(u.full_name, a.name) as name'));
}

const principalColumn = (principal: PrincipalRef) => (principal.type === 'agent' ? 'm.agent_id' : 'm.user_id');

/** `coreServices.members`: project membership for plugins (assignees, reporters, mentions are member ids). */
export const pluginMembers: PluginMembers = {
  async list(db: PluginDb, projectId: string): Promise<ProjectMember[]> {
    return members(knexOf(db), projectId).orderBy([{ column: 'm.created_at' }, { column: 'm.id' }]);
  },
  async byIds(db: PluginDb, projectId: string, ids: readonly string[]): Promise<ProjectMember[]> {
    const valid = ids.filter(isUuid);
    if (valid.length === 0) return [];
    return members(knexOf(db), projectId).whereIn('m.id', valid);
  },
  async byHandles(db: PluginDb, projectId: string, handles: readonly string[]): Promise<ProjectMember[]> {
    if (handles.length === 0) return [];
    const lower = [...new Set(handles.map((h) => h.toLowerCase()))];
    return members(knexOf(db), projectId).whereRaw('lower(coalesce(u.username, a.handle)) = any(?::text[])', [lower]);
  },
  async ofPrincipal(db: PluginDb, projectId: string, principal: PrincipalRef): Promise<ProjectMember | null> {
    return ((await members(knexOf(db), projectId).where(principalColumn(principal), principal.id).first()) as ProjectMember | undefined) ?? null;
  },
  async ofPrincipalIn(db: PluginDb, projectIds: readonly string[], principal: PrincipalRef): Promise<ProjectMember[]> {
    if (projectIds.length === 0) return [];
    return members(knexOf(db), projectIds).where(principalColumn(principal), principal.id);
  },
};
