import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { defineError } from '@paca/plugin-sdk';

export const SecretUndecryptable = defineError('SECRET_UNDECRYPTABLE', 500,
  'a stored secret could not be decrypted: it was altered or encrypted with another ENCRYPTION_KEY');
export const SecretMalformed = defineError('SECRET_MALFORMED', 500, 'a stored secret is not a Paca ciphertext');

const VERSION = 'v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;

/**
 * Secrets at rest (D9): AES-256-GCM under `ENCRYPTION_KEY`, stored as
 * `v1:<iv>:<tag>:<ciphertext>` (base64url). The version prefix leaves room for key rotation;
 * `context` (e.g. `agent:<id>:llm_key`) is bound as associated data, so a ciphertext copied to
 * another row does not decrypt.
 *
 * @example
 * const box = new SecretBox(config.encryptionKey);
 * const stored = box.seal('sk-live-…', `agent:${id}:llm_key`);
 * box.open(stored, `agent:${id}:llm_key`); // 'sk-live-…'
 */
export class SecretBox {
  private readonly key: Buffer;

  constructor(hexKey: string) {
    if (!/^[0-9a-fA-F]{64}$/.test(hexKey)) throw new TypeError('ENCRYPTION_KEY must be 64 hex characters');
    this.key = Buffer.from(hexKey, 'hex');
  }

  seal(plaintext: string, context = ''): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(Buffer.from(context, 'utf8'));
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return [VERSION, iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), body.toString('base64url')].join(':');
  }

  open(sealed: string, context = ''): string {
    const parts = sealed.split(':');
    if (parts.length !== 4 || parts[0] !== VERSION) throw SecretMalformed({});
    const [, ivText, tagText, bodyText] = parts as [string, string, string, string];
    const iv = Buffer.from(ivText, 'base64url');
    const tag = Buffer.from(tagText, 'base64url');
    if (iv.length !== IV_BYTES || tag.length !== TAG_BYTES) throw SecretMalformed({});
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.key, iv);
      decipher.setAAD(Buffer.from(context, 'utf8'));
      decipher.setAuthTag(tag);
      return Buffer.concat([decipher.update(Buffer.from(bodyText, 'base64url')), decipher.final()]).toString('utf8');
    } catch (error) {
      throw SecretUndecryptable({}, { cause: error });
    }
  }
}
