import { etag, expectedVersion, type PluginRoutes, type RouteRequest } from '@paca/plugin-sdk';
import type { TaskPatch } from '../contract.js';
import { TaskNotFound } from '../errors.js';
import type { TasksContext } from '../plugin-context.js';
import { taskColumns, type TaskRow } from '../task-lookup.js';
import { listMyTasks } from './my-tasks.js';
import { taskContext } from './task-context.js';
import { createTask } from './task-create.js';
import { deleteTask } from './task-delete.js';
import { listTasks } from './task-list.js';
import { loadTask, taskViews } from './task-view.js';
import { updateTask } from './task-write.js';

type ProjectParams = { projectId: string };
type TaskParams = ProjectParams & { taskId: string };

interface ListQuery {
  cursor?: string;
  page_size: number;
  sprint_id?: string;
  sprint_ids?: string[];
  status_id?: string;
  status_ids?: string[];
  assignee_id?: string;
  assignee_ids?: string[];
  task_type_ids?: string[];
  parent_task_id?: string;
  view_id?: string;
  exclude_system_types?: boolean;
  search?: string;
  search_content?: boolean;
}

/** `status_id` and `status_ids` (likewise assignees) name one set; absent when neither is given. */
const oneSet = (single: string | undefined, many: string[] | undefined) =>
  single === undefined && many === undefined ? undefined : [...(single === undefined ? [] : [single]), ...(many ?? [])];

/** Reference 2.3 "Tasks": the task resource, its list, its number lookup, the agent context and "my tasks". */
export function registerTaskRoutes(routes: PluginRoutes, ctx: TasksContext): void {
  routes.handle('tasks.list', async ({ db, params, query, listScope }: RouteRequest<ProjectParams, ListQuery>) => {
    const statusIds = oneSet(query.status_id, query.status_ids);
    const assigneeIds = oneSet(query.assignee_id, query.assignee_ids);
    return listTasks(db, params.projectId, {
      cursor: query.cursor, pageSize: query.page_size,
      ...(query.sprint_id !== undefined ? { sprintId: query.sprint_id === 'null' ? null : query.sprint_id } : {}),
      ...(query.sprint_ids ? { sprintIds: query.sprint_ids } : {}),
      ...(statusIds ? { statusIds } : {}),
      ...(assigneeIds ? { assigneeIds } : {}),
      ...(query.task_type_ids ? { taskTypeIds: query.task_type_ids } : {}),
      ...(query.parent_task_id ? { parentTaskId: query.parent_task_id } : {}),
      ...(query.view_id ? { viewId: query.view_id } : {}),
      ...(query.search ? { search: query.search, searchContent: query.search_content ?? false } : {}),
      excludeSystemTypes: query.exclude_system_types ?? false,
      scope: listScope('tasks:read', 'task'),
    });
  });

  routes.handle('tasks.create', async ({ db, params, body, principal, setHeader, listScope }: RouteRequest<ProjectParams, unknown, TaskPatch & { title: string }>) => {
    const task = await createTask(ctx, db, { projectId: params.projectId, fields: body, actor: principal, scope: listScope('tasks:read', 'task') });
    setHeader('ETag', etag(task.version));
    return task;
  });

  routes.handle('tasks.get', async ({ db, params, setHeader }: RouteRequest<TaskParams>) => {
    const task = await loadTask(db, params.projectId, params.taskId);
    setHeader('ETag', etag(task.version));
    return task;
  });

  routes.handle('tasks.by-number', async ({ db, params, can, setHeader }: RouteRequest<ProjectParams & { taskNumber: number }>) => {
    const row = (await db('tasks').where({ project_id: params.projectId, task_number: params.taskNumber }).whereNull('deleted_at')
      .first(taskColumns(db))) as TaskRow | undefined;
    // The route is gated on the project; an entity-level deny on this task (D15) hides it like a missing one.
    if (!row || !can('tasks:read', `project/${params.projectId}/task/${row.id}`)) throw TaskNotFound({});
    const [task] = await taskViews(db, [row]);
    setHeader('ETag', etag(task!.version));
    return task;
  });

  routes.handle('tasks.context', async ({ db, params, listScope }: RouteRequest<TaskParams>) =>
    taskContext(ctx, db, params.projectId, params.taskId, listScope('tasks:read', 'task')));

  routes.handle('tasks.update', async (req: RouteRequest<TaskParams, unknown, TaskPatch & { version?: number }>) => {
    const { version: _version, ...patch } = req.body;
    const { task } = await updateTask(ctx, req.db, {
      projectId: req.params.projectId, taskId: req.params.taskId, patch, actor: req.principal, expectedVersion: expectedVersion(req),
      scope: req.listScope('tasks:read', 'task'),
    });
    req.setHeader('ETag', etag(task.version));
    return task;
  });

  routes.handle('tasks.delete', async (req: RouteRequest<TaskParams>) => {
    await deleteTask(ctx, req.db, { projectId: req.params.projectId, taskId: req.params.taskId, actor: req.principal, expectedVersion: expectedVersion(req) });
  });

  routes.handle('me.tasks', async ({ db, query, principal, projectsWhere, can }: RouteRequest<Record<string, never>, { cursor?: string; page_size: number; include_done: boolean }>) =>
    listMyTasks(ctx, db, {
      principal: principal!, projectIds: await projectsWhere('tasks:read'), includeDone: query.include_done, pageSize: query.page_size,
      ...(query.cursor ? { cursor: query.cursor } : {}),
      canRead: (task) => can('tasks:read', `project/${task.project_id}/task/${task.id}`),
    }));
}
