import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import type { Clock } from '../clock.js';
import { AuthRefreshReused, AuthTokenInvalid } from '../http/kernel-errors.js';
import { randomSecret, sha256 } from './secret-tokens.js';

export interface IssuedRefresh {
  refreshToken: string;
  familyId: string;
  expiresAt: Date;
  rememberMe: boolean;
}

export interface SessionTtls {
  rememberMs: number;
  sessionMs: number;
}

interface TokenRow {
  token_id: string;
  used_at: Date | null;
  family_id: string;
  user_id: string;
  remember_me: boolean;
  expires_at: Date;
  family_revoked_at: Date | null;
}

/**
 * Refresh token families in the database (D5). Each refresh rotates the token; presenting a used
 * token again means it leaked, so the whole family is revoked.
 */
export class Sessions {
  constructor(private readonly clock: Clock, private readonly ttls: SessionTtls) {}

  async open(db: Knex, userId: string, rememberMe: boolean): Promise<IssuedRefresh> {
    const now = this.clock.now();
    const familyId = randomUUID();
    const expiresAt = new Date(now.getTime() + (rememberMe ? this.ttls.rememberMs : this.ttls.sessionMs));
    await db('refresh_token_families').insert({ id: familyId, user_id: userId, remember_me: rememberMe, created_at: now, expires_at: expiresAt });
    const refreshToken = await this.addToken(db, familyId);
    return { refreshToken, familyId, expiresAt, rememberMe };
  }

  /** Swaps a refresh token for a new one; returns the owner. Reuse revokes the family, then throws. */
  async rotate(knex: Knex, refreshToken: string): Promise<IssuedRefresh & { userId: string }> {
    const outcome = await knex.transaction(async (tx) => {
      const now = this.clock.now();
      const row = (await tx('refresh_tokens as t')
        .join('refresh_token_families as f', 'f.id', 't.family_id')
        .join('users as u', 'u.id', 'f.user_id')
        .whereNull('u.deleted_at')
        .where('t.token_hash', sha256(refreshToken))
        .forUpdate('t')
        .first('t.id as token_id', 't.used_at', 'f.id as family_id', 'f.user_id', 'f.remember_me', 'f.expires_at',
          'f.revoked_at as family_revoked_at')) as TokenRow | undefined;
      if (!row || row.family_revoked_at || new Date(row.expires_at) <= now) return { kind: 'invalid' as const };
      if (row.used_at) {
        await tx('refresh_token_families').where({ id: row.family_id }).update({ revoked_at: now, revoked_reason: 'refresh_reused' });
        return { kind: 'reused' as const };
      }
      await tx('refresh_tokens').where({ id: row.token_id }).update({ used_at: now });
      const next = await this.addToken(tx, row.family_id);
      return {
        kind: 'rotated' as const,
        issued: { refreshToken: next, familyId: row.family_id, expiresAt: new Date(row.expires_at), rememberMe: row.remember_me, userId: row.user_id },
      };
    });
    if (outcome.kind === 'invalid') throw AuthTokenInvalid({});
    if (outcome.kind === 'reused') throw AuthRefreshReused({});
    return outcome.issued;
  }

  /** Logout: revokes the family the token belongs to (used or not). */
  async revokeByToken(db: Knex, refreshToken: string): Promise<boolean> {
    const token = await db('refresh_tokens').where({ token_hash: sha256(refreshToken) }).first('family_id');
    if (!token) return false;
    await db('refresh_token_families').where({ id: token.family_id }).whereNull('revoked_at')
      .update({ revoked_at: this.clock.now(), revoked_reason: 'logout' });
    return true;
  }

  /** Ends one session (logout by access token). */
  async revokeFamily(db: Knex, familyId: string, reason: string): Promise<void> {
    await db('refresh_token_families').where({ id: familyId }).whereNull('revoked_at').update({ revoked_at: this.clock.now(), revoked_reason: reason });
  }

  /** Password change, admin reset, deletion: every session of the user ends (D5). */
  async revokeUser(db: Knex, userId: string, reason: string, exceptFamilyId?: string): Promise<void> {
    const query = db('refresh_token_families').where({ user_id: userId }).whereNull('revoked_at');
    if (exceptFamilyId) query.whereNot({ id: exceptFamilyId });
    await query.update({ revoked_at: this.clock.now(), revoked_reason: reason });
  }

  private async addToken(db: Knex, familyId: string): Promise<string> {
    const token = randomSecret();
    await db('refresh_tokens').insert({ id: randomUUID(), family_id: familyId, token_hash: sha256(token), created_at: this.clock.now() });
    return token;
  }
}
