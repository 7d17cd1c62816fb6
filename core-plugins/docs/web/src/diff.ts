import type { DiffHunk } from './types.js';

export interface DiffCell {
  n: number;
  text: string;
  kind: 'context' | 'removed' | 'added';
}

export type DiffRow =
  | { type: 'hunk'; label: string }
  | { type: 'line'; left: DiffCell | null; right: DiffCell | null };

/**
 * Turns unified hunks (lines prefixed ' ', '-', '+') into side-by-side rows: context on both
 * sides, a run of removals paired line by line with the additions that follow it.
 */
export function sideBySide(hunks: DiffHunk[]): DiffRow[] {
  const rows: DiffRow[] = [];
  for (const hunk of hunks) {
    rows.push({ type: 'hunk', label: hunk.old_lines || hunk.new_lines ? `Lines ${hunk.old_start}–${hunk.old_start + Math.max(hunk.old_lines - 1, 0)} → ${hunk.new_start}–${hunk.new_start + Math.max(hunk.new_lines - 1, 0)}` : '' });
    let oldN = hunk.old_start;
    let newN = hunk.new_start;
    let removed: DiffCell[] = [];
    let added: DiffCell[] = [];
    const flush = () => {
      for (let i = 0; i < Math.max(removed.length, added.length); i++) rows.push({ type: 'line', left: removed[i] ?? null, right: added[i] ?? null });
      removed = [];
      added = [];
    };
    for (const line of hunk.lines) {
      const mark = line[0];
      const text = line.slice(1);
      if (mark === '-') {
        if (added.length) flush();
        removed.push({ n: oldN++, text, kind: 'removed' });
      } else if (mark === '+') {
        added.push({ n: newN++, text, kind: 'added' });
      } else if (mark === ' ') {
        flush();
        rows.push({ type: 'line', left: { n: oldN++, text, kind: 'context' }, right: { n: newN++, text, kind: 'context' } });
      }
      // '\ No newline at end of file' and anything else: not a line of either side.
    }
    flush();
  }
  return rows;
}
