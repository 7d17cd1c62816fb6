import type { PluginDb } from '@paca/plugin-sdk';

/*
 * Rules among the items of one folder: where a new one goes, and names that stay unique.
 */

/** The position after the last live sibling: new and moved items go to the end unless placed. */
export async function nextPosition(db: PluginDb, table: 'documents' | 'doc_folders', where: Record<string, string | null>): Promise<number> {
  const { last } = (await db(table).where(where).whereNull('deleted_at').max({ last: 'position' }).first()) as { last: number | null };
  return (last ?? -1) + 1;
}

/**
 * Runs a write guarded by a unique name index. The routes check names first; the index refuses
 * what two writers racing past the same check would both write, and that becomes `taken()`.
 */
export async function writeUnique(write: () => Promise<unknown>, taken: (options: { cause: unknown }) => Error): Promise<void> {
  try {
    await write();
  } catch (error) {
    if ((error as { code?: unknown } | null)?.code === '23505') throw taken({ cause: error });
    throw error;
  }
}
