import type { PluginRoutes, RouteRequest } from '@paca/plugin-sdk';
import { burndown, idealLine } from './burndown.js';
import { utcDay } from './calendar.js';
import { SprintNotStarted } from './errors.js';
import type { SprintsContext } from './plugin-context.js';
import { requireSprint, sprintColumns, sprintView, type SprintRow } from './sprint-row.js';
import { doneStatusIds } from './sprint-tasks.js';

/*
 * D29 reports, which the reference does not have (Jira and Plane do): a started sprint's burndown
 * per UTC day, and velocity over completed sprints from the figures frozen at completion.
 */

const round = (n: number) => Math.round(n * 100) / 100;

export function registerSprintReportRoutes(routes: PluginRoutes, ctx: SprintsContext): void {
  routes.handle('sprints.burndown', async ({ db, params }: RouteRequest<{ projectId: string; sprintId: string }>) => {
    const row = await requireSprint(db, params.projectId, params.sprintId);
    if (row.status === 'planned' || !row.started_at) throw SprintNotStarted({});
    const started = new Date(row.started_at);
    const firstDay = row.start_date ?? utcDay(started);
    const until = row.completed_at ? new Date(row.completed_at) : null;
    // Through today while it runs (past its end date too), through the completion day once done.
    const lastDay = utcDay(until ?? ctx.clock.now());
    // Everything that happened in the sprint since the earlier of its start day and its start.
    const since = new Date(Math.min(Date.parse(`${firstDay}T00:00:00Z`), started.getTime()));
    const [histories, done] = await Promise.all([
      ctx.tasks.history(params.projectId, { field: 'sprint_id', value: row.id, since }),
      doneStatusIds(ctx.tasks, params.projectId),
    ]);
    const days = lastDay < firstDay ? [] : burndown({ sprintId: row.id, firstDay, lastDay, until, histories, doneStatusIds: done });
    const endDay = row.end_date ?? lastDay;
    return {
      sprint: sprintView(row),
      days,
      ideal: endDay < firstDay ? [] : idealLine(Number(row.committed_points ?? 0), firstDay, endDay),
    };
  });

  routes.handle('sprints.velocity', async ({ db, params, query }: RouteRequest<{ projectId: string }, { limit: number }>) => {
    const rows = (await db('sprints').where({ project_id: params.projectId, status: 'completed' })
      .orderBy([{ column: 'completed_at', order: 'desc' }, { column: 'sprint_number', order: 'desc' }])
      .limit(query.limit).select(sprintColumns(db))) as SprintRow[];
    const items = rows.reverse().map((row) => ({
      sprint_id: row.id, name: row.name, sprint_number: row.sprint_number, start_date: row.start_date, end_date: row.end_date,
      completed_at: new Date(row.completed_at!).toISOString(),
      committed_points: Number(row.committed_points ?? 0), committed_task_count: row.committed_task_count ?? 0,
      completed_points: Number(row.completed_points ?? 0), completed_task_count: row.completed_task_count ?? 0,
    }));
    const mean = (pick: (i: (typeof items)[number]) => number) => (items.length === 0 ? null : round(items.reduce((s, i) => s + pick(i), 0) / items.length));
    return {
      items,
      average_completed_points: mean((i) => i.completed_points),
      average_completed_task_count: mean((i) => i.completed_task_count),
      average_committed_points: mean((i) => i.committed_points),
    };
  });
}
