import type { PluginDb, PluginProjects } from '@paca/plugin-sdk';
import type { Task } from '../contract.js';
import { isUuid, requireTask, taskColumns, type TaskRow } from '../task-lookup.js';

let projectDirectory: PluginProjects | null = null;

/**
 * The kernel's projects service, bound once in `init`. Task keys (`PREFIX-N`) need the project's
 * `task_id_prefix`, which the kernel owns and users may edit, so it is read on demand; the
 * loaders here take only a database handle, which the service reads through.
 */
export function useProjectDirectory(projects: PluginProjects): void {
  projectDirectory = projects;
}

export async function projectPrefixes(db: PluginDb, projectIds: readonly string[]): Promise<Map<string, string>> {
  if (projectIds.length === 0) return new Map();
  if (!projectDirectory) throw new Error('the tasks plugin has not been initialised');
  const projects = await projectDirectory.getMany(db, projectIds);
  return new Map(projects.map((p) => [p.id, p.task_id_prefix]));
}

export async function projectPrefix(db: PluginDb, projectId: string): Promise<string> {
  return (await projectPrefixes(db, [projectId])).get(projectId) ?? '';
}

/** The member ids assigned to each task, sorted (one query for a whole page). */
export async function assigneesOf(db: PluginDb, taskIds: readonly string[]): Promise<Map<string, string[]>> {
  const byTask = new Map<string, string[]>(taskIds.map((id) => [id, []]));
  if (taskIds.length === 0) return byTask;
  const rows = (await db('task_assignees').whereIn('task_id', taskIds).orderBy(['task_id', 'member_id'])
    .select('task_id', 'member_id')) as Array<{ task_id: string; member_id: string }>;
  for (const row of rows) byTask.get(row.task_id)?.push(row.member_id);
  return byTask;
}

const iso = (value: Date | string) => new Date(value).toISOString();
const json = <T>(value: T | string): T => (typeof value === 'string' ? JSON.parse(value) as T : value);

/** A stored task as every surface returns it (the contract's `Task`). */
export function taskView(row: TaskRow, prefix: string, assigneeIds: readonly string[]): Task {
  return {
    id: row.id,
    project_id: row.project_id,
    task_number: row.task_number,
    key: `${prefix}-${row.task_number}`,
    title: row.title,
    description: row.description,
    importance: row.importance,
    story_points: row.story_points === null ? null : Number(row.story_points),
    sprint_id: row.sprint_id,
    status_id: row.status_id,
    task_type_id: row.task_type_id,
    parent_task_id: row.parent_task_id,
    assignee_ids: [...assigneeIds].sort(),
    reporter_id: row.reporter_id,
    tags: json(row.tags),
    custom_fields: json(row.custom_fields),
    start_date: row.start_date,
    due_date: row.due_date,
    assignment_mode: row.assignment_mode,
    version: row.version,
    created_by: row.created_by_type && row.created_by_id ? { type: row.created_by_type, id: row.created_by_id } : null,
    created_at: iso(row.created_at),
    updated_at: iso(row.updated_at),
  };
}

/** Task views for rows of one or more projects, with their assignees and keys in two queries. */
export async function taskViews(db: PluginDb, rows: readonly TaskRow[]): Promise<Task[]> {
  // One after the other: inside a request transaction both run on the same connection.
  const assignees = await assigneesOf(db, rows.map((r) => r.id));
  const prefixes = await projectPrefixes(db, rows.map((r) => r.project_id));
  return rows.map((row) => taskView(row, prefixes.get(row.project_id) ?? '', assignees.get(row.id) ?? []));
}

/** A live task of the project as a `Task`, or 404 `TASK_NOT_FOUND`. */
export async function loadTask(db: PluginDb, projectId: string, taskId: string): Promise<Task> {
  const [task] = await taskViews(db, [await requireTask(db, projectId, taskId)]);
  return task!;
}

/** The live tasks of the project among `ids`, in the order of `ids` (unknown, deleted or foreign ids are left out). */
export async function loadTasks(db: PluginDb, projectId: string, ids: readonly string[]): Promise<Task[]> {
  const valid = [...new Set(ids.filter(isUuid))];
  if (valid.length === 0) return [];
  const rows = (await db('tasks').where({ project_id: projectId }).whereIn('id', valid).whereNull('deleted_at')
    .select(taskColumns(db))) as TaskRow[];
  const tasks = new Map((await taskViews(db, rows)).map((t) => [t.id, t]));
  return valid.flatMap((id) => tasks.get(id) ?? []);
}

/** A task as an event payload's `task` (a plain record). */
export const eventTask = (task: Task): Record<string, unknown> => ({ ...task });
