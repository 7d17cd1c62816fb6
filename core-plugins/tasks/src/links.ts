import type { PluginDb, PluginRoutes, PrincipalRef, RouteRequest } from '@paca/plugin-sdk';
import { randomUUID } from 'node:crypto';
import { TaskLinkCrossProject, TaskLinkDuplicate, TaskLinkNotFound, TaskLinkSelf, TaskNotFound } from './errors.js';
import { TaskLinkAdded, TaskLinkRemoved } from './events.js';
import { displayLinkType, getTaskLink, listTaskLinks, taskLinkView, type LinkType, type TaskLinkRow, type TaskLinkView } from './link-view.js';
import type { TasksContext } from './plugin-context.js';
import { isUuid, requireTask } from './task-lookup.js';
import { projectPrefix } from './tasks/task-view.js';

type TaskParams = { projectId: string; taskId: string };

/** Task links (reference 1.5 "task links", 2.3 "Task links"): directional, within one project. */
export function registerTaskLinkRoutes(routes: PluginRoutes, ctx: TasksContext): void {
  /*
   * Each end of a link gets its own feed entry, written as that task reads it: the source's says
   * `blocks PRJ-2`, the target's `is_blocked_by PRJ-1` (`link_type` is the display type there).
   */
  const recordOnBothEnds = async (db: PluginDb, type: 'task.link.added' | 'task.link.removed', link: TaskLinkView, viewingTask: { id: string; key: string }, actor: PrincipalRef | null) => {
    const ends = [
      { taskId: viewingTask.id, linkType: link.display_link_type, other: link.linked_task },
      { taskId: link.linked_task.id, linkType: displayLinkType(link.link_type, link.direction === 'outward' ? 'inward' : 'outward'), other: { id: viewingTask.id, key: viewingTask.key } },
    ];
    for (const end of ends) {
      await ctx.activity.record(db, {
        projectId: link.project_id, entityType: 'task', entityId: end.taskId, actor, type,
        content: { link_id: link.id, link_type: end.linkType, target_task_id: end.other.id, target_key: end.other.key },
      });
    }
  };

  routes.handle('task-links.list', async (req: RouteRequest<TaskParams, { cursor?: string; page_size: number }>) => {
    const { projectId, taskId } = req.params;
    await requireTask(req.db, projectId, taskId);
    return listTaskLinks(req.db, {
      projectId, taskId, prefix: await projectPrefix(req.db, projectId), scope: req.listScope('tasks:read', 'task'),
      cursor: req.query.cursor, pageSize: req.query.page_size,
    });
  });

  routes.handle('task-links.create', async (req: RouteRequest<TaskParams, unknown, { target_task_id: string; link_type: LinkType }>) => {
    const { projectId, taskId } = req.params;
    const { link_type: linkType } = req.body;
    // Compared with stored ids below: in the database's spelling.
    const targetId = req.body.target_task_id.toLowerCase();
    const db = req.db;
    // Both rows locked in id order: concurrent links between the same pair (either direction) serialise here.
    const locked = (await db('tasks').whereIn('id', [taskId, targetId].filter(isUuid)).orderBy('id').forUpdate()
      .select('id', 'project_id', 'task_number', 'title', 'status_id', 'deleted_at')) as Array<{
      id: string; project_id: string; task_number: number; title: string; status_id: string; deleted_at: Date | null;
    }>;
    const source = locked.find((row) => row.id === taskId);
    if (!source || source.project_id !== projectId || source.deleted_at) throw TaskNotFound({});
    if (targetId === taskId) throw TaskLinkSelf({});
    const target = locked.find((row) => row.id === targetId);
    if (!target || target.deleted_at) throw TaskNotFound({});
    // Only someone who may read the other project learns that the task lives there; for anyone else it does not exist.
    if (target.project_id !== projectId) {
      throw req.can('tasks:read', `project/${target.project_id}/task/${targetId}`) ? TaskLinkCrossProject({}) : TaskNotFound({});
    }
    if (!req.can('tasks:read', `project/${projectId}/task/${targetId}`)) throw TaskNotFound({});

    // `relates_to` is symmetric, so B relates_to A duplicates A relates_to B; `blocks` and `duplicates` are not.
    const duplicate = await db('task_links')
      .where({ source_task_id: taskId, target_task_id: targetId, link_type: linkType })
      .modify((q) => { if (linkType === 'relates_to') q.orWhere({ source_task_id: targetId, target_task_id: taskId, link_type: linkType }); })
      .first('id');
    if (duplicate) throw TaskLinkDuplicate({});

    const row: TaskLinkRow = {
      id: randomUUID(), project_id: projectId, source_task_id: taskId, target_task_id: targetId, link_type: linkType,
      created_by_type: req.principal?.type ?? null, created_by_id: req.principal?.id ?? null, created_at: ctx.clock.now(),
    };
    await db('task_links').insert(row);
    const prefix = await projectPrefix(db, projectId);
    const link = taskLinkView({ ...row, other_id: target.id, other_number: target.task_number, other_title: target.title, other_status_id: target.status_id }, taskId, prefix);
    await recordOnBothEnds(db, 'task.link.added', link, { id: taskId, key: `${prefix}-${source.task_number}` }, req.principal);
    await ctx.events.emit(db, TaskLinkAdded, {
      projectId, actor: req.principal, payload: { link_id: row.id, task_id: taskId, target_task_id: targetId, link_type: linkType },
    });
    return link;
  });

  routes.handle('task-links.delete', async (req: RouteRequest<TaskParams & { linkId: string }>) => {
    const { projectId, taskId, linkId } = req.params;
    const db = req.db;
    const task = await requireTask(db, projectId, taskId);
    if (!isUuid(linkId)) throw TaskLinkNotFound({});
    const prefix = await projectPrefix(db, projectId);
    const link = await getTaskLink(db, { projectId, taskId, linkId, prefix, scope: req.listScope('tasks:read', 'task') });
    // A concurrent delete of the same link finds nothing to delete: one removal, one event.
    if (!link || (await db('task_links').where({ id: linkId }).delete()) === 0) throw TaskLinkNotFound({});
    await recordOnBothEnds(db, 'task.link.removed', link, { id: taskId, key: `${prefix}-${task.task_number}` }, req.principal);
    await ctx.events.emit(db, TaskLinkRemoved, {
      projectId, actor: req.principal,
      payload: { link_id: link.id, task_id: link.source_task_id, target_task_id: link.target_task_id, link_type: link.link_type },
    });
    return null;
  });
}
