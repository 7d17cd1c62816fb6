import { etag, expectedVersion, type PluginRoutes, type RouteRequest } from '@paca/plugin-sdk';
import { registerCommentRoutes } from './comment-routes.js';
import type { TasksContext } from './plugin-context.js';
import { revertActivity } from './revert-activity.js';
import { requireTask } from './task-lookup.js';
import { visibleEntries } from './task-scope.js';

type TaskParams = { projectId: string; taskId: string };

/**
 * A task's activity feed (reference 1.7, 2.3 "Task activities"): the kernel's activity log for
 * the task — field changes, links, attachments and comments — with comments and revert (D27).
 */
export function registerActivityRoutes(routes: PluginRoutes, ctx: TasksContext): void {
  routes.handle('task-activities.list', async (req: RouteRequest<TaskParams, { cursor?: string; page_size: number }>) => {
    const { projectId, taskId } = req.params;
    await requireTask(req.db, projectId, taskId);
    // Entries keep the kernel's ActivityEntry shape; an edited comment has `updated_at` set. A page
    // may come back shorter than page_size when entries about hidden tasks (D15) are left out.
    const page = await ctx.activity.list(req.db, { projectId, entityType: 'task', entityId: taskId, cursor: req.query.cursor, limit: req.query.page_size });
    return { items: visibleEntries(page.items, req.listScope('tasks:read', 'task')), next_cursor: page.next_cursor };
  });

  registerCommentRoutes(routes, ctx);

  routes.handle('task-activities.revert', async (req: RouteRequest<TaskParams & { activityId: string }>) => {
    const { projectId, taskId, activityId } = req.params;
    const task = await revertActivity(ctx, req.db, { projectId, taskId, activityId, actor: req.principal, expectedVersion: expectedVersion(req) });
    req.setHeader('ETag', etag(task.version));
    return task;
  });
}
