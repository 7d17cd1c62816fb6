import { randomBytes, randomUUID } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Knex } from 'knex';
import type { PasswordHasher } from './auth/passwords.js';
import type { Clock } from './clock.js';
import { claimHandle } from './agents/handles.js';
import { PLATFORM_FULL_ACCESS_KEY } from './iam/builtin-roles.js';
import type { RoleService } from './iam/role-service.js';

export interface BootstrapResult {
  created: boolean;
  /** Set only when the password was generated on this boot (printed once, D10). */
  generatedPassword: string | null;
}

export function generatePassword(): string {
  return randomBytes(18).toString('base64url');
}

/**
 * D10: the first boot creates `ADMIN_USERNAME` with SUPER_ADMIN. The password comes from
 * `ADMIN_PASSWORD` or is generated and written to `DATA_DIR/admin-password` (0600). An existing
 * admin is never touched, so changing `ADMIN_PASSWORD` later does nothing.
 */
export async function bootstrapAdmin(params: {
  db: Knex; clock: Clock; passwords: PasswordHasher; roles: RoleService;
  username: string; password: string | null; dataDir: string;
}): Promise<BootstrapResult> {
  const { db, clock, passwords, roles } = params;
  const generated = params.password ? null : generatePassword();
  // Hashed up front (cheap next to a boot) so the transaction never waits on argon2.
  const passwordHash = await passwords.hash(params.password ?? generated!);
  return db.transaction(async (tx) => {
    // Replicas booting together serialise here; the loser sees the admin and does nothing.
    await tx.raw('SELECT pg_advisory_xact_lock(7411)');
    await roles.seedPlatformRoles(tx);
    const existing = await tx('users').where({ username: params.username }).whereNull('deleted_at').first('id');
    if (existing) return { created: false, generatedPassword: null };
    // Only a workspace without any live SUPER_ADMIN is bootstrapped: a deleted or renamed admin
    // must not come back (with a password from the environment) on the next restart.
    const superAdmin = await tx('role_attachments as a').join('roles as r', 'r.id', 'a.role_id')
      .join('users as u', (j) => j.on('u.id', '=', 'a.principal_id').andOnVal('a.principal_type', '=', 'user'))
      .where('r.builtin_key', PLATFORM_FULL_ACCESS_KEY).whereNull('r.project_id').whereNull('a.project_id').whereNull('u.deleted_at')
      .first('u.id');
    if (superAdmin) return { created: false, generatedPassword: null };
    // An agent took the name after the admin was deleted: the admin was removed on purpose, and
    // handles are unique across users and agents (D14), so there is nobody to create.
    if (await claimHandle(tx, params.username)) return { created: false, generatedPassword: null };
    const now = clock.now();
    const id = randomUUID();
    await tx('users').insert({
      id, username: params.username, password_hash: passwordHash, full_name: 'Administrator',
      must_change_password: false, created_at: now, updated_at: now,
    });
    await roles.attachTrusted(tx, { type: 'user', id }, await roles.platformRoleId(tx, PLATFORM_FULL_ACCESS_KEY), null, null);
    if (generated) await writeAdminPassword(params.dataDir, generated);
    return { created: true, generatedPassword: generated };
  });
}

export async function writeAdminPassword(dataDir: string, password: string): Promise<string> {
  await mkdir(dataDir, { recursive: true });
  const file = path.join(dataDir, 'admin-password');
  await writeFile(file, `${password}\n`, { mode: 0o600 });
  return file;
}
