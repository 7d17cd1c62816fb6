import type { ApiClient } from '@paca/plugin-sdk/web';

/*
 * The sprints web module's data: the shapes the sprints and tasks routes return (only the fields
 * the pages read) and the small pure helpers both pages share.
 */

export type SprintStatus = 'planned' | 'active' | 'completed';

export interface Sprint {
  id: string;
  project_id: string;
  sprint_number: number;
  name: string;
  goal: string | null;
  start_date: string | null;
  end_date: string | null;
  status: SprintStatus;
  started_at: string | null;
  completed_at: string | null;
  committed: { story_points: number; task_count: number } | null;
  completed: { story_points: number; task_count: number; moved_task_count: number; moved_to_sprint_id: string | null } | null;
  version: number;
  progress?: Progress;
}

export interface Progress {
  task_count: number;
  done_task_count: number;
  story_points: number;
  done_story_points: number;
}

export interface Task {
  id: string;
  key: string;
  task_number: number;
  title: string;
  importance: number;
  story_points: number | null;
  sprint_id: string | null;
  status_id: string;
  task_type_id: string;
  assignee_ids: string[];
  version: number;
  view_position?: string | null;
  view_group_key?: string | null;
}

export interface TaskStatus { id: string; name: string; color: string | null; category: string }
export interface TaskType { id: string; name: string; color: string | null; icon: string | null; is_default: boolean; system_kind: string | null }
export interface Member {
  id: string;
  member_type: 'user' | 'agent';
  user: { id: string; username: string; full_name: string | null } | null;
  agent: { id: string; handle: string; name: string } | null;
}
export interface View { id: string; name: string; view_type: string; view_context: string; sprint_id: string | null; settings: Record<string, unknown>; config?: Record<string, unknown>; [field: string]: unknown }

export interface BurndownDay {
  date: string;
  total_points: number;
  total_tasks: number;
  remaining_points: number;
  remaining_tasks: number;
  completed_points: number;
  completed_tasks: number;
}
export interface Burndown { sprint: Sprint; days: BurndownDay[]; ideal: Array<{ date: string; remaining_points: number }> }

export interface Velocity {
  items: Array<{ sprint_id: string; name: string; committed_points: number; completed_points: number; committed_task_count: number; completed_task_count: number }>;
  average_completed_points: number | null;
}

/** The backlog view's group key for tasks without a sprint (sprint groups use the sprint id). */
export const BACKLOG_KEY = 'none';

export const sprintsPath = (projectId: string) => `/projects/${projectId}/sprints`;
export const sprintPath = (projectId: string, sprintId: string) => `${sprintsPath(projectId)}/${sprintId}`;

export const points = (task: Pick<Task, 'story_points'>) => Number(task.story_points ?? 0);
export const sumPoints = (tasks: readonly Task[]) => tasks.reduce((total, t) => total + points(t), 0);

/** `1`, `2.5`: points without trailing zeros. */
export const formatPoints = (n: number) => String(Math.round(n * 100) / 100);

/** UTC calendar day `YYYY-MM-DD` (the kernel's sprint days are UTC days). */
export const utcDay = (date: Date = new Date()) => date.toISOString().slice(0, 10);

export function addDays(day: string, days: number): string {
  const date = new Date(`${day}T00:00:00Z`);
  date.setUTCDate(date.getUTCDate() + days);
  return utcDay(date);
}

export function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000);
}

/** Active sprints first, then planned (oldest number first), then completed (newest first). */
export function sprintOrder(a: Sprint, b: Sprint): number {
  const rank = { active: 0, planned: 1, completed: 2 } as const;
  if (rank[a.status] !== rank[b.status]) return rank[a.status] - rank[b.status];
  return a.status === 'completed' ? b.sprint_number - a.sprint_number : a.sprint_number - b.sprint_number;
}

/**
 * A group's tasks in the backlog view's manual order: tasks placed in this group by their
 * fractional key (byte order), then the unplaced ones by number (newest last).
 */
export function manualOrder(tasks: Task[], groupKey: string): Task[] {
  const placed = (t: Task) => (t.view_group_key === groupKey && t.view_position ? t.view_position : null);
  return [...tasks].sort((a, b) => {
    const pa = placed(a);
    const pb = placed(b);
    if (pa !== null && pb !== null) return pa < pb ? -1 : pa > pb ? 1 : a.task_number - b.task_number;
    if (pa !== null) return -1;
    if (pb !== null) return 1;
    return a.task_number - b.task_number;
  });
}

export function memberName(member: Member | undefined): string {
  if (!member) return 'Unknown';
  return member.user ? member.user.full_name || member.user.username : member.agent?.name || member.agent?.handle || 'Agent';
}

export interface ProjectMeta {
  statuses: Map<string, TaskStatus>;
  types: Map<string, TaskType>;
  members: Map<string, Member>;
}

/** Statuses, types and members of the project, for rendering task rows. Members are optional (a viewer may not list them). */
export async function loadProjectMeta(api: ApiClient, projectId: string): Promise<ProjectMeta> {
  const [statuses, types, members] = await Promise.all([
    api.get<{ items: TaskStatus[] }>(`/projects/${projectId}/task-statuses`),
    api.get<{ items: TaskType[] }>(`/projects/${projectId}/task-types`),
    api.all<Member>(`/projects/${projectId}/members`, { page_size: 100 }, 500).catch(() => [] as Member[]),
  ]);
  return {
    statuses: new Map(statuses.items.map((s) => [s.id, s])),
    types: new Map(types.items.map((t) => [t.id, t])),
    members: new Map(members.map((m) => [m.id, m])),
  };
}

export function isDone(meta: ProjectMeta | null, task: Task): boolean {
  return meta?.statuses.get(task.status_id)?.category === 'done';
}

export function dateRange(sprint: Pick<Sprint, 'start_date' | 'end_date'>, format: (d: string) => string): string {
  if (!sprint.start_date && !sprint.end_date) return '';
  if (sprint.start_date && sprint.end_date) return `${format(sprint.start_date)} – ${format(sprint.end_date)}`;
  return sprint.start_date ? `From ${format(sprint.start_date)}` : `Until ${format(sprint.end_date!)}`;
}

/**
 * Request options for reads of a resource that has an ETag (a sprint): revalidate instead of
 * reusing a cached copy (happy-dom's fetch cache served stale sprints after a start).
 */
export const FRESH = { headers: { 'cache-control': 'no-cache' } } as const;
