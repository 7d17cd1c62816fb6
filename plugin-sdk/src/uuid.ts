const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * A plain UUID. Path ids, ids other plugins pass to a service and ids named in policies are any
 * text, which PostgreSQL refuses as a uuid: check them with this before they reach SQL.
 */
export const isUuid = (value: unknown): value is string => typeof value === 'string' && UUID.test(value);
