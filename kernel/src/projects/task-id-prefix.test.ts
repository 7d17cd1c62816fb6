import { describe, expect, it } from 'vitest';
import { derivePrefix, prefixCandidates } from './task-id-prefix.js';

describe('derivePrefix (D8)', () => {
  it.each([
    ['My First Project', 'MFP'],
    ['paca', 'PACA'],
    ['Platform', 'PLAT'],
    ['2024 roadmap', 'ROAD'],
    ['Café crème brûlée', 'CCB'],
    ['x', 'PRJ'],
    ['日本語', 'PRJ'],
    ['a b c d e f g h i j k l', 'ABCDEFGHIJ'],
  ])('%s → %s', (name, prefix) => {
    expect(derivePrefix(name)).toBe(prefix);
    expect(prefix).toMatch(/^[A-Z][A-Z0-9]{1,9}$/);
  });
});

describe('prefixCandidates', () => {
  it('appends a suffix that still fits ten characters', () => {
    expect(prefixCandidates('MFP', 3)).toEqual(['MFP', 'MFP2', 'MFP3']);
    const long = prefixCandidates('ABCDEFGHIJ', 12);
    expect(long[1]).toBe('ABCDEFGHI2');
    expect(long[10]).toBe('ABCDEFGH11');
  });
});
