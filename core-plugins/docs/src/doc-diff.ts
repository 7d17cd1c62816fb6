import { structuredPatch } from 'diff';

/** One hunk of a unified diff: `lines` are the hunk's lines prefixed with ' ', '-' or '+'. */
export interface DiffHunk {
  old_start: number;
  old_lines: number;
  new_start: number;
  new_lines: number;
  lines: string[];
}

/** The line diff between two Markdown bodies, three lines of context (D30). */
export function diffHunks(oldContent: string, newContent: string): DiffHunk[] {
  return structuredPatch('', '', oldContent, newContent, '', '', { context: 3 }).hunks.map((hunk) => ({
    old_start: hunk.oldStart, old_lines: hunk.oldLines, new_start: hunk.newStart, new_lines: hunk.newLines, lines: hunk.lines,
  }));
}
