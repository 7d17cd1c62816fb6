import type { PluginDb, PrincipalRef } from '@paca/plugin-sdk';
import { randomUUID } from 'node:crypto';
import type { DocRow } from './doc-lookup.js';
import { authorColumns } from './doc-view.js';
import type { DocsContext } from './plugin-context.js';

/** Saves by one author closer together than this are one step of the history (D30). */
export const MERGE_WINDOW_MS = 60_000;

export type SnapshotRow = {
  id: string;
  document_id: string;
  project_id: string;
  snapshot_number: number;
  title: string;
  content: string;
  restored_from: number | null;
  created_by_type: 'user' | 'agent' | null;
  created_by_id: string | null;
  created_at: Date;
  updated_at: Date;
};

interface SnapshotInput {
  /** The document as it was before this save, locked. */
  doc: DocRow;
  title: string;
  content: string;
  actor: PrincipalRef | null;
  /** The snapshot a restore brings back; null for an ordinary save. */
  restoredFrom: number | null;
}

const sameAuthor = (snapshot: SnapshotRow, actor: PrincipalRef | null) =>
  actor !== null && snapshot.created_by_type === actor.type && snapshot.created_by_id === actor.id;

/**
 * Records a save of the title or content in the document's history and returns the snapshot
 * number the document now is at (D30). The latest snapshot absorbs the save when the same author
 * made it less than a minute before (typing, autosave) — unless it is a restore, which stays a
 * step of its own, and a restore never merges into anything. Otherwise a new snapshot gets the
 * next number; the document row holds the last one, so numbers are never reused.
 */
export async function recordSnapshot(ctx: DocsContext, db: PluginDb, input: SnapshotInput): Promise<number> {
  const { doc, actor } = input;
  const now = ctx.clock.now();
  if (input.restoredFrom === null) {
    const latest = (await db('doc_snapshots').where({ document_id: doc.id, snapshot_number: doc.snapshot_number }).first()) as SnapshotRow | undefined;
    if (latest && latest.restored_from === null && sameAuthor(latest, actor) && now.getTime() - new Date(latest.updated_at).getTime() <= MERGE_WINDOW_MS) {
      await db('doc_snapshots').where({ id: latest.id }).update({ title: input.title, content: input.content, updated_at: now });
      return latest.snapshot_number;
    }
  }
  const snapshotNumber = doc.snapshot_number + 1;
  await insertSnapshot(db, { ...input, doc: { ...doc, snapshot_number: snapshotNumber }, now });
  return snapshotNumber;
}

/** Writes snapshot `doc.snapshot_number` of the document (creation writes number 1). */
export async function insertSnapshot(db: PluginDb, input: SnapshotInput & { now: Date }): Promise<void> {
  await db('doc_snapshots').insert({
    id: randomUUID(), document_id: input.doc.id, project_id: input.doc.project_id, snapshot_number: input.doc.snapshot_number,
    title: input.title, content: input.content, restored_from: input.restoredFrom, ...authorColumns('created_by', input.actor),
    created_at: input.now, updated_at: input.now,
  });
}
