import { invalid } from './errors.js';

/*
 * Folder names and document titles are path segments (reference 6.2): trimmed, not blank, no `/`
 * (D30) and no control characters (a path is one line of text).
 */

export const NAME_MAX_LENGTH = 255;
const FORBIDDEN = /[/\x00-\x1f\x7f]/;

/** The name or title as stored, or 422 `VALIDATION_FAILED` on `field`. */
export function acceptName(raw: string, field: string): string {
  const name = raw.trim();
  if (name === '') throw invalid(field, 'must not be blank');
  if (FORBIDDEN.test(name)) throw invalid(field, 'must not contain "/" or control characters');
  if (name.length > NAME_MAX_LENGTH) throw invalid(field, `must be at most ${NAME_MAX_LENGTH} characters`);
  return name;
}

/**
 * The segments of a path (`Specs/API/Auth`): a leading or trailing `/` and empty segments are
 * ignored, each segment is trimmed; '' is the root. Each segment must be a valid name.
 */
export function pathSegments(path: string, field: string): string[] {
  return path.split('/').map((segment) => segment.trim()).filter((segment) => segment !== '').map((segment) => acceptName(segment, field));
}
