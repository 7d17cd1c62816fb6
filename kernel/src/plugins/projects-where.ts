import type { Knex } from 'knex';
import type { IamService } from '../iam/iam-service.js';
import type { PolicySet } from '../iam/policy-set.js';

/** A project id nobody has: a grant that covers it covers every project. */
const UNNAMED_PROJECT = 'project/00000000-0000-4000-8000-000000000000';

/**
 * The live projects where the policies allow `action` and `pluginId` is enabled: the list scope
 * of cross-project lists (`GET /users/me/tasks`). Public grants do not count: such lists are the
 * caller's own work, not every public project.
 */
export async function projectsWhere(db: Knex, iam: IamService, policies: PolicySet, pluginId: string, action: string): Promise<string[]> {
  const everywhere = iam.allows(policies, action, UNNAMED_PROJECT);
  const named = iam.namedProjects(policies);
  if (!everywhere && named.length === 0) return [];
  const query = db('projects as p').whereNull('p.deleted_at')
    .whereNotExists(db('project_plugins as pp').whereRaw('pp.project_id = p.id').andWhere({ 'pp.plugin_id': pluginId, 'pp.enabled': false }))
    .select('p.id');
  if (!everywhere) query.whereIn('p.id', named);
  const rows = (await query) as Array<{ id: string }>;
  return rows.map((r) => r.id).filter((id) => iam.allows(policies, action, `project/${id}`));
}
