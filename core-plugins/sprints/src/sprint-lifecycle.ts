import { assertExpectedVersion, etag, type PluginRoutes, type RouteRequest } from '@paca/plugin-sdk';
import { addDays, utcDay } from './calendar.js';
import { SprintAlreadyComplete, SprintMoveTargetInvalid, SprintNotActive, SprintNotPlanned, SprintVersionConflict } from './errors.js';
import { SprintCompleted, SprintStarted } from './events.js';
import type { SprintsContext } from './plugin-context.js';
import { isUuid, requireSprint, sprintColumns, sprintView, type SprintRow } from './sprint-row.js';
import { acceptName, checkDates, recordSprintActivity } from './sprint-routes.js';
import { doneStatusIds, progressOf, tasksOf } from './sprint-tasks.js';

/*
 * D29: planned → active → completed. Several sprints may be active at once. Start freezes the
 * committed scope, completion freezes what was done and moves the rest on; both figures feed the
 * velocity report and never change afterwards.
 */

type SprintParams = { projectId: string; sprintId: string };
const SPRINT_LENGTH_DAYS = 14;

export function registerSprintLifecycleRoutes(routes: PluginRoutes, ctx: SprintsContext): void {
  const { clock, events } = ctx;

  routes.handle('sprints.start', async (req: RouteRequest<SprintParams, unknown, {
    name?: string; goal?: string | null; start_date?: string; end_date?: string; version?: number;
  } | undefined>) => {
    const { db, params, principal } = req;
    const body = req.body ?? {};
    const row = await requireSprint(db, params.projectId, params.sprintId, { forUpdate: true });
    assertExpectedVersion(req, row.version, SprintVersionConflict);
    if (row.status !== 'planned') throw SprintNotPlanned({ status: row.status });
    const now = clock.now();
    const start = body.start_date ?? row.start_date ?? utcDay(now);
    const end = body.end_date ?? row.end_date ?? addDays(start, SPRINT_LENGTH_DAYS);
    checkDates(start, end);
    const committed = progressOf(await tasksOf(ctx.tasks, params.projectId, row.id), new Set());
    const started: SprintRow = {
      ...row, name: body.name === undefined ? row.name : acceptName(body.name), goal: body.goal === undefined ? row.goal : body.goal,
      start_date: start, end_date: end, status: 'active', started_at: now,
      committed_points: committed.story_points, committed_task_count: committed.task_count, version: row.version + 1, updated_at: now,
    };
    await db('sprints').where({ id: row.id }).update({
      name: started.name, goal: started.goal, start_date: start, end_date: end, status: 'active', started_at: now,
      committed_points: started.committed_points, committed_task_count: started.committed_task_count, version: started.version, updated_at: now,
    });
    await recordSprintActivity(ctx, db, started, 'sprint.started', principal, { start_date: start, end_date: end, committed: committed });
    await events.emit(db, SprintStarted, { projectId: params.projectId, actor: principal, payload: { sprint: sprintView(started) } });
    req.setHeader('ETag', etag(started.version));
    return sprintView(started);
  });

  routes.handle('sprints.complete', async (req: RouteRequest<SprintParams, unknown, { move_to_sprint_id?: string | null; version?: number } | undefined>) => {
    const { db, params, principal } = req;
    const body = req.body ?? {};
    const row = await requireSprint(db, params.projectId, params.sprintId, { forUpdate: true });
    assertExpectedVersion(req, row.version, SprintVersionConflict);
    if (row.status === 'completed') throw SprintAlreadyComplete({});
    if (row.status !== 'active') throw SprintNotActive({ status: row.status });
    const target = body.move_to_sprint_id ?? null;
    if (target !== null) {
      if (target.toLowerCase() === row.id.toLowerCase()) throw SprintMoveTargetInvalid({ reason: 'a sprint cannot take its own unfinished tasks' });
      const next = isUuid(target) ? ((await db('sprints').where({ id: target, project_id: params.projectId }).first(sprintColumns(db))) as SprintRow | undefined) : undefined;
      if (!next) throw SprintMoveTargetInvalid({ reason: 'no such sprint in this project' });
      if (next.status === 'completed') throw SprintMoveTargetInvalid({ reason: 'the target sprint is completed' });
    }
    const [list, done] = await Promise.all([tasksOf(ctx.tasks, params.projectId, row.id), doneStatusIds(ctx.tasks, params.projectId)]);
    const finished = progressOf(list.filter((t) => done.has(t.status_id)), done);
    const unfinished = list.filter((t) => !done.has(t.status_id));
    // The sprint is completed as of `now`: burndowns replay the moves below as happening after it.
    const now = clock.now();
    const completed: SprintRow = {
      ...row, status: 'completed', completed_at: now, completed_points: finished.done_story_points, completed_task_count: finished.done_task_count,
      moved_task_count: unfinished.length, moved_to_sprint_id: target, version: row.version + 1, updated_at: now,
    };
    await db('sprints').where({ id: row.id }).update({
      status: 'completed', completed_at: now, completed_points: completed.completed_points, completed_task_count: completed.completed_task_count,
      moved_task_count: completed.moved_task_count, moved_to_sprint_id: target, version: completed.version, updated_at: now,
    });
    for (const task of unfinished) await ctx.tasks.update(params.projectId, task.id, { sprint_id: target }, principal);
    const summary = { moved_task_count: unfinished.length, move_to_sprint_id: target };
    await recordSprintActivity(ctx, db, completed, 'sprint.completed', principal, { ...summary, completed_points: completed.completed_points, completed_task_count: completed.completed_task_count });
    await events.emit(db, SprintCompleted, { projectId: params.projectId, actor: principal, payload: { sprint: sprintView(completed), ...summary } });
    req.setHeader('ETag', etag(completed.version));
    return sprintView(completed);
  });
}
