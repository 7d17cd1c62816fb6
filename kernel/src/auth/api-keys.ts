import { randomSecret, sha256 } from './secret-tokens.js';

export const API_KEY_PREFIX = 'paca_';

export interface GeneratedApiKey {
  key: string;
  keyPrefix: string;
  keyHash: string;
}

/** A personal API key: `paca_` + 64 hex; stored as SHA-256, displayed by its first 8 hex. */
export function generateApiKey(): GeneratedApiKey {
  const secret = randomSecret(32);
  const key = `${API_KEY_PREFIX}${secret}`;
  return { key, keyPrefix: `${API_KEY_PREFIX}${secret.slice(0, 8)}`, keyHash: sha256(key) };
}
