import type { PluginDb } from '@paca/plugin-sdk';

/*
 * Shared by the project's task settings (types, statuses, custom fields): small per-project
 * tables whose writes touch several rows at once (positions, the single default, unique names).
 */

/** The settings table a lock applies to. */
export type SettingsTable = 'task_types' | 'task_statuses' | 'custom_fields';

/**
 * Locks every row of one project's settings table for the rest of the transaction, in id order
 * so two writers never deadlock. Writes then run one after another per project: a name check,
 * a position shift or a default swap never interleaves with another (on PostgreSQL each later
 * statement sees what the previous writer committed).
 */
export async function lockProjectRows(db: PluginDb, table: SettingsTable, projectId: string): Promise<void> {
  await db(table).where({ project_id: projectId }).orderBy('id').forUpdate().select('id');
}

/** RFC 3339, whatever the driver returned (Date or string). */
export const timestamp = (value: Date | string): string => new Date(value).toISOString();
