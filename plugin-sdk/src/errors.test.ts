import { describe, expect, it } from 'vitest';
import { defineError, isPacaError, PacaError } from './errors.js';

describe('defineError', () => {
  const SprintNotActive = defineError<{ sprint_id: string }>('SPRINT_NOT_ACTIVE', 409,
    ({ sprint_id }) => `sprint ${sprint_id} is not active`);

  it('builds coded errors with status, message and details', () => {
    const error = SprintNotActive({ sprint_id: 's1' });
    expect(error).toBeInstanceOf(Error);
    expect(error.code).toBe('SPRINT_NOT_ACTIVE');
    expect(error.status).toBe(409);
    expect(error.message).toBe('sprint s1 is not active');
    expect(error.details).toEqual({ sprint_id: 's1' });
    expect(SprintNotActive.code).toBe('SPRINT_NOT_ACTIVE');
  });

  it('omits empty details and keeps the cause', () => {
    const NotFound = defineError('THING_NOT_FOUND', 404, 'thing not found');
    const cause = new Error('db');
    const error = NotFound({}, { cause });
    expect(error.details).toBeUndefined();
    expect(error.cause).toBe(cause);
  });
});

describe('isPacaError', () => {
  it('recognises errors by shape and code, not by class identity', () => {
    const foreign = { isPacaError: true, code: 'X', status: 400, message: 'm' };
    expect(isPacaError(foreign)).toBe(true);
    expect(isPacaError(foreign, 'X')).toBe(true);
    expect(isPacaError(foreign, 'Y')).toBe(false);
    expect(isPacaError(new Error('plain'))).toBe(false);
    expect(isPacaError(null)).toBe(false);
    expect(isPacaError(new PacaError('A', 400, 'a'), 'A')).toBe(true);
  });
});
