import type { PluginDb } from '@paca/plugin-sdk';

/*
 * Shared by the project's task settings (types, statuses, custom fields): small per-project
 * tables whose writes touch several rows at once (positions, the single default, unique names).
 */

/** The settings table a lock applies to. */
export type SettingsTable = 'task_types' | 'task_statuses' | 'custom_fields';

/**
 * Serialises one project's writes to a settings table for the rest of the transaction: a name
 * check, a position shift or a default swap never interleaves with another (on PostgreSQL each
 * later statement sees what the previous writer committed).
 *
 * A transaction-scoped advisory lock on (schema, table, project) rather than `FOR UPDATE` on the
 * rows: row locks miss a row another writer has just inserted, so a third writer could lock that
 * new row first and then wait for the others while the second writer, holding them, updated the
 * new row's position — a deadlock PostgreSQL breaks by failing one of them (seen in CI as 500s).
 */
export async function lockProjectRows(db: PluginDb, table: SettingsTable, projectId: string): Promise<void> {
  await db.raw('SELECT pg_advisory_xact_lock(hashtext(?))', [`${db.schema}.${table}:${projectId}`]);
}

/** RFC 3339, whatever the driver returned (Date or string). */
export const timestamp = (value: Date | string): string => new Date(value).toISOString();
