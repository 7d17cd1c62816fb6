import { cursorPage as sdkCursorPage } from '@paca/plugin-sdk';
import type { Knex } from 'knex';

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

/**
 * Keyset pagination (D3) over `(timeColumn, idColumn)`: stable under inserts, one indexed range
 * scan per page — the SDK's `cursorPage`, which plugins use too. Rows must carry the two columns
 * under their plain names (`created_at`, `id`).
 */
export function cursorPage<Row extends { id: string; created_at: Date | string }>(
  query: Knex.QueryBuilder,
  options: { cursor?: string | undefined; pageSize: number; timeColumn: string; idColumn: string; order: 'asc' | 'desc' },
): Promise<CursorPage<Row>> {
  return sdkCursorPage<Row & Record<string, unknown>>(query, {
    cursor: options.cursor, pageSize: options.pageSize, order: options.order,
    keys: [{ column: options.timeColumn, field: 'created_at', type: 'timestamptz' }, { column: options.idColumn, field: 'id', type: 'uuid' }],
  });
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
