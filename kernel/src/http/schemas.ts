import { Type, type TObject, type TProperties, type TSchema } from '@sinclair/typebox';

/** An object schema that rejects unknown fields (D2). */
export function StrictObject<T extends TProperties>(properties: T, options: { description?: string } = {}): TObject<T> {
  return Type.Object(properties, { additionalProperties: false, ...options });
}

export const Uuid = Type.String({ format: 'uuid' });

const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** For values not validated by a schema (cursors, filters that take an id or a name). */
export function isUuid(value: string): boolean {
  return UUID_PATTERN.test(value);
}
export const Timestamp = Type.String({ format: 'date-time' });

/** PATCH is three-state (reference 2.1): absent = unchanged, null = clear, value = set. */
export function Nullable<T extends TSchema>(schema: T) {
  return Type.Union([schema, Type.Null()]);
}

export const PageQuery = {
  page: Type.Optional(Type.Integer({ minimum: 1, default: 1 })),
  page_size: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 20 })),
};

export const CursorQuery = {
  cursor: Type.Optional(Type.String({ maxLength: 512 })),
  page_size: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })),
};

export const ProjectParams = StrictObject({ projectId: Uuid });
