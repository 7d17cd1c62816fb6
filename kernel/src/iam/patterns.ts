/*
 * IAM pattern algebra (reference 3.1, D15).
 * Actions: `domain:verb`, `domain:*` or `*`.
 * Resources: slash-separated segments; `*` alone matches everything, a trailing `*` matches the
 * subtree including its parent (`project/1/*` matches `project/1` and `project/1/task/9`), a `*`
 * in the middle matches exactly one segment.
 */

export function actionMatches(pattern: string, action: string): boolean {
  if (pattern === '*' || pattern === action) return true;
  if (pattern.endsWith(':*')) {
    const domain = pattern.slice(0, -1);
    return action.startsWith(domain) && !action.slice(domain.length).includes(':');
  }
  return false;
}

/** Does `pattern` grant everything `other` (itself a pattern) names? */
export function actionCovers(pattern: string, other: string): boolean {
  if (pattern === '*') return true;
  if (other === '*') return false;
  if (other.endsWith(':*')) return pattern === other;
  return actionMatches(pattern, other);
}

export function actionsOverlap(a: string, b: string): boolean {
  return actionCovers(a, b) || actionCovers(b, a);
}

interface ParsedResource {
  segments: string[];
  subtree: boolean;
}

function parse(pattern: string): ParsedResource {
  if (pattern === '*') return { segments: [], subtree: true };
  const segments = pattern.split('/');
  if (segments.length > 1 && segments[segments.length - 1] === '*') {
    return { segments: segments.slice(0, -1), subtree: true };
  }
  return { segments, subtree: false };
}

function segmentMatches(pattern: string, value: string): boolean {
  return pattern === '*' || pattern === value;
}

/** Does `pattern` match the concrete resource `resource`? */
export function resourceMatches(pattern: string, resource: string): boolean {
  const p = parse(pattern);
  const r = resource.split('/');
  if (p.subtree) {
    if (r.length < p.segments.length) return false;
  } else if (r.length !== p.segments.length) {
    return false;
  }
  return p.segments.every((segment, i) => segmentMatches(segment, r[i]!));
}

/** Does `pattern` match every resource `other` (a pattern) can match? */
export function resourceCovers(pattern: string, other: string): boolean {
  const p = parse(pattern);
  const o = parse(other);
  if (p.subtree) {
    if (o.segments.length < p.segments.length) return false;
  } else if (o.subtree || o.segments.length !== p.segments.length) {
    return false;
  }
  // A `*` segment in `other` stands for any value: only a `*` in `pattern` covers it.
  return p.segments.every((segment, i) => segment === '*' || segment === o.segments[i]);
}

/** Could some concrete resource match both patterns? Used to find Denys that touch a grant. */
export function resourcesOverlap(a: string, b: string): boolean {
  const x = parse(a);
  const y = parse(b);
  const common = Math.min(x.segments.length, y.segments.length);
  for (let i = 0; i < common; i++) {
    const s = x.segments[i]!;
    const t = y.segments[i]!;
    if (s !== '*' && t !== '*' && s !== t) return false;
  }
  if (x.segments.length === y.segments.length) return true;
  return x.segments.length < y.segments.length ? x.subtree : y.subtree;
}
