import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import type { Principal } from '../auth/principal.js';
import type { Clock } from '../clock.js';
import {
  Forbidden, RoleEscalation, RoleIsDefault, RoleIsSystem, RoleLastFullAccess, RoleNameTaken, RoleNotAttachable, RoleNotFound,
} from '../http/kernel-errors.js';
import { agentAttachableIn } from '../agents/agent-scope.js';
import { isUniqueViolation } from '../db/errors.js';
import {
  PLATFORM_FULL_ACCESS_KEY, PLATFORM_ROLES, PROJECT_FULL_ACCESS_KEY, projectRoleTemplates, type BuiltinRole,
} from './builtin-roles.js';
import type { IamService } from './iam-service.js';
import { assertPolicyUsable, type Policy } from './policy.js';
import type { PolicySet } from './policy-set.js';

export interface RoleRow {
  id: string;
  name: string;
  description: string;
  policy: Policy;
  project_id: string | null;
  is_system: boolean;
  is_default: boolean;
  builtin_key: string | null;
  created_at: Date;
  updated_at: Date;
}

export interface RoleInput {
  name: string;
  description?: string;
  policy: Policy;
}

export interface PrincipalRef {
  type: 'user' | 'agent';
  id: string;
}

export function roleView(row: RoleRow) {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    policy: row.policy,
    project_id: row.project_id,
    is_system: row.is_system,
    is_default: row.is_default,
    created_at: new Date(row.created_at).toISOString(),
    updated_at: new Date(row.updated_at).toISOString(),
  };
}

/** Where a role may be attached and checked: the platform or one project. */
type Scope = { projectId: string | null };

const roleResource = (scope: Scope, roleId: string) =>
  scope.projectId ? `project/${scope.projectId}/role/${roleId}` : `role/${roleId}`;

/**
 * Roles and attachments (reference 3.1–3.2) with the guard rails: you cannot grant or attach what
 * you do not hold, built-ins cannot be deleted, and nobody removes the last full-access holder.
 */
export class RoleService {
  constructor(private readonly iam: IamService, private readonly clock: Clock) {}

  /** Creates missing platform built-ins; never overwrites an edited one (reference 3.2). */
  async seedPlatformRoles(db: Knex): Promise<void> {
    for (const builtin of PLATFORM_ROLES) {
      const existing = await db('roles').whereNull('project_id').where({ builtin_key: builtin.key }).first('id');
      if (!existing) await this.insertBuiltin(db, builtin, null);
    }
  }

  /** Instantiates Admin, Editor and Viewer for a new project; returns their ids by key. */
  async seedProjectRoles(db: Knex, projectId: string): Promise<Record<string, string>> {
    const ids: Record<string, string> = {};
    for (const builtin of projectRoleTemplates(projectId)) ids[builtin.key] = await this.insertBuiltin(db, builtin, projectId);
    return ids;
  }

  async platformRoleId(db: Knex, key: string): Promise<string> {
    const row = await db('roles').whereNull('project_id').where({ builtin_key: key }).first('id');
    if (!row) throw RoleNotFound({}, { message: `built-in role ${key} is missing` });
    return row.id;
  }

  async defaultRoleId(db: Knex): Promise<string | null> {
    const row = await db('roles').whereNull('project_id').where({ is_default: true }).first('id');
    return row?.id ?? null;
  }

  async get(db: Knex, scope: Scope, roleId: string): Promise<RoleRow> {
    const query = db('roles').where({ id: roleId });
    if (scope.projectId) query.where({ project_id: scope.projectId });
    else query.whereNull('project_id');
    const row = await query.first<RoleRow>();
    if (!row) throw RoleNotFound({});
    return row;
  }

  async create(db: Knex, scope: Scope, input: RoleInput, actor: PolicySet): Promise<RoleRow> {
    this.assertGrantable(actor, input.policy, scope);
    const now = this.clock.now();
    const row: RoleRow = {
      id: randomUUID(), name: input.name.trim(), description: input.description?.trim() ?? '', policy: input.policy,
      project_id: scope.projectId, is_system: false, is_default: false, builtin_key: null, created_at: now, updated_at: now,
    };
    await this.write(() => db('roles').insert({ ...row, policy: JSON.stringify(row.policy) }));
    return row;
  }

  async update(db: Knex, scope: Scope, roleId: string, input: RoleInput, actor: PolicySet): Promise<RoleRow> {
    const current = await this.get(db, scope, roleId);
    this.assertGrantable(actor, input.policy, scope);
    if (current.builtin_key === this.fullAccessKey(scope) && !this.grantsFullAccess(input.policy, scope)) {
      throw RoleLastFullAccess({}, { message: `${current.name} must keep full access` });
    }
    const changes = { name: input.name.trim(), description: input.description?.trim() ?? '', policy: JSON.stringify(input.policy), updated_at: this.clock.now() };
    await this.write(() => db('roles').where({ id: roleId }).update(changes));
    return { ...current, ...changes, policy: input.policy };
  }

  async delete(db: Knex, scope: Scope, roleId: string): Promise<RoleRow> {
    const role = await this.get(db, scope, roleId);
    if (role.is_system) throw RoleIsSystem({});
    if (role.is_default) throw RoleIsDefault({});
    await db('roles').where({ id: roleId }).delete();
    return role;
  }

  /** Every new user will hold the default role, so only someone holding all it grants may choose it. */
  async setDefault(db: Knex, roleId: string, actor: PolicySet): Promise<RoleRow> {
    const role = await this.get(db, { projectId: null }, roleId);
    this.assertGrantable(actor, role.policy, { projectId: null });
    await db('roles').whereNull('project_id').where({ is_default: true }).update({ is_default: false });
    await db('roles').where({ id: roleId }).update({ is_default: true, updated_at: this.clock.now() });
    return { ...role, is_default: true };
  }

  /** Roles attached to a principal in a scope (platform-wide or one project). */
  async attached(db: Knex, principal: PrincipalRef, scope: Scope): Promise<RoleRow[]> {
    const query = db('role_attachments as a').join('roles as r', 'r.id', 'a.role_id')
      .where({ 'a.principal_type': principal.type, 'a.principal_id': principal.id }).select('r.*').orderBy('r.name');
    if (scope.projectId) query.where('a.project_id', scope.projectId);
    else query.whereNull('a.project_id');
    return (await query) as RoleRow[];
  }

  /**
   * Replaces a principal's roles in a scope. Attaching or detaching role R needs `roles:assign` on
   * it (like iam:PassRole) and holding everything R grants; the last full-access holder stays.
   */
  async replaceAttachments(db: Knex, params: {
    principal: PrincipalRef; scope: Scope; roleIds: string[]; actor: Principal | null; actorPolicies: PolicySet;
  }): Promise<{ added: RoleRow[]; removed: RoleRow[]; roles: RoleRow[] }> {
    const { principal, scope, actorPolicies } = params;
    if (principal.type === 'agent') await agentAttachableIn(db, principal.id, scope.projectId);
    const wanted = [...new Set(params.roleIds)];
    const roles: RoleRow[] = [];
    for (const roleId of wanted) {
      const role = await db('roles').where({ id: roleId }).first<RoleRow>();
      if (!role || (role.project_id ?? null) !== scope.projectId) throw RoleNotAttachable({ role_id: roleId });
      roles.push(role);
    }
    const current = await this.attached(db, principal, scope);
    const currentIds = new Set(current.map((r) => r.id));
    const added = roles.filter((r) => !currentIds.has(r.id));
    const removed = current.filter((r) => !wanted.includes(r.id));
    for (const role of [...added, ...removed]) {
      const resource = roleResource(scope, role.id);
      if (!this.iam.allows(actorPolicies, 'roles:assign', resource)) throw Forbidden({ action: 'roles:assign', resource });
    }
    for (const role of added) this.assertGrantable(actorPolicies, role.policy, scope);
    const fullAccess = this.fullAccessKey(scope);
    // Losing full access, or keeping the role but adding a Deny that fences it, needs another holder.
    const keepsFullAccess = roles.some((r) => r.builtin_key === fullAccess);
    const addsDeny = added.some((r) => r.policy.statements.some((st) => st.effect === 'Deny'));
    if (removed.some((r) => r.builtin_key === fullAccess) || (keepsFullAccess && addsDeny)) {
      await this.assertAnotherFullAccessHolder(db, scope, principal);
    }
    if (removed.length > 0) {
      const query = db('role_attachments').where({ principal_type: principal.type, principal_id: principal.id })
        .whereIn('role_id', removed.map((r) => r.id));
      if (scope.projectId) query.where({ project_id: scope.projectId });
      else query.whereNull('project_id');
      await query.delete();
    }
    const now = this.clock.now();
    for (const role of added) {
      await db('role_attachments').insert({
        id: randomUUID(), role_id: role.id, principal_type: principal.type, principal_id: principal.id,
        project_id: scope.projectId, created_by: params.actor?.id ?? null, created_at: now,
      });
    }
    return { added, removed, roles };
  }

  /** Attaches without checks: bootstrap and project creation (the creator becomes Admin). */
  async attachTrusted(db: Knex, principal: PrincipalRef, roleId: string, projectId: string | null, createdBy: string | null): Promise<void> {
    await db('role_attachments').insert({
      id: randomUUID(), role_id: roleId, principal_type: principal.type, principal_id: principal.id,
      project_id: projectId, created_by: createdBy, created_at: this.clock.now(),
    });
  }

  /** Refuses removing `principal` from full access when nobody else would keep it. */
  async assertAnotherFullAccessHolder(db: Knex, scope: Scope, principal: PrincipalRef): Promise<void> {
    const query = db('role_attachments as a').join('roles as r', 'r.id', 'a.role_id')
      .where('r.builtin_key', this.fullAccessKey(scope))
      .whereNot((q) => q.where({ 'a.principal_type': principal.type, 'a.principal_id': principal.id }))
      .leftJoin('users as u', (j) => j.on('u.id', '=', 'a.principal_id').andOnVal('a.principal_type', '=', 'user'))
      .whereNull('u.deleted_at')
      .leftJoin('agents as ag', (j) => j.on('ag.id', '=', 'a.principal_id').andOnVal('a.principal_type', '=', 'agent'))
      .whereNull('ag.deleted_at');
    if (scope.projectId) query.where({ 'r.project_id': scope.projectId, 'a.project_id': scope.projectId });
    else query.whereNull('r.project_id').whereNull('a.project_id');
    // A holder fenced by any Deny (here or platform-wide) does not count as full access.
    query.whereNotExists((q) => q.select(db.raw('1')).from('role_attachments as d').join('roles as dr', 'dr.id', 'd.role_id')
      .whereRaw('d.principal_type = a.principal_type AND d.principal_id = a.principal_id')
      .where((w) => w.whereNull('d.project_id').orWhereRaw('d.project_id IS NOT DISTINCT FROM a.project_id'))
      // `\\?` keeps knex from reading the jsonpath filter as a binding placeholder.
      .whereRaw(`jsonb_path_exists(dr.policy, '$.statements[*] \\? (@.effect == "Deny")')`));
    const other = await query.first('a.id');
    if (!other) throw RoleLastFullAccess({});
  }

  /** Escalation guard: every Allow in `policy` must be held by the actor, with no Deny touching it. */
  assertGrantable(actor: PolicySet, policy: Policy, scope: Scope): void {
    assertPolicyUsable(policy, this.iam.knownActions(), scope.projectId);
    this.assertHeld(actor, policy);
  }

  /** Refuses (403) unless the actor holds every Allow in `policy` with no Deny touching it. */
  assertHeld(actor: PolicySet, policy: Policy): void {
    for (const statement of policy.statements) {
      if (statement.effect !== 'Allow') continue;
      for (const action of statement.actions) {
        for (const resource of statement.resources) {
          if (!actor.holds(action, resource)) throw RoleEscalation({ action, resource });
        }
      }
    }
  }

  private fullAccessKey(scope: Scope): string {
    return scope.projectId ? PROJECT_FULL_ACCESS_KEY : PLATFORM_FULL_ACCESS_KEY;
  }

  private grantsFullAccess(policy: Policy, scope: Scope): boolean {
    const root = scope.projectId ? `project/${scope.projectId}/*` : '*';
    return policy.statements.some((s) => s.effect === 'Allow' && s.actions.includes('*') && s.resources.includes(root))
      && !policy.statements.some((s) => s.effect === 'Deny');
  }

  private async insertBuiltin(db: Knex, builtin: BuiltinRole, projectId: string | null): Promise<string> {
    const now = this.clock.now();
    const id = randomUUID();
    await db('roles').insert({
      id, name: builtin.name, description: builtin.description, policy: JSON.stringify(builtin.policy), project_id: projectId,
      is_system: true, is_default: builtin.isDefault, builtin_key: builtin.key, created_at: now, updated_at: now,
    });
    return id;
  }

  private async write(run: () => Promise<unknown>): Promise<void> {
    try {
      await run();
    } catch (error) {
      if (isUniqueViolation(error)) throw RoleNameTaken({}, { cause: error });
      throw error;
    }
  }
}
