import { PRIORITIES } from '@paca/plugin-sdk/web';
import type { ProjectMeta } from '../shared/project-meta.js';
import { memberName, type TaskPatch, type ViewConfig } from '../shared/task-types.js';
import type { ListedTask } from './task-list.js';

export type GroupBy = 'status' | 'assignee' | 'type' | 'priority';
export const NONE = 'none';

export interface Group {
  key: string;
  label: string;
  kind: GroupBy;
  /** For status groups: category and colour (icon). */
  category?: string;
  color?: string | null;
  /** For assignee groups. */
  agent?: boolean;
  importance?: number;
}

/** The live filter bar of the views page, handed to view components as `view.query`. */
export interface ViewQuery {
  search?: string;
  assignee_ids?: string[];
  task_type_ids?: string[];
  status_ids?: string[];
  importances?: number[];
}

/** The settings a view component reads: the caller's effective config (shared + personal). */
export function configOf(view: Record<string, unknown> | null | undefined): ViewConfig {
  if (!view) return {};
  return ((view.effective_config ?? view.settings ?? view.config) as ViewConfig | undefined) ?? {};
}

export const importanceLevel = (importance: number | null | undefined) => Math.max(0, Math.min(4, importance ?? 0));

export function groupKeyOf(task: ListedTask, by: GroupBy): string {
  switch (by) {
    case 'assignee': return task.assignee_ids[0] ?? NONE;
    case 'type': return task.task_type_id;
    case 'priority': return String(importanceLevel(task.importance));
    default: return task.status_id;
  }
}

export function groupsOf(by: GroupBy, meta: ProjectMeta): Group[] {
  switch (by) {
    case 'assignee':
      return [
        ...meta.members.map((m) => ({ key: m.id, label: memberName(m), kind: by, agent: m.member_type === 'agent' })),
        { key: NONE, label: 'No assignee', kind: by },
      ];
    case 'type':
      return meta.types.map((t) => ({ key: t.id, label: t.name, kind: by, color: t.color }));
    case 'priority':
      return [...PRIORITIES].reverse().map((p) => ({ key: String(p.importance), label: p.label, kind: by, importance: p.importance }));
    default:
      return meta.statuses.map((s) => ({ key: s.id, label: s.name, kind: 'status' as const, category: s.category, color: s.color }));
  }
}

/** The write that moves a task into a group. */
export function patchFor(by: GroupBy, key: string): TaskPatch {
  switch (by) {
    case 'assignee': return { assignee_ids: key === NONE ? [] : [key] };
    case 'type': return { task_type_id: key };
    case 'priority': return { importance: Number(key) };
    default: return { status_id: key };
  }
}

export function matchesQuery(task: ListedTask, query: ViewQuery | undefined): boolean {
  if (!query) return true;
  const search = query.search?.trim().toLowerCase();
  if (search && !task.title.toLowerCase().includes(search) && !task.key.toLowerCase().includes(search)
    && !task.tags.some((tag) => tag.toLowerCase().includes(search))) return false;
  if (query.assignee_ids?.length && !query.assignee_ids.some((id) => (id === NONE ? task.assignee_ids.length === 0 : task.assignee_ids.includes(id)))) return false;
  if (query.task_type_ids?.length && !query.task_type_ids.includes(task.task_type_id)) return false;
  if (query.status_ids?.length && !query.status_ids.includes(task.status_id)) return false;
  if (query.importances?.length && !query.importances.includes(importanceLevel(task.importance))) return false;
  return true;
}

export type SortKey = 'manual' | 'importance' | 'updated' | 'created' | 'key' | 'title' | 'due_date' | 'story_points';

export const SORTS: Array<{ id: SortKey; label: string }> = [
  { id: 'manual', label: 'Manual' },
  { id: 'importance', label: 'Priority' },
  { id: 'updated', label: 'Last updated' },
  { id: 'created', label: 'Created' },
  { id: 'due_date', label: 'Due date' },
  { id: 'key', label: 'ID' },
  { id: 'title', label: 'Title' },
];

const byText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** Sorts a group's cards: manual = positioned cards by key, then the rest by number. */
export function sortTasks(tasks: ListedTask[], sort: string | null | undefined, order: 'asc' | 'desc' | undefined, groupKey?: string): ListedTask[] {
  const dir = order === 'desc' ? -1 : 1;
  const copy = tasks.slice();
  switch (sort) {
    case 'importance': return copy.sort((a, b) => (b.importance - a.importance) * dir || a.task_number - b.task_number);
    case 'updated': return copy.sort((a, b) => byText(b.updated_at, a.updated_at) * dir);
    case 'created': return copy.sort((a, b) => (b.task_number - a.task_number) * dir);
    case 'key': return copy.sort((a, b) => (a.task_number - b.task_number) * dir);
    case 'title': return copy.sort((a, b) => a.title.localeCompare(b.title) * dir);
    case 'story_points': return copy.sort((a, b) => ((a.story_points ?? -1) - (b.story_points ?? -1)) * dir);
    case 'due_date': return copy.sort((a, b) => (a.due_date && b.due_date ? byText(a.due_date, b.due_date) * dir : a.due_date ? -1 : b.due_date ? 1 : 0));
    default: {
      const placed = (t: ListedTask) => (t.view_position && (groupKey === undefined || t.view_group_key === groupKey) ? t.view_position : null);
      return copy.sort((a, b) => {
        const pa = placed(a);
        const pb = placed(b);
        if (pa && pb) return byText(pa, pb);
        if (pa) return -1;
        if (pb) return 1;
        return a.task_number - b.task_number;
      });
    }
  }
}

/** Card fields a view may show (config.fields); key and title always show. */
export const CARD_FIELDS: Array<{ id: string; label: string }> = [
  { id: 'type', label: 'Type' },
  { id: 'importance', label: 'Priority' },
  { id: 'assignees', label: 'Assignees' },
  { id: 'story_points', label: 'Story points' },
  { id: 'tags', label: 'Tags' },
  { id: 'due_date', label: 'Due date' },
];
export const DEFAULT_CARD_FIELDS = ['type', 'importance', 'assignees', 'story_points', 'tags'];
