import { isUuid, type PluginDb, type PrincipalRef } from '@paca/plugin-sdk';
import { SprintNotFound } from './errors.js';

export type SprintStatus = 'planned' | 'active' | 'completed';

/** What the stored row and the returned sprint share; dates are `YYYY-MM-DD` UTC days. */
type SprintFields = {
  id: string;
  project_id: string;
  sprint_number: number;
  name: string;
  goal: string | null;
  start_date: string | null;
  end_date: string | null;
  status: SprintStatus;
  version: number;
};

export type SprintRow = SprintFields & {
  started_at: Date | null;
  completed_at: Date | null;
  committed_points: number | null;
  committed_task_count: number | null;
  completed_points: number | null;
  completed_task_count: number | null;
  moved_task_count: number | null;
  moved_to_sprint_id: string | null;
  created_by_type: 'user' | 'agent' | null;
  created_by_id: string | null;
  created_at: Date;
  updated_at: Date;
};

/** A sprint as every surface returns it (REST, events, MCP, `get_task` context). */
export type Sprint = SprintFields & {
  started_at: string | null;
  completed_at: string | null;
  /** Frozen at start (D29). */
  committed: { story_points: number; task_count: number } | null;
  /** Frozen at completion (D29): done tasks, and the unfinished ones moved out and where to. */
  completed: { story_points: number; task_count: number; moved_task_count: number; moved_to_sprint_id: string | null } | null;
  created_by: PrincipalRef | null;
  created_at: string;
  updated_at: string;
};

/** Re-exported for this plugin's modules: one uuid check for the kernel's plugins (the SDK's). */
export { isUuid };

const iso = (value: Date | null) => (value ? new Date(value).toISOString() : null);

const COLUMNS = [
  'id', 'project_id', 'sprint_number', 'name', 'goal', 'status', 'started_at', 'completed_at', 'committed_points', 'committed_task_count',
  'completed_points', 'completed_task_count', 'moved_task_count', 'moved_to_sprint_id', 'version', 'created_by_type', 'created_by_id',
  'created_at', 'updated_at',
];

/** The row's columns, dates as `YYYY-MM-DD` text (a `date` is a calendar day, not an instant, on both drivers). */
export function sprintColumns(db: PluginDb): Array<string | ReturnType<PluginDb['raw']>> {
  return [...COLUMNS, db.raw('start_date::text as start_date'), db.raw('end_date::text as end_date')];
}

export function sprintView(row: SprintRow): Sprint {
  return {
    id: row.id,
    project_id: row.project_id,
    sprint_number: row.sprint_number,
    name: row.name,
    goal: row.goal,
    start_date: row.start_date,
    end_date: row.end_date,
    status: row.status,
    started_at: iso(row.started_at),
    completed_at: iso(row.completed_at),
    committed: row.committed_task_count === null ? null : { story_points: Number(row.committed_points ?? 0), task_count: row.committed_task_count },
    completed: row.completed_task_count === null ? null : {
      story_points: Number(row.completed_points ?? 0), task_count: row.completed_task_count,
      moved_task_count: row.moved_task_count ?? 0, moved_to_sprint_id: row.moved_to_sprint_id,
    },
    version: row.version,
    created_by: row.created_by_type && row.created_by_id ? { type: row.created_by_type, id: row.created_by_id } : null,
    created_at: new Date(row.created_at).toISOString(),
    updated_at: new Date(row.updated_at).toISOString(),
  };
}

/** A sprint of the project, or 404 `SPRINT_NOT_FOUND` (also for another project's). `forUpdate` serialises lifecycle changes. */
export async function requireSprint(db: PluginDb, projectId: string, sprintId: string, options: { forUpdate?: boolean } = {}): Promise<SprintRow> {
  if (!isUuid(sprintId)) throw SprintNotFound({});
  const query = db('sprints').where({ id: sprintId, project_id: projectId }).first(sprintColumns(db));
  if (options.forUpdate) query.forUpdate();
  const row = (await query) as SprintRow | undefined;
  if (!row) throw SprintNotFound({});
  return row;
}
