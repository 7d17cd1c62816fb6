export const PREFIX_PATTERN = '^[A-Z][A-Z0-9]{1,9}$';
const MAX_LENGTH = 10;

/**
 * D8: the initials of the words when the name has two or more ("My First Project" → MFP), else
 * its first four characters; ASCII letters and digits only, leading digits dropped; under two
 * characters → PRJ.
 */
export function derivePrefix(name: string): string {
  const ascii = name.normalize('NFKD').replace(/[\u0300-\u036f]/g, '').replace(/[^A-Za-z0-9]+/g, ' ').trim().replace(/^[\d\s]+/, '');
  const words = ascii.split(' ').filter(Boolean);
  const base = (words.length >= 2 ? words.map((w) => w[0]).join('') : (words[0] ?? '').slice(0, 4)).toUpperCase();
  return base.length >= 2 ? base.slice(0, MAX_LENGTH) : 'PRJ';
}

/** `base`, else `base2`, `base3`… truncated so the suffix still fits ten characters. */
export function prefixCandidates(base: string, max = 1000): string[] {
  const candidates = [base];
  for (let n = 2; candidates.length < max; n++) {
    const suffix = String(n);
    candidates.push(base.slice(0, MAX_LENGTH - suffix.length) + suffix);
  }
  return candidates;
}
