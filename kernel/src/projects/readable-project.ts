import type { Knex } from 'knex';
import type { Principal } from '../auth/principal.js';
import { ProjectNotFound } from '../http/kernel-errors.js';
import { loadLiveProject, type LiveProject } from '../http/router.js';
import type { IamService } from '../iam/iam-service.js';
import type { PolicySet } from '../iam/policy-set.js';

/**
 * A project named in a query string (`?project_id=`), as the router treats one in a path: live,
 * readable by the caller (public grants included, D14 confinement kept), else 404.
 */
export async function readableProject(db: Knex, iam: IamService, principal: Principal | null, policies: PolicySet, projectId: string):
  Promise<{ project: LiveProject; policies: PolicySet }> {
  const project = await loadLiveProject(db, projectId.toLowerCase());
  if (!project) throw ProjectNotFound({});
  const scoped = iam.readerPolicies(policies, principal, project);
  if (!iam.allows(scoped, 'projects:read', `project/${project.id}`)) throw ProjectNotFound({});
  return { project, policies: scoped };
}
