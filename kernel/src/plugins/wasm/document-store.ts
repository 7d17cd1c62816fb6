import { randomUUID } from 'node:crypto';
import { pluginSchemaName, type PluginManifest } from '@paca/plugin-sdk';
import type { Knex } from 'knex';

/**
 * WASM plugins' data (D22): no SQL, a document store in the plugin's own schema. Collections are
 * declared in plugin.json with the fields they index; documents are JSON, scoped to the project of
 * the call (or `workspace`), filtered and ordered on indexed fields only.
 */
export type Collection = PluginManifest['collections'][number];
export type IndexType = Collection['indexes'][number]['type'];

export const WORKSPACE_SCOPE = 'workspace';
const MAX_DOC_BYTES = 256 * 1024;
const MAX_LIMIT = 500;

export interface StoredDoc {
  id: string;
  doc: Record<string, unknown>;
}

export type Comparison = { eq?: unknown; ne?: unknown; gt?: unknown; gte?: unknown; lt?: unknown; lte?: unknown };

export interface DocQuery {
  where?: Record<string, unknown>;
  order_by?: Array<{ field: string; dir?: 'asc' | 'desc' }>;
  limit?: number;
}

/** A refusal of bad input, answered to the guest as `VALIDATION_FAILED`. */
export class DocumentInputError extends Error {}

const SQL_CAST: Record<IndexType, string> = { string: 'text', number: 'numeric', boolean: 'boolean', date: 'timestamptz' };

function indexExpression(field: string, type: IndexType): string {
  // Byte order for strings, so the database and the call buffer (JS comparison) sort alike.
  return type === 'string' ? `((doc->>'${field}') COLLATE "C")` : `((doc->>'${field}')::${SQL_CAST[type]})`;
}

/** Creates the plugin's schema, tables and one partial index per declared field (idempotent). */
export async function ensureDocumentStore(db: Knex, manifest: PluginManifest): Promise<void> {
  const schema = pluginSchemaName(manifest.id);
  await db.raw(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
  await db.raw(`CREATE TABLE IF NOT EXISTS ${schema}.wasm_documents (
    collection text NOT NULL, scope text NOT NULL, id uuid NOT NULL, doc jsonb NOT NULL,
    created_at timestamptz NOT NULL, updated_at timestamptz NOT NULL, PRIMARY KEY (scope, collection, id))`);
  await db.raw(`CREATE TABLE IF NOT EXISTS ${schema}.wasm_kv (
    scope text NOT NULL, key text NOT NULL, value jsonb NOT NULL, updated_at timestamptz NOT NULL, PRIMARY KEY (scope, key))`);
  for (const collection of manifest.collections) {
    for (const index of collection.indexes) {
      // Names and types come from the validated manifest (lowercase identifiers), never from a guest.
      await db.raw(`CREATE INDEX IF NOT EXISTS wasm_${collection.name}__${index.field} ON ${schema}.wasm_documents
        (scope, ${indexExpression(index.field, index.type)}) WHERE collection = '${collection.name}'`);
    }
  }
}

/** Reads and writes of one plugin's documents; writes are applied by the call buffer's commit. */
export class DocumentStore {
  private readonly schema: string;
  private readonly collections: Map<string, Map<string, IndexType>>;

  constructor(readonly manifest: PluginManifest) {
    this.schema = pluginSchemaName(manifest.id);
    this.collections = new Map(manifest.collections.map((c) => [c.name, new Map(c.indexes.map((i) => [i.field, i.type]))]));
  }

  /** Checks a document before it is buffered: declared collection, JSON object, size, indexed field types. */
  prepare(collection: string, id: unknown, doc: unknown): StoredDoc {
    const indexes = this.indexesOf(collection);
    if (id !== undefined && id !== null && (typeof id !== 'string' || !/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id))) {
      throw new DocumentInputError('id must be a UUID');
    }
    if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw new DocumentInputError('doc must be a JSON object');
    if (Buffer.byteLength(JSON.stringify(doc)) > MAX_DOC_BYTES) throw new DocumentInputError(`doc is larger than ${MAX_DOC_BYTES} bytes`);
    for (const [field, type] of indexes) {
      const value = (doc as Record<string, unknown>)[field];
      if (value !== undefined && value !== null && !matchesType(value, type)) throw new DocumentInputError(`${collection}.${field} must be a ${type}`);
    }
    return { id: typeof id === 'string' ? id.toLowerCase() : randomUUID(), doc: doc as Record<string, unknown> };
  }

  async get(db: Knex, scope: string, collection: string, id: string): Promise<Record<string, unknown> | null> {
    this.indexesOf(collection);
    const row = await db(`${this.schema}.wasm_documents`).where({ scope, collection, id }).first('doc');
    return row ? parseDoc(row.doc) : null;
  }

  /** Documents matching a query, read from the database (the call buffer merges its own writes). */
  async query(db: Knex, scope: string, collection: string, query: DocQuery, extra = 0): Promise<StoredDoc[]> {
    const indexes = this.indexesOf(collection);
    const plan = this.plan(indexes, query);
    const builder = db(`${this.schema}.wasm_documents`).where({ scope, collection });
    for (const { field, op, value } of plan.filters) builder.whereRaw(`${indexExpression(field, indexes.get(field)!)} ${op} ?::${SQL_CAST[indexes.get(field)!]}`, [sqlValue(value) as string]);
    for (const { field, dir } of plan.order) builder.orderByRaw(`${indexExpression(field, indexes.get(field)!)} ${dir} NULLS LAST`);
    builder.orderBy('created_at').orderBy('id');
    const rows = (await builder.limit(plan.limit + extra).select('id', 'doc')) as Array<{ id: string; doc: unknown }>;
    return rows.map((r) => ({ id: r.id, doc: parseDoc(r.doc) }));
  }

  /** The same query evaluated in memory (for documents written earlier in the same call). */
  matches(collection: string, query: DocQuery, doc: Record<string, unknown>): boolean {
    const indexes = this.indexesOf(collection);
    return this.plan(indexes, query).filters.every(({ field, op, value }) => compare(doc[field], value, indexes.get(field)!, op));
  }

  sortAndLimit(collection: string, query: DocQuery, docs: StoredDoc[]): StoredDoc[] {
    const indexes = this.indexesOf(collection);
    const plan = this.plan(indexes, query);
    const sorted = [...docs];
    if (plan.order.length > 0) {
      sorted.sort((a, b) => {
        for (const { field, dir } of plan.order) {
          const order = orderOf(a.doc[field], b.doc[field], indexes.get(field)!);
          if (order !== 0) return dir === 'DESC' ? -order : order;
        }
        return 0;
      });
    }
    return sorted.slice(0, plan.limit);
  }

  async put(tx: Knex, scope: string, collection: string, stored: StoredDoc, now: Date): Promise<void> {
    await tx.raw(`INSERT INTO ${this.schema}.wasm_documents (collection, scope, id, doc, created_at, updated_at) VALUES (?, ?, ?, ?::jsonb, ?, ?)
      ON CONFLICT (scope, collection, id) DO UPDATE SET doc = excluded.doc, updated_at = excluded.updated_at`,
    [collection, scope, stored.id, JSON.stringify(stored.doc), now, now]);
  }

  async delete(tx: Knex, scope: string, collection: string, id: string): Promise<void> {
    await tx(`${this.schema}.wasm_documents`).where({ scope, collection, id }).delete();
  }

  async kvGet(db: Knex, scope: string, key: string): Promise<unknown> {
    const row = await db(`${this.schema}.wasm_kv`).where({ scope, key }).first('value');
    // jsonb arrives decoded on both drivers; a stored string is a value, not JSON text to parse again.
    return row ? row.value : null;
  }

  async kvSet(tx: Knex, scope: string, key: string, value: unknown, now: Date): Promise<void> {
    await tx.raw(`INSERT INTO ${this.schema}.wasm_kv (scope, key, value, updated_at) VALUES (?, ?, ?::jsonb, ?)
      ON CONFLICT (scope, key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`, [scope, key, JSON.stringify(value), now]);
  }

  async kvDelete(tx: Knex, scope: string, key: string): Promise<void> {
    await tx(`${this.schema}.wasm_kv`).where({ scope, key }).delete();
  }

  private indexesOf(collection: unknown): Map<string, IndexType> {
    const indexes = typeof collection === 'string' ? this.collections.get(collection) : undefined;
    if (!indexes) throw new DocumentInputError(`collection ${String(collection)} is not declared in plugin.json`);
    return indexes;
  }

  private plan(indexes: Map<string, IndexType>, query: DocQuery) {
    const filters: Array<{ field: string; op: string; value: unknown }> = [];
    const ops: Record<string, string> = { eq: '=', ne: '<>', gt: '>', gte: '>=', lt: '<', lte: '<=' };
    for (const [field, condition] of Object.entries(query.where ?? {})) {
      const type = indexes.get(field);
      if (!type) throw new DocumentInputError(`${field} is not an indexed field: filter on declared indexes only`);
      const conditions = typeof condition === 'object' && condition !== null && !Array.isArray(condition) ? condition as Comparison : { eq: condition };
      for (const [name, value] of Object.entries(conditions)) {
        if (!ops[name]) throw new DocumentInputError(`unknown comparison ${name} (eq, ne, gt, gte, lt, lte)`);
        if (value === null || !matchesType(value, type)) throw new DocumentInputError(`${field} compares with a ${type}`);
        filters.push({ field, op: ops[name]!, value });
      }
    }
    const order = (query.order_by ?? []).map(({ field, dir }) => {
      if (!indexes.has(field)) throw new DocumentInputError(`${field} is not an indexed field: order on declared indexes only`);
      return { field, dir: dir === 'desc' ? 'DESC' : 'ASC' };
    });
    const limit = query.limit ?? 100;
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) throw new DocumentInputError(`limit must be 1…${MAX_LIMIT}`);
    return { filters, order, limit };
  }
}

function matchesType(value: unknown, type: IndexType): boolean {
  if (type === 'string') return typeof value === 'string';
  if (type === 'number') return typeof value === 'number' && Number.isFinite(value);
  if (type === 'boolean') return typeof value === 'boolean';
  return typeof value === 'string' && !Number.isNaN(Date.parse(value));
}

function sqlValue(value: unknown): unknown {
  return typeof value === 'boolean' ? String(value) : value;
}

function comparable(value: unknown, type: IndexType): number | string | null {
  if (value === undefined || value === null || !matchesType(value, type)) return null;
  if (type === 'date') return Date.parse(value as string);
  if (type === 'boolean') return value ? 1 : 0;
  return value as number | string;
}

function orderOf(a: unknown, b: unknown, type: IndexType): number {
  const x = comparable(a, type);
  const y = comparable(b, type);
  if (x === y) return 0;
  if (x === null) return 1; // NULLS LAST, as in SQL
  if (y === null) return -1;
  return x < y ? -1 : 1;
}

function compare(actual: unknown, expected: unknown, type: IndexType, op: string): boolean {
  const x = comparable(actual, type);
  const y = comparable(expected, type);
  if (x === null || y === null) return false;
  switch (op) {
    case '=': return x === y;
    case '<>': return x !== y;
    case '>': return x > y;
    case '>=': return x >= y;
    case '<': return x < y;
    default: return x <= y;
  }
}

function parseDoc(value: unknown): Record<string, unknown> {
  return (typeof value === 'string' ? JSON.parse(value) : value) as Record<string, unknown>;
}
