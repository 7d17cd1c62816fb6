import { randomUUID } from 'node:crypto';
import { assertExpectedVersion, cursorPage, etag, type PluginDb, type PluginRoutes, type PrincipalRef, type RouteRequest } from '@paca/plugin-sdk';
import { invalid, SprintDatesInvalid, SprintVersionConflict } from './errors.js';
import { SprintCreated, SprintDeleted, SprintUpdated } from './events.js';
import type { SprintsContext } from './plugin-context.js';
import { seedSprintViews } from './seed-views.js';
import { requireSprint, sprintColumns, sprintView, type SprintRow } from './sprint-row.js';
import { doneStatusIds, progressOf, tasksOf } from './sprint-tasks.js';

/*
 * Sprint CRUD (reference 1.6 and 2.3 "Sprints"). Starting and completing are in
 * sprint-lifecycle.ts; moving tasks in and out in sprint-task-moves.ts.
 */

type SprintParams = { projectId: string; sprintId: string };
interface SprintFields {
  name?: string;
  goal?: string | null;
  start_date?: string | null;
  end_date?: string | null;
}

/** Names are trimmed and not blank. */
export function acceptName(raw: string): string {
  const name = raw.trim();
  if (name === '') throw invalid('name', 'must not be blank');
  return name;
}

export function checkDates(start: string | null, end: string | null): void {
  if (start !== null && end !== null && end < start) throw SprintDatesInvalid({});
}

/** The sprint's entry in the project activity feed (entity `sprint`, reference 1.7). */
export function recordSprintActivity(ctx: SprintsContext, db: PluginDb, row: SprintRow, type: string, actor: PrincipalRef | null, content: Record<string, unknown> = {}) {
  return ctx.activity.record(db, { projectId: row.project_id, entityType: 'sprint', entityId: row.id, actor, type, content: { name: row.name, ...content } });
}

const EDITABLE = ['name', 'goal', 'start_date', 'end_date'] as const;

export function registerSprintRoutes(routes: PluginRoutes, ctx: SprintsContext): void {
  const { clock, events } = ctx;

  routes.handle('sprints.list', async ({ db, params, query }: RouteRequest<{ projectId: string }, { status?: string; cursor?: string; page_size: number }>) => {
    const base = db('sprints').where({ project_id: params.projectId }).select(sprintColumns(db));
    if (query.status) base.whereIn('status', query.status.split(','));
    const page = await cursorPage<SprintRow & Record<string, unknown>>(base, {
      cursor: query.cursor, pageSize: query.page_size, order: 'desc', keys: [{ column: 'sprint_number', field: 'sprint_number', type: 'int' }],
    });
    return { items: page.items.map(sprintView), next_cursor: page.next_cursor };
  });

  routes.handle('sprints.create', async (req: RouteRequest<{ projectId: string }, unknown, SprintFields | undefined>) => {
    const { db, params, principal } = req;
    const body = req.body ?? {};
    const start = body.start_date ?? null;
    const end = body.end_date ?? null;
    checkDates(start, end);
    // One statement takes the next number; a project sprints has not seeded yet gets its counter row here.
    const [counter] = (await db('sprint_counters').insert({ project_id: params.projectId, last_value: 1 })
      .onConflict('project_id').merge({ last_value: db.raw('sprint_counters.last_value + 1') }).returning('last_value')) as Array<{ last_value: number }>;
    const number = counter!.last_value;
    const now = clock.now();
    const row: SprintRow = {
      id: randomUUID(), project_id: params.projectId, sprint_number: number,
      name: body.name === undefined ? `Sprint ${number}` : acceptName(body.name), goal: body.goal ?? null,
      start_date: start, end_date: end, status: 'planned', started_at: null, completed_at: null,
      committed_points: null, committed_task_count: null, completed_points: null, completed_task_count: null,
      moved_task_count: null, moved_to_sprint_id: null, version: 1,
      created_by_type: principal?.type ?? null, created_by_id: principal?.id ?? null, created_at: now, updated_at: now,
    };
    await db('sprints').insert(row);
    await seedSprintViews(ctx, params.projectId, row.id, principal);
    await recordSprintActivity(ctx, db, row, 'sprint.created', principal);
    await events.emit(db, SprintCreated, { projectId: params.projectId, actor: principal, payload: { sprint: sprintView(row) } });
    req.setHeader('ETag', etag(row.version));
    return sprintView(row);
  });

  routes.handle('sprints.get', async (req: RouteRequest<SprintParams>) => {
    const { db, params } = req;
    const row = await requireSprint(db, params.projectId, params.sprintId);
    const [list, done] = await Promise.all([tasksOf(ctx.tasks, params.projectId, row.id), doneStatusIds(ctx.tasks, params.projectId)]);
    req.setHeader('ETag', etag(row.version));
    return { ...sprintView(row), progress: progressOf(list, done) };
  });

  routes.handle('sprints.update', async (req: RouteRequest<SprintParams, unknown, SprintFields & { version?: number }>) => {
    const { db, params, body, principal } = req;
    const row = await requireSprint(db, params.projectId, params.sprintId, { forUpdate: true });
    assertExpectedVersion(req, row.version, SprintVersionConflict);
    const next: SprintRow = {
      ...row,
      name: body.name === undefined ? row.name : acceptName(body.name),
      goal: body.goal === undefined ? row.goal : body.goal,
      start_date: body.start_date === undefined ? row.start_date : body.start_date,
      end_date: body.end_date === undefined ? row.end_date : body.end_date,
    };
    checkDates(next.start_date, next.end_date);
    const changes = EDITABLE.filter((f) => next[f] !== row[f]).map((field) => ({ field, old: row[field], new: next[field] }));
    if (changes.length === 0) {
      req.setHeader('ETag', etag(row.version));
      return sprintView(row);
    }
    const updated: SprintRow = { ...next, version: row.version + 1, updated_at: clock.now() };
    await db('sprints').where({ id: row.id }).update({
      name: updated.name, goal: updated.goal, start_date: updated.start_date, end_date: updated.end_date, version: updated.version, updated_at: updated.updated_at,
    });
    await recordSprintActivity(ctx, db, updated, 'sprint.updated', principal, { changes });
    await events.emit(db, SprintUpdated, { projectId: params.projectId, actor: principal, payload: { sprint: sprintView(updated), changes } });
    req.setHeader('ETag', etag(updated.version));
    return sprintView(updated);
  });

  routes.handle('sprints.delete', async ({ db, params, principal }: RouteRequest<SprintParams>) => {
    const row = await requireSprint(db, params.projectId, params.sprintId, { forUpdate: true });
    // Its tasks go back to the backlog, each with its own recorded change (so history and burndowns stay true).
    const list = await tasksOf(ctx.tasks, params.projectId, row.id);
    for (const task of list) await ctx.tasks.update(params.projectId, task.id, { sprint_id: null }, principal);
    await ctx.tasks.deleteSprintViews(params.projectId, row.id, principal);
    await db('sprints').where({ id: row.id }).delete();
    await recordSprintActivity(ctx, db, row, 'sprint.deleted', principal, { moved_task_count: list.length });
    await events.emit(db, SprintDeleted, { projectId: params.projectId, actor: principal, payload: { sprint_id: row.id, moved_task_count: list.length } });
  });
}
