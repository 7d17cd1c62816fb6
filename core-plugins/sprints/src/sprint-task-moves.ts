import type { PluginRoutes, RouteRequest } from '@paca/plugin-sdk';
import type { Task } from '@paca/plugin-tasks';
import { Forbidden, SprintAlreadyComplete, TaskNotFound } from './errors.js';
import { SprintTasksMoved } from './events.js';
import type { SprintsContext } from './plugin-context.js';
import { requireSprint } from './sprint-row.js';

/*
 * Planning moves (the backlog page's drag between sprints, MCP `move_tasks_to_sprint`): many tasks
 * into a sprint or back to the product backlog in one all-or-nothing request. Each task is written
 * through the tasks service, so each gets its own recorded change and `task.updated`.
 */

type MoveRequest = RouteRequest<{ projectId: string; sprintId?: string }, unknown, { task_ids: string[] }>;

async function moveTasks(ctx: SprintsContext, req: MoveRequest, sprintId: string | null): Promise<{ items: Task[]; next_cursor: null }> {
  const { db, params, body, principal } = req;
  const moved: Task[] = [];
  for (const taskId of body.task_ids) {
    const resource = `project/${params.projectId}/task/${taskId}`;
    // Entity-level denies (D15): a task the caller may not see does not exist for them.
    if (!req.can('tasks:read', resource)) throw TaskNotFound({});
    if (!req.can('tasks:write', resource)) throw Forbidden({});
    moved.push(await ctx.tasks.update(params.projectId, taskId, { sprint_id: sprintId }, principal));
  }
  await ctx.events.emit(db, SprintTasksMoved, { projectId: params.projectId, actor: principal, payload: { sprint_id: sprintId, task_ids: moved.map((t) => t.id) } });
  return { items: moved, next_cursor: null };
}

export function registerSprintTaskMoveRoutes(routes: PluginRoutes, ctx: SprintsContext): void {
  routes.handle('sprints.tasks.add', async (req: MoveRequest) => {
    const sprint = await requireSprint(req.db, req.params.projectId, req.params.sprintId ?? '', { forUpdate: true });
    if (sprint.status === 'completed') throw SprintAlreadyComplete({});
    return moveTasks(ctx, req, sprint.id);
  });

  routes.handle('sprints.backlog.add', (req: MoveRequest) => moveTasks(ctx, req, null));
}
