import type { PluginDb } from '@paca/plugin-sdk';

/**
 * The next `task_number` of the project, never handed out twice (reference 1.5: numbers are not
 * reused, deleted tasks keep theirs). The upsert locks the project's counter row until the
 * creating transaction ends, so concurrent creates get consecutive numbers in commit order; the
 * row normally exists from the seeding hook, the insert covers a project seeded before it.
 */
export async function nextTaskNumber(db: PluginDb, projectId: string): Promise<number> {
  const counters = db.table('task_counters');
  const result = await db.raw(
    `INSERT INTO ${counters} AS c (project_id, last_value) VALUES (?, 1)
     ON CONFLICT (project_id) DO UPDATE SET last_value = c.last_value + 1
     RETURNING last_value`,
    [projectId],
  );
  return Number((result as { rows: Array<{ last_value: number }> }).rows[0]!.last_value);
}
