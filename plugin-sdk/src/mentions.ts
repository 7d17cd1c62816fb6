import type { PluginDb, PluginMembers, PrincipalRef, ProjectMember } from './core-services.js';

/*
 * `@handle` mentions in comment Markdown (D1). Code is not prose: mentions inside fenced code
 * blocks and inline code spans do not count, and neither does the `@` of an email address or of
 * a URL path (`example.com/@bob`). Handles follow the kernel's pattern (D14: `[a-z0-9_.-]{3,32}`,
 * matched case-insensitively).
 */

const FENCE_OPEN = /^[\s>]*(`{3,}|~{3,})(.*)$/;
const HANDLE = /^[a-z0-9_.-]{3,32}$/;
// Not after a character that makes it part of a word, an address or a path; the token ends where a handle cannot go on.
const MENTION = /(?<![\p{L}\p{N}_.+\-@/\\])@([\p{L}\p{N}_.-]+)(?![\p{L}\p{N}_.\-@])/gu;

/** The Markdown without fenced code blocks (CommonMark: a closing fence of the same character, at least as long). */
function withoutFencedCode(markdown: string): string {
  const kept: string[] = [];
  let fence: string | null = null;
  for (const line of markdown.split(/\r\n|\r|\n/)) {
    if (fence) {
      const close = /^[\s>]*(`{3,}|~{3,})\s*$/.exec(line);
      if (close && close[1]![0] === fence[0] && close[1]!.length >= fence.length) fence = null;
      kept.push('');
      continue;
    }
    const open = FENCE_OPEN.exec(line);
    // A backtick fence's info string cannot contain a backtick (that line is inline code instead).
    if (open && !(open[1]![0] === '`' && open[2]!.includes('`'))) {
      fence = open[1]!;
      kept.push('');
      continue;
    }
    kept.push(line);
  }
  return kept.join('\n');
}

/** The text without inline code spans: a run of N backticks up to the next run of exactly N. */
function withoutCodeSpans(text: string): string {
  let result = '';
  let position = 0;
  const runs = [...text.matchAll(/`+/g)];
  for (let i = 0; i < runs.length; i++) {
    const open = runs[i]!;
    if (open.index < position) continue;
    const close = runs.slice(i + 1).find((run) => run[0].length === open[0].length);
    if (!close) continue; // an unmatched run is literal backticks
    result += `${text.slice(position, open.index)} `;
    position = close.index + close[0].length;
    i = runs.indexOf(close);
  }
  return result + text.slice(position);
}

/**
 * The handles a comment mentions, once each in order of appearance. Each mention lists the
 * handles it may name, longest first: `@bob.` at the end of a sentence is `bob.` or else `bob`.
 */
export function mentionedHandles(markdown: string): string[][] {
  const prose = withoutCodeSpans(withoutFencedCode(markdown));
  const seen = new Set<string>();
  const mentions: string[][] = [];
  for (const match of prose.matchAll(MENTION)) {
    const token = match[1]!.toLowerCase();
    const candidates = [...new Set([token, token.replace(/\.+$/, '')])].filter((h) => HANDLE.test(h));
    if (candidates.length === 0 || seen.has(candidates[0]!)) continue;
    seen.add(candidates[0]!);
    mentions.push(candidates);
  }
  return mentions;
}

/** The project members a comment mentions, once each, in order (unknown handles are plain text). */
export async function mentionedMembers(members: PluginMembers, db: PluginDb, projectId: string, markdown: string): Promise<ProjectMember[]> {
  const mentions = mentionedHandles(markdown);
  if (mentions.length === 0) return [];
  const byHandle = new Map((await members.byHandles(db, projectId, mentions.flat())).map((m) => [m.handle.toLowerCase(), m]));
  const found = new Map<string, ProjectMember>();
  for (const candidates of mentions) {
    const member = candidates.map((handle) => byHandle.get(handle)).find((m) => m !== undefined);
    if (member) found.set(member.id, member);
  }
  return [...found.values()];
}

/** Whether the membership is `principal`'s own (a user's or an agent's): nobody is notified about their own doing. */
export const isOwnMembership = (member: ProjectMember, principal: PrincipalRef | null): boolean =>
  principal !== null && (principal.type === 'user' ? member.user_id === principal.id : member.agent_id === principal.id);
