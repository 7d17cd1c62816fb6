import { cursorPage, type ListScope, type PluginDb, type PrincipalRef } from '@paca/plugin-sdk';
import { applyScope } from './task-scope.js';

export type LinkType = 'blocks' | 'relates_to' | 'duplicates';
export type DisplayLinkType = LinkType | 'is_blocked_by' | 'is_duplicated_by';

export interface TaskLinkRow {
  id: string;
  project_id: string;
  source_task_id: string;
  target_task_id: string;
  link_type: LinkType;
  created_by_type: 'user' | 'agent' | null;
  created_by_id: string | null;
  created_at: Date;
}

/** The task at the other end of a link, enough to render and open it. */
export interface LinkedTaskSummary {
  id: string;
  task_number: number;
  key: string;
  title: string;
  status_id: string;
}

/** A link as seen from one of its two tasks (reference 1.5 "task links"). */
export interface TaskLinkView {
  id: string;
  project_id: string;
  source_task_id: string;
  target_task_id: string;
  link_type: LinkType;
  /** From the viewing task's side: the target of `A blocks B` reads `is_blocked_by`. */
  display_link_type: DisplayLinkType;
  /** `outward` when the viewing task is the source. */
  direction: 'outward' | 'inward';
  linked_task: LinkedTaskSummary;
  created_by: PrincipalRef | null;
  created_at: string;
}

const INVERSE: Record<LinkType, DisplayLinkType> = { blocks: 'is_blocked_by', duplicates: 'is_duplicated_by', relates_to: 'relates_to' };

/** How `link_type` reads from the task at `direction`'s end. */
export function displayLinkType(linkType: LinkType, direction: TaskLinkView['direction']): DisplayLinkType {
  return direction === 'outward' ? linkType : INVERSE[linkType];
}

type LinkedRow = TaskLinkRow & { other_id: string; other_number: number; other_title: string; other_status_id: string };

export function taskLinkView(row: LinkedRow, viewingTaskId: string, prefix: string): TaskLinkView {
  const direction = row.source_task_id === viewingTaskId ? 'outward' : 'inward';
  return {
    id: row.id,
    project_id: row.project_id,
    source_task_id: row.source_task_id,
    target_task_id: row.target_task_id,
    link_type: row.link_type,
    display_link_type: displayLinkType(row.link_type, direction),
    direction,
    linked_task: { id: row.other_id, task_number: row.other_number, key: `${prefix}-${row.other_number}`, title: row.other_title, status_id: row.other_status_id },
    created_by: row.created_by_type && row.created_by_id ? { type: row.created_by_type, id: row.created_by_id } : null,
    created_at: new Date(row.created_at).toISOString(),
  };
}

/**
 * Links where `taskId` is either end, with the other task joined in: links to deleted tasks and
 * to tasks the caller may not read (D15 entity rules) are left out. Oldest first, keyset-paged.
 */
export function linksOfTask(db: PluginDb, projectId: string, taskId: string, scope: ListScope) {
  const query = db('task_links as l')
    .join(db.raw(`${db.table('tasks')} as o`), (j) => j.on('o.id', '=',
      db.raw('CASE WHEN l.source_task_id = ? THEN l.target_task_id ELSE l.source_task_id END', [taskId])))
    .where('l.project_id', projectId)
    .where((w) => w.where('l.source_task_id', taskId).orWhere('l.target_task_id', taskId))
    .whereNull('o.deleted_at')
    .select('l.*', 'o.id as other_id', 'o.task_number as other_number', 'o.title as other_title', 'o.status_id as other_status_id');
  applyScope(query, scope, 'o.id');
  return query;
}

/** One page of a task's links, as that task sees them. */
export async function listTaskLinks(db: PluginDb, input: { projectId: string; taskId: string; prefix: string; scope: ListScope; cursor?: string; pageSize: number }) {
  const page = await cursorPage<LinkedRow & Record<string, unknown>>(linksOfTask(db, input.projectId, input.taskId, input.scope), {
    cursor: input.cursor, pageSize: input.pageSize, order: 'asc',
    keys: [{ column: 'l.created_at', field: 'created_at', type: 'timestamptz' }, { column: 'l.id', field: 'id', type: 'uuid' }],
  });
  return { items: page.items.map((row) => taskLinkView(row, input.taskId, input.prefix)), next_cursor: page.next_cursor };
}

/** One link of the task, as that task sees it; null when it is not one of its (visible) links. */
export async function getTaskLink(db: PluginDb, input: { projectId: string; taskId: string; linkId: string; prefix: string; scope: ListScope }): Promise<TaskLinkView | null> {
  const row = (await linksOfTask(db, input.projectId, input.taskId, input.scope).where('l.id', input.linkId).first()) as LinkedRow | undefined;
  return row ? taskLinkView(row, input.taskId, input.prefix) : null;
}
