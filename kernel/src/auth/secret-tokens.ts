import { createHash, randomBytes } from 'node:crypto';

/** Random, URL-safe secret for refresh tokens and API keys. */
export function randomSecret(bytes = 32): string {
  return randomBytes(bytes).toString('hex');
}

/** Stored form of a bearer secret: SHA-256 hex. The secret itself is never stored. */
export function sha256(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}
