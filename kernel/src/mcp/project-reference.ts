import type { Knex } from 'knex';
import type { Principal } from '../auth/principal.js';
import { ProjectNotFound } from '../http/kernel-errors.js';
import type { LiveProject } from '../http/router.js';
import { isUuid } from '../http/schemas.js';
import type { IamService } from '../iam/iam-service.js';
import type { PolicySet } from '../iam/policy-set.js';
import { readableProject } from '../projects/readable-project.js';

/**
 * A project as an agent names it (D31): its id, else its task ID prefix (any case), else its exact
 * name (case-insensitively, as names are unique). Only projects the caller may read are found;
 * the others are 404 `PROJECT_NOT_FOUND`, like an unknown one.
 */
export async function resolveProjectReference(db: Knex, iam: IamService, principal: Principal | null, policies: PolicySet, reference: string):
  Promise<{ project: LiveProject; policies: PolicySet }> {
  const value = reference.trim();
  const id = isUuid(value) ? value : await findByPrefixOrName(db, value);
  if (!id) throw ProjectNotFound({}, { message: `no project has the id, task ID prefix or name "${value}"` });
  return readableProject(db, iam, principal, policies, id);
}

async function findByPrefixOrName(db: Knex, value: string): Promise<string | null> {
  const live = () => db('projects').whereNull('deleted_at');
  const byPrefix = await live().where({ task_id_prefix: value.toUpperCase() }).first<{ id: string } | undefined>('id');
  if (byPrefix) return byPrefix.id;
  const byName = await live().whereRaw('lower(name) = lower(?)', [value]).first<{ id: string } | undefined>('id');
  return byName?.id ?? null;
}
