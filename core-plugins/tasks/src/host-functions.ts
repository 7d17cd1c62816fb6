import type { HostFunctions, PluginDb } from '@paca/plugin-sdk';
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { invalid, TaskNotFound, ValidationFailed } from './errors.js';
import type { TasksContext } from './plugin-context.js';
import { listTasks } from './tasks/task-list.js';
import { loadTask } from './tasks/task-view.js';

/*
 * Typed task reads for WASM plugins (D20, D22): `tasks.list` and `tasks.get`. The kernel's
 * registry has already checked, before a handler runs, the caller's `core:read:tasks` permission,
 * that any project it names is the call's own, that tasks is on there and that the principal
 * holds `tasks:read`. The handlers read only `projectId`'s tasks and validate the guest's
 * arguments themselves: a bad one is a coded VALIDATION_FAILED returned to the guest, never a crash.
 */

const Uuid = Type.String({ pattern: '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$' });
/** Guests may name their project; the registry refuses any other one before we get here. */
const ProjectId = Type.Optional(Type.String());

const GetArgs = Type.Object({
  project_id: ProjectId,
  task_id: Type.Optional(Uuid),
  task_number: Type.Optional(Type.Integer({ minimum: 1, maximum: 2_147_483_647 })),
}, { additionalProperties: false });

const ListArgs = Type.Object({
  project_id: ProjectId,
  status_ids: Type.Optional(Type.Array(Uuid, { maxItems: 100 })),
  /** A sprint id, or null for the product backlog. */
  sprint_id: Type.Optional(Type.Union([Uuid, Type.Null()])),
  /** Member ids. */
  assignee_ids: Type.Optional(Type.Array(Uuid, { maxItems: 100 })),
  /** Title substring or task number (`12`, `#12`, `PREFIX-12`); with `search_content` the description too. */
  search: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  search_content: Type.Optional(Type.Boolean()),
  cursor: Type.Optional(Type.String({ maxLength: 512 })),
  page_size: Type.Optional(Type.Integer({ minimum: 1, maximum: 200 })),
}, { additionalProperties: false });

/** Same page size as `GET /tasks` when none is given. */
const DEFAULT_PAGE_SIZE = 20;

/** The arguments, or D2's VALIDATION_FAILED naming every offending `args.<path>`. */
function parseArgs<T extends TSchema>(schema: T, args: Record<string, unknown>): Static<T> {
  const issues = [...Value.Errors(schema, args)].map((error) => ({
    path: ['args', ...error.path.split('/').filter(Boolean)].join('.'),
    message: error.message,
  }));
  if (issues.length > 0) throw ValidationFailed({ issues });
  return args as Static<T>;
}

async function taskIdByNumber(db: PluginDb, projectId: string, taskNumber: number): Promise<string> {
  const row = (await db('tasks').where({ project_id: projectId, task_number: taskNumber }).whereNull('deleted_at').first('id')) as { id: string } | undefined;
  if (!row) throw TaskNotFound({});
  return row.id;
}

export function registerTaskHostFunctions(hostFunctions: HostFunctions, _ctx: TasksContext): void {
  hostFunctions.register({
    name: 'tasks.get', permission: 'core:read:tasks', action: 'tasks:read',
    async handler({ db, projectId, args }) {
      const { task_id: taskId, task_number: taskNumber } = parseArgs(GetArgs, args);
      if ((taskId === undefined) === (taskNumber === undefined)) throw invalid('args', 'give exactly one of task_id and task_number');
      return loadTask(db, projectId, taskId ?? await taskIdByNumber(db, projectId, taskNumber!));
    },
  });

  hostFunctions.register({
    name: 'tasks.list', permission: 'core:read:tasks', action: 'tasks:read',
    async handler({ db, projectId, args }) {
      const filter = parseArgs(ListArgs, args);
      return listTasks(db, projectId, {
        ...(filter.status_ids && { statusIds: filter.status_ids }),
        ...(filter.sprint_id !== undefined && { sprintId: filter.sprint_id }),
        ...(filter.assignee_ids && { assigneeIds: filter.assignee_ids }),
        ...(filter.search && { search: filter.search, searchContent: filter.search_content ?? false }),
        ...(filter.cursor && { cursor: filter.cursor }),
        pageSize: filter.page_size ?? DEFAULT_PAGE_SIZE,
      });
    },
  });
}
