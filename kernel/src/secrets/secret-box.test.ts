import { randomBytes } from 'node:crypto';
import { isPacaError } from '@paca/plugin-sdk';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../config/config.js';
import { SecretBox } from './secret-box.js';

const key = () => randomBytes(32).toString('hex');
const codeOf = (run: () => unknown) => {
  try {
    run();
    return null;
  } catch (error) {
    return isPacaError(error) ? error.code : String(error);
  }
};

describe('SecretBox (D9)', () => {
  const box = new SecretBox(key());

  it('round-trips secrets, unicode included, as versioned v1: ciphertexts', () => {
    const sealed = box.seal('sk-live-ünïcödé-🔑', 'agent:1:llm_key');
    expect(sealed).toMatch(/^v1:[\w-]+:[\w-]+:[\w-]+$/);
    expect(sealed).not.toContain('sk-live');
    expect(box.open(sealed, 'agent:1:llm_key')).toBe('sk-live-ünïcödé-🔑');
    expect(box.seal('same', 'c')).not.toBe(box.seal('same', 'c'));
  });

  it('refuses a tampered ciphertext, a wrong key and a wrong context with a code', () => {
    const sealed = box.seal('secret', 'ctx');
    const parts = sealed.split(':');
    const body = Buffer.from(parts[3]!, 'base64url');
    body[0] = body[0]! ^ 1;
    const tampered = [...parts.slice(0, 3), body.toString('base64url')].join(':');
    expect(codeOf(() => box.open(tampered, 'ctx'))).toBe('SECRET_UNDECRYPTABLE');
    expect(codeOf(() => new SecretBox(key()).open(sealed, 'ctx'))).toBe('SECRET_UNDECRYPTABLE');
    expect(codeOf(() => box.open(sealed, 'other'))).toBe('SECRET_UNDECRYPTABLE');
    expect(codeOf(() => box.open('plaintext', 'ctx'))).toBe('SECRET_MALFORMED');
    expect(codeOf(() => box.open(sealed.replace(/^v1/, 'v2'), 'ctx'))).toBe('SECRET_MALFORMED');
  });

  it('will not run in services mode without ENCRYPTION_KEY', () => {
    expect(() => loadConfig({ DATABASE_URL: 'postgres://h/db', JWT_SECRET: 'x'.repeat(32) })).toThrow(ConfigError);
    expect(() => new SecretBox('not-a-key')).toThrow(TypeError);
  });
});
