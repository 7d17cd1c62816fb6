import { Type, type TObject, type TProperties, type TSchema } from '@sinclair/typebox';

/** An object schema that rejects unknown fields (D2). */
export function StrictObject<T extends TProperties>(properties: T, options: { description?: string } = {}): TObject<T> {
  return Type.Object(properties, { additionalProperties: false, ...options });
}

const UUID_SOURCE = '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$';

// A plain pattern, not `format: 'uuid'`: ajv-formats also accepts `urn:uuid:…`, which PostgreSQL does not.
export const Uuid = Type.String({ pattern: UUID_SOURCE, description: 'UUID' });

/** For values not validated by a schema (cursors, filters that take an id or a name): the SDK's check, one for kernel and plugins. */
export { isUuid } from '@paca/plugin-sdk';
export const Timestamp = Type.String({ format: 'date-time' });

/** PATCH is three-state (reference 2.1): absent = unchanged, null = clear, value = set. */
export function Nullable<T extends TSchema>(schema: T) {
  return Type.Union([schema, Type.Null()]);
}

export const PageQuery = {
  page: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000, default: 1 })),
  page_size: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 20 })),
};

/** The reference's `sort` (2.4): a column name, `-` for descending. */
export function SortQuery<const F extends string>(fields: readonly F[]) {
  return Type.Optional(Type.String({ pattern: `^-?(${fields.join('|')})$`, description: `one of ${fields.join(', ')}; prefix - for descending` }));
}

/** `sort` text → knex orderBy entries, with `id` as the tiebreaker for a stable order. */
export function sortOrder(sort: string | undefined, fallback: string): Array<{ column: string; order: 'asc' | 'desc' }> {
  const text = sort ?? fallback;
  const column = text.replace(/^-/, '');
  const order = text.startsWith('-') ? 'desc' : 'asc';
  return [{ column, order }, { column: 'id', order }];
}

export const CursorQuery = {
  cursor: Type.Optional(Type.String({ maxLength: 512 })),
  page_size: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })),
};

export const ProjectParams = StrictObject({ projectId: Uuid });
