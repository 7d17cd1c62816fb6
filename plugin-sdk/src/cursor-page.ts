import type { Knex } from 'knex';
import { defineError } from './errors.js';

/** D2: a cursor this list did not hand out is a schema violation of the query. */
export const CursorInvalid = defineError<{ issues: Array<{ path: string; message: string }> }>('VALIDATION_FAILED', 422,
  'request is invalid: query.cursor is not a cursor returned by this list');

/** One column of a keyset: the SQL column, the row field it is read back from, and its SQL type for the comparison. */
export interface KeysetColumn {
  column: string;
  field: string;
  type: 'int' | 'bigint' | 'text' | 'uuid' | 'timestamptz';
}

export interface CursorPageOptions {
  cursor?: string | undefined;
  pageSize: number;
  /** Unique together (end with an id); all sorted the same way. */
  keys: KeysetColumn[];
  order: 'asc' | 'desc';
}

function encode(values: unknown[]): string {
  return Buffer.from(JSON.stringify(values)).toString('base64url');
}

function decode(cursor: string, keys: KeysetColumn[]): unknown[] {
  try {
    const values = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(values) && values.length === keys.length && values.every((v, i) => valid(v, keys[i]!.type))) return values;
  } catch {
    // a coded error below
  }
  throw CursorInvalid({ issues: [{ path: 'query.cursor', message: 'is not a cursor returned by this list' }] });
}

function valid(value: unknown, type: KeysetColumn['type']): boolean {
  switch (type) {
    case 'int': case 'bigint': return Number.isSafeInteger(value);
    case 'timestamptz': return typeof value === 'string' && !Number.isNaN(Date.parse(value));
    case 'uuid': return typeof value === 'string' && /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value);
    case 'text': return typeof value === 'string' && value.length <= 1000;
  }
}

const cursorValue = (value: unknown, type: KeysetColumn['type']) =>
  type === 'timestamptz' ? new Date(value as string | Date).toISOString() : type === 'int' || type === 'bigint' ? Number(value) : value;

/**
 * Keyset pagination `{items, next_cursor}` (D3): one indexed range scan per page, stable under
 * inserts. The query must select the key fields.
 *
 * @example
 * const page = await cursorPage(db('tasks').where({ project_id }), {
 *   cursor: query.cursor, pageSize: query.page_size,
 *   keys: [{ column: 'task_number', field: 'task_number', type: 'int' }], order: 'desc',
 * });
 */
export async function cursorPage<Row extends Record<string, unknown>>(query: Knex.QueryBuilder, options: CursorPageOptions): Promise<{ items: Row[]; next_cursor: string | null }> {
  const { keys, order } = options;
  if (options.cursor) {
    const values = decode(options.cursor, keys);
    const op = order === 'asc' ? '>' : '<';
    const columns = keys.map(() => '??').join(', ');
    const placeholders = keys.map((k) => `?::${k.type}`).join(', ');
    query.whereRaw(`(${columns}) ${op} (${placeholders})`, [...keys.map((k) => k.column), ...values as Knex.Value[]]);
  }
  const rows = (await query.orderBy(keys.map((k) => ({ column: k.column, order }))).limit(options.pageSize + 1)) as Row[];
  const items = rows.slice(0, options.pageSize);
  const last = items.at(-1);
  return {
    items,
    next_cursor: rows.length > options.pageSize && last ? encode(keys.map((k) => cursorValue(last[k.field], k.type))) : null,
  };
}
