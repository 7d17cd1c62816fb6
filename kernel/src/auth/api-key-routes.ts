import { randomUUID } from 'node:crypto';
import { Type } from '@sinclair/typebox';
import { ApiKeyNotFound, ValidationFailed } from '../http/kernel-errors.js';
import { cursorPage } from '../http/pagination.js';
import type { Router } from '../http/router.js';
import { CursorQuery, StrictObject, Timestamp, Uuid } from '../http/schemas.js';
import type { KernelServices } from '../services.js';
import { generateApiKey } from './api-keys.js';

interface ApiKeyRow {
  id: string;
  name: string;
  key_prefix: string;
  created_at: Date;
  last_used_at: Date | null;
  expires_at: Date | null;
}

const iso = (value: Date | null) => (value ? new Date(value).toISOString() : null);

function apiKeyView(row: ApiKeyRow) {
  return {
    id: row.id,
    name: row.name,
    key_prefix: row.key_prefix,
    created_at: iso(row.created_at),
    last_used_at: iso(row.last_used_at),
    expires_at: iso(row.expires_at),
  };
}

const CreateApiKey = StrictObject({
  name: Type.String({ minLength: 1, maxLength: 100 }),
  expires_at: Type.Optional(Type.Union([Timestamp, Type.Null()])),
});

/**
 * Personal API keys (reference 2.2): they act as their owner. Managing them needs a session
 * (JWT), so a leaked key cannot mint more keys (D5).
 */
export function registerApiKeyRoutes(router: Router, services: KernelServices): void {
  const { clock } = services;

  router.route({
    method: 'GET', url: '/users/me/api-keys', summary: 'Your active API keys (prefix only)', tags: ['api-keys'],
    access: { kind: 'authenticated', jwtOnly: true }, querystring: StrictObject(CursorQuery),
    async handler({ principal, db, query }) {
      const page = await cursorPage<ApiKeyRow>(
        db('api_keys').where({ user_id: principal!.id }).whereNull('revoked_at')
          .select('id', 'name', 'key_prefix', 'created_at', 'last_used_at', 'expires_at'),
        { cursor: query.cursor, pageSize: query.page_size ?? 50, timeColumn: 'created_at', idColumn: 'id', order: 'desc' },
      );
      return { items: page.items.map(apiKeyView), next_cursor: page.next_cursor };
    },
  });

  router.route({
    method: 'POST', url: '/users/me/api-keys', summary: 'Create an API key; its secret is shown only in this response', tags: ['api-keys'],
    access: { kind: 'authenticated', jwtOnly: true }, body: CreateApiKey, status: 201,
    async handler({ principal, db, body }) {
      const now = clock.now();
      const expiresAt = body.expires_at ? new Date(body.expires_at) : null;
      if (expiresAt && Number.isNaN(expiresAt.getTime())) throw ValidationFailed({ issues: [{ path: 'expires_at', message: 'is not a valid time' }] });
      if (expiresAt && expiresAt <= now) throw ValidationFailed({ issues: [{ path: 'expires_at', message: 'must be in the future' }] });
      const generated = generateApiKey();
      const row: ApiKeyRow = { id: randomUUID(), name: body.name.trim(), key_prefix: generated.keyPrefix, created_at: now, last_used_at: null, expires_at: expiresAt };
      await db('api_keys').insert({ ...row, user_id: principal!.id, key_hash: generated.keyHash });
      return { ...apiKeyView(row), key: generated.key };
    },
  });

  router.route({
    method: 'DELETE', url: '/users/me/api-keys/:keyId', summary: 'Revoke an API key', tags: ['api-keys'],
    access: { kind: 'authenticated', jwtOnly: true }, params: StrictObject({ keyId: Uuid }), status: 204,
    async handler({ principal, db, params }) {
      const revoked = await db('api_keys').where({ id: params.keyId, user_id: principal!.id }).whereNull('revoked_at')
        .update({ revoked_at: clock.now() });
      if (revoked === 0) throw ApiKeyNotFound({});
      return null;
    },
  });
}
