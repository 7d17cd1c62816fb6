import type { Knex } from 'knex';
import { ValidationFailed } from './kernel-errors.js';
import { isUuid } from './schemas.js';

export interface CursorPage<T> {
  items: T[];
  next_cursor: string | null;
}

export interface PagePage<T> {
  items: T[];
  page: number;
  page_size: number;
  total: number;
}

interface CursorPosition {
  /** Epoch milliseconds of the time column: unambiguous, unlike date text. */
  t: number;
  id: string;
}

function encodeCursor(position: CursorPosition): string {
  return Buffer.from(JSON.stringify(position)).toString('base64url');
}

function decodeCursor(cursor: string): CursorPosition {
  try {
    const value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as Partial<CursorPosition>;
    if (Number.isSafeInteger(value.t) && Math.abs(value.t!) <= 8.64e15 && typeof value.id === 'string' && isUuid(value.id)) {
      return { t: value.t!, id: value.id };
    }
  } catch {
    // fall through to the coded error
  }
  throw ValidationFailed({ issues: [{ path: 'query.cursor', message: 'is not a cursor returned by this list' }] });
}

/**
 * Keyset pagination (D3) over `(timeColumn, idColumn)`: stable under inserts, one indexed range
 * scan per page. Rows must carry the two columns under their plain names (`created_at`, `id`).
 */
export async function cursorPage<Row extends { id: string; created_at: Date | string }>(
  query: Knex.QueryBuilder,
  options: { cursor?: string; pageSize: number; timeColumn: string; idColumn: string; order: 'asc' | 'desc' },
): Promise<CursorPage<Row>> {
  const { timeColumn, idColumn, order } = options;
  if (options.cursor) {
    const position = decodeCursor(options.cursor);
    const op = order === 'asc' ? '>' : '<';
    query.whereRaw(`(??, ??) ${op} (?::timestamptz, ?::uuid)`, [timeColumn, idColumn, new Date(position.t).toISOString(), position.id]);
  }
  const rows = (await query.orderBy([{ column: timeColumn, order }, { column: idColumn, order }])
    .limit(options.pageSize + 1)) as Row[];
  const items = rows.slice(0, options.pageSize);
  const last = items[items.length - 1];
  const next_cursor = rows.length > options.pageSize && last
    ? encodeCursor({ t: new Date(last.created_at).getTime(), id: last.id })
    : null;
  return { items, next_cursor };
}

/** Page-number pagination for the lists the reference pages that way (`/admin/users`, `/projects`). */
export async function pagedList<Row>(
  query: Knex.QueryBuilder,
  options: { page: number; pageSize: number; orderBy: Array<{ column: string; order: 'asc' | 'desc' }> },
): Promise<PagePage<Row>> {
  const countRow = (await query.clone().clearSelect().clearOrder().count<{ total: number }[]>({ total: '*' }).first()) as
    | { total: number | string }
    | undefined;
  const items = (await query.orderBy(options.orderBy).limit(options.pageSize)
    .offset((options.page - 1) * options.pageSize)) as Row[];
  return { items, page: options.page, page_size: options.pageSize, total: Number(countRow?.total ?? 0) };
}
