import type { PluginRoutes, RouteRequest } from '@paca/plugin-sdk';
import { FolderTree } from './folder-tree.js';

/** Characters of the body shown around the first match, about half of them before it. */
const SNIPPET_LENGTH = 80;

type SearchRow = {
  id: string;
  title: string;
  folder_id: string | null;
  in_title: boolean;
  /** The body around the first match (null for title matches) and where it starts and ends (1-based, inclusive). */
  excerpt: string | null;
  excerpt_start: number;
  content_length: number;
};

/** `text` as a literal LIKE pattern: `%`, `_` and the escape character match themselves. */
const literal = (text: string) => text.replace(/[\\%_]/g, '\\$&');

/** The excerpt on one line, with an ellipsis where the body goes on. */
function snippet(row: SearchRow): string {
  if (row.excerpt === null) return row.title;
  const before = row.excerpt_start > 1 ? '…' : '';
  const after = row.excerpt_start + [...row.excerpt].length <= Number(row.content_length) ? '…' : '';
  return `${before}${row.excerpt.replace(/\s+/g, ' ').trim()}${after}`;
}

/**
 * Doc search (D30, reference 1.8): a case-insensitive literal substring of the title or the
 * Markdown body, over live documents of the project, title matches first, then the most
 * recently updated. Both `lower(…)` expressions are pg_trgm-indexed, so `LIKE '%…%'` is an index
 * scan. The snippet is cut in SQL, so bodies never leave the database.
 */
export function registerSearchRoutes(routes: PluginRoutes): void {
  routes.handle('docs.search', async ({ db, params, query }: RouteRequest<{ projectId: string }, { q: string; limit: number }>) => {
    const pattern = `%${literal(query.q)}%`;
    const excerptLength = Math.max(SNIPPET_LENGTH, query.q.length + SNIPPET_LENGTH / 2);
    // The page is chosen first; only its rows get a snippet cut (a common word matches thousands of bodies).
    const documents = db.table('documents');
    const result = await db.raw(`
      SELECT page.id, page.title, page.folder_id, page.in_title, length(d.content) AS content_length, cut.excerpt_start,
             CASE WHEN page.in_title THEN NULL ELSE substr(d.content, cut.excerpt_start, ?) END AS excerpt
      FROM (
        SELECT id, title, folder_id, updated_at, lower(title) LIKE lower(?) ESCAPE '\\' AS in_title
        FROM ${documents}
        WHERE project_id = ? AND deleted_at IS NULL
          AND (lower(title) LIKE lower(?) ESCAPE '\\' OR lower(content) LIKE lower(?) ESCAPE '\\')
        ORDER BY in_title DESC, updated_at DESC, id
        LIMIT ?
      ) page
      JOIN ${documents} d ON d.id = page.id
      CROSS JOIN LATERAL (SELECT greatest(strpos(lower(d.content), lower(?)) - ?, 1) AS excerpt_start) cut
      ORDER BY page.in_title DESC, page.updated_at DESC, page.id`,
    [excerptLength, pattern, params.projectId, pattern, pattern, query.limit, query.q, SNIPPET_LENGTH / 2]);
    const tree = await FolderTree.load(db, params.projectId);
    const items = (result as { rows: SearchRow[] }).rows.map((row) => ({
      id: row.id,
      title: row.title,
      path: tree.docPath(row.folder_id, row.title),
      folder_id: row.folder_id,
      matched_in: row.in_title ? 'title' as const : 'content' as const,
      snippet: snippet(row),
    }));
    // One page: `limit` is the whole answer (D3's shape, nothing to follow).
    return { items, next_cursor: null };
  });
}
