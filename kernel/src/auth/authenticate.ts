import type { FastifyRequest } from 'fastify';
import type { Knex } from 'knex';
import type { Clock } from '../clock.js';
import { ApiKeyExpired, ApiKeyRevoked, AuthTokenInvalid } from '../http/kernel-errors.js';
import type { AccessTokens } from './access-tokens.js';
import { API_KEY_PREFIX } from './api-keys.js';
import type { Principal } from './principal.js';
import { sha256 } from './secret-tokens.js';

export const ACCESS_COOKIE = 'access_token';
export const REFRESH_COOKIE = 'refresh_token';

// last_used_at is informative; writing it at most once a minute keeps reads read-only.
const LAST_USED_GRANULARITY_MS = 60_000;

export interface Credential {
  kind: 'cookie' | 'bearer' | 'api_key';
  value: string;
}

/** A verified credential: who it proves, and until when (null = until revoked). */
export interface VerifiedCredential {
  principal: Principal;
  expiresAt: Date | null;
}

/** Credentials in the reference's resolution order (2.2): cookie, Bearer, ApiKey, X-API-Key. */
function credentials(request: FastifyRequest): Credential[] {
  const found: Credential[] = [];
  const cookie = request.cookies?.[ACCESS_COOKIE];
  if (cookie) found.push({ kind: 'cookie', value: cookie });
  const authorization = request.headers.authorization;
  if (authorization) {
    const [scheme, ...rest] = authorization.trim().split(/\s+/);
    const value = rest.join(' ');
    if (scheme?.toLowerCase() === 'bearer' && value) found.push({ kind: 'bearer', value });
    else if (scheme?.toLowerCase() === 'apikey' && value) found.push({ kind: 'api_key', value });
    // Other schemes (Basic from a proxy in front of us) are not ours to judge: ignore them.
  }
  const headerKey = request.headers['x-api-key'];
  if (typeof headerKey === 'string' && headerKey) found.push({ kind: 'api_key', value: headerKey });
  return found;
}

export class Authenticator {
  constructor(private readonly db: Knex, private readonly tokens: AccessTokens, private readonly clock: Clock) {}

  /**
   * The calling principal, or null when the request carries no credentials. Credentials that are
   * present but bad are an error: a stale browser cookie falls through to an explicit header.
   */
  async authenticate(request: FastifyRequest): Promise<Principal | null> {
    const found = credentials(request);
    let lastError: unknown = null;
    for (const credential of found) {
      try {
        return (await this.verify(credential)).principal;
      } catch (error) {
        lastError = error;
      }
    }
    if (lastError) throw lastError;
    return null;
  }

  /** One credential, checked as a request's would be (sockets re-check theirs with it). */
  async verify(credential: Credential): Promise<VerifiedCredential> {
    return credential.kind === 'api_key' ? this.fromApiKey(credential.value) : this.fromAccessToken(credential.value, credential.kind);
  }

  private async fromAccessToken(token: string, via: 'cookie' | 'bearer'): Promise<VerifiedCredential> {
    const claims = await this.tokens.verify(token);
    if (!claims) throw AuthTokenInvalid({});
    // The session must still be live: logout, password change and deletion end it at once.
    const row = await this.db('users as u')
      .join('refresh_token_families as f', 'f.user_id', 'u.id')
      .where({ 'u.id': claims.sub, 'f.id': claims.sid })
      .whereNull('u.deleted_at')
      .whereNull('f.revoked_at')
      .first('u.id', 'u.username', 'u.must_change_password');
    if (!row) throw AuthTokenInvalid({});
    return {
      principal: { type: 'user', id: row.id, username: row.username, via, apiKeyId: null, mustChangePassword: row.must_change_password, agentProjectId: null },
      expiresAt: claims.exp ? new Date(claims.exp * 1000) : null,
    };
  }

  private async fromApiKey(key: string): Promise<VerifiedCredential> {
    if (!key.startsWith(API_KEY_PREFIX)) throw AuthTokenInvalid({}, { message: 'API key is not valid' });
    const hash = sha256(key);
    const row = await this.db('api_keys as k')
      .join('users as u', 'u.id', 'k.user_id')
      .where('k.key_hash', hash)
      .whereNull('u.deleted_at')
      .first('k.id as key_id', 'k.revoked_at', 'k.expires_at', 'k.last_used_at', 'u.id', 'u.username', 'u.must_change_password');
    if (row) {
      await this.checkKey('api_keys', row);
      return {
        principal: { type: 'user', id: row.id, username: row.username, via: 'api_key', apiKeyId: row.key_id, mustChangePassword: row.must_change_password, agentProjectId: null },
        expiresAt: row.expires_at ? new Date(row.expires_at) : null,
      };
    }
    // Agent keys look the same (`paca_…`) and act as the agent itself, never as a bot user (D14).
    const agent = await this.db('agent_api_keys as k')
      .join('agents as a', 'a.id', 'k.agent_id')
      .where('k.key_hash', hash)
      .whereNull('a.deleted_at')
      .first('k.id as key_id', 'k.revoked_at', 'k.expires_at', 'k.last_used_at', 'a.id', 'a.handle', 'a.project_id');
    if (!agent) throw AuthTokenInvalid({}, { message: 'API key is not valid' });
    await this.checkKey('agent_api_keys', agent);
    return {
      principal: { type: 'agent', id: agent.id, username: agent.handle, via: 'api_key', apiKeyId: agent.key_id, mustChangePassword: false, agentProjectId: agent.project_id },
      expiresAt: agent.expires_at ? new Date(agent.expires_at) : null,
    };
  }

  /** Revoked and expired keys are refused with their own codes (D5); use is recorded coarsely. */
  private async checkKey(table: 'api_keys' | 'agent_api_keys', row: { key_id: string; revoked_at: Date | null; expires_at: Date | null; last_used_at: Date | null }): Promise<void> {
    const now = this.clock.now();
    if (row.revoked_at) throw ApiKeyRevoked({});
    if (row.expires_at && new Date(row.expires_at) <= now) throw ApiKeyExpired({});
    if (!row.last_used_at || now.getTime() - new Date(row.last_used_at).getTime() >= LAST_USED_GRANULARITY_MS) {
      await this.db(table).where({ id: row.key_id }).update({ last_used_at: now });
    }
  }
}
