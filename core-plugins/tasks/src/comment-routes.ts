import type { ActivityEntry, PluginDb, PluginRoutes, PrincipalRef, RouteRequest } from '@paca/plugin-sdk';
import { TaskCommentNotAuthor, TaskCommentNotFound } from './errors.js';
import { TaskCommentAdded, TaskCommentDeleted, TaskCommentUpdated } from './events.js';
import { announceMentions } from './mention-notify.js';
import type { TasksContext } from './plugin-context.js';
import { isUuid, requireTask } from './task-lookup.js';
import { projectPrefix } from './tasks/task-view.js';

type TaskParams = { projectId: string; taskId: string };
type CommentParams = TaskParams & { commentId: string };
type CommentBody = { content: string };

/** A comment is an activity entry of type `comment` with content `{text}` (Markdown, D1; reference 1.7). */
const COMMENT = 'comment';

/**
 * Comments on a task (reference 2.3 "Task activities"): anyone who may write tasks comments;
 * only the author edits or deletes (a soft delete: the entry leaves the feed).
 */
export function registerCommentRoutes(routes: PluginRoutes, ctx: TasksContext): void {
  const taskSummary = async (db: PluginDb, projectId: string, taskId: string) => {
    const row = await requireTask(db, projectId, taskId);
    const prefix = await projectPrefix(db, projectId);
    return { id: row.id, task_number: row.task_number, key: `${prefix}-${row.task_number}`, title: row.title };
  };

  /** The author's own comment on this task, or 404 `TASK_COMMENT_NOT_FOUND` / 403 `TASK_COMMENT_NOT_AUTHOR`. */
  const requireOwnComment = async (db: PluginDb, params: CommentParams, principal: PrincipalRef | null): Promise<ActivityEntry> => {
    const entry = isUuid(params.commentId) ? await ctx.activity.get(db, params.projectId, params.commentId) : null;
    if (!entry || entry.entity_type !== 'task' || entry.entity_id !== params.taskId || entry.activity_type !== COMMENT) throw TaskCommentNotFound({});
    if (!principal || entry.actor?.type !== principal.type || entry.actor.id !== principal.id) throw TaskCommentNotAuthor({});
    return entry;
  };

  routes.handle('task-comments.create', async (req: RouteRequest<TaskParams, unknown, CommentBody>) => {
    const { projectId, taskId } = req.params;
    const text = req.body.content;
    const task = await taskSummary(req.db, projectId, taskId);
    const { id } = await ctx.activity.record(req.db, { projectId, entityType: 'task', entityId: taskId, actor: req.principal, type: COMMENT, content: { text } });
    const event = await ctx.events.emit(req.db, TaskCommentAdded, { projectId, actor: req.principal, payload: { task_id: taskId, comment_id: id, content: text } });
    await announceMentions(ctx, req.db, { projectId, task, commentId: id, text, author: req.principal, eventId: event.id });
    return (await ctx.activity.get(req.db, projectId, id))!;
  });

  routes.handle('task-comments.update', async (req: RouteRequest<CommentParams, unknown, CommentBody>) => {
    const { projectId, taskId, commentId } = req.params;
    const text = req.body.content;
    const task = await taskSummary(req.db, projectId, taskId);
    const comment = await requireOwnComment(req.db, req.params, req.principal);
    // Deleted by a concurrent request since it was read: gone all the same.
    if (!(await ctx.activity.update(req.db, projectId, commentId, { text }))) throw TaskCommentNotFound({});
    const event = await ctx.events.emit(req.db, TaskCommentUpdated, { projectId, actor: req.principal, payload: { task_id: taskId, comment_id: commentId, content: text } });
    await announceMentions(ctx, req.db, {
      projectId, task, commentId, text, previousText: String(comment.content.text ?? ''), author: req.principal, eventId: event.id,
    });
    return (await ctx.activity.get(req.db, projectId, commentId))!;
  });

  routes.handle('task-comments.delete', async (req: RouteRequest<CommentParams>) => {
    const { projectId, taskId, commentId } = req.params;
    await requireTask(req.db, projectId, taskId);
    await requireOwnComment(req.db, req.params, req.principal);
    if (!(await ctx.activity.remove(req.db, projectId, commentId))) throw TaskCommentNotFound({});
    await ctx.events.emit(req.db, TaskCommentDeleted, { projectId, actor: req.principal, payload: { task_id: taskId, comment_id: commentId } });
    return null;
  });
}
