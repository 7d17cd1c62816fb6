import { randomUUID } from 'node:crypto';
import { assertExpectedVersion, etag, type PluginDb, type PluginRoutes, type PrincipalRef, type RouteRequest } from '@paca/plugin-sdk';
import type { StatusCategory } from './contract.js';
import {
  invalid, TaskStatusInUse, TaskStatusIsDefault, TaskStatusMoveTargetInvalid, TaskStatusNameTaken, TaskStatusReorderInvalid,
  TaskStatusVersionConflict,
} from './errors.js';
import { TaskStatusCreated, TaskStatusDeleted, TaskStatusReordered, TaskStatusUpdated } from './events.js';
import type { TasksContext } from './plugin-context.js';
import { lockProjectRows } from './project-settings-rows.js';
import { lockTasksUsing, moveTasks, type Reassignment } from './reassign-tasks.js';
import { boardOrder, findStatus, taskStatusView, type TaskStatusRow } from './task-status-view.js';

type ProjectParams = { projectId: string };
type StatusParams = ProjectParams & { statusId: string };
type CreateBody = { name: string; color?: string | null; category: StatusCategory; position?: number };
type UpdateBody = { name?: string; color?: string | null; category?: StatusCategory; position?: number; version?: number };

/** The name as stored: trimmed, not blank, not used by another status of the project (case-insensitively). */
function acceptName(statuses: readonly TaskStatusRow[], raw: string, exceptId?: string): string {
  const name = raw.trim();
  if (name === '') throw invalid('name', 'must not be blank');
  if (statuses.some((s) => s.id !== exceptId && s.name.toLowerCase() === name.toLowerCase())) throw TaskStatusNameTaken({});
  return name;
}

/** `order` without `id`, with `id` at `index` (clamped to the end). */
function placeAt(order: readonly string[], id: string, index: number): string[] {
  const rest = order.filter((x) => x !== id);
  rest.splice(Math.min(index, rest.length), 0, id);
  return rest;
}

/**
 * Task statuses (reference 1.4): the board's columns. Positions are kept dense (0…n-1 in board
 * order), so `position` on create and PATCH is an index into the board. Every write locks the
 * project's statuses first, so shifts, names and the single default never race.
 */
export function registerTaskStatusRoutes(routes: PluginRoutes, ctx: TasksContext): void {
  const { events, clock } = ctx;

  async function updateRow(db: PluginDb, current: TaskStatusRow, changes: Partial<TaskStatusRow>): Promise<TaskStatusRow> {
    const next: TaskStatusRow = { ...current, ...changes, version: current.version + 1, updated_at: clock.now() };
    await db('task_statuses').where({ id: current.id }).update({ ...changes, version: next.version, updated_at: next.updated_at });
    return next;
  }

  /**
   * Gives every status except `skip` its index in `order` as position; a status whose position
   * changes is changed like any edit (version, updated_at). When any did, clients learn the new
   * board order from `task.status.reordered`.
   */
  async function renumber(db: PluginDb, projectId: string, statuses: readonly TaskStatusRow[], order: readonly string[], actor: PrincipalRef | null, skip?: string): Promise<void> {
    let moved = false;
    for (const [position, id] of order.entries()) {
      const row = statuses.find((s) => s.id === id)!;
      if (id === skip || row.position === position) continue;
      await updateRow(db, row, { position });
      moved = true;
    }
    if (moved) await events.emit(db, TaskStatusReordered, { projectId, actor, payload: { status_ids: [...order] } });
  }

  async function lockBoard(db: PluginDb, projectId: string): Promise<TaskStatusRow[]> {
    await lockProjectRows(db, 'task_statuses', projectId);
    return boardOrder(db, projectId);
  }

  routes.handle('task-statuses.list', async ({ db, params }: RouteRequest<ProjectParams>) => {
    return { items: (await boardOrder(db, params.projectId)).map(taskStatusView), next_cursor: null };
  });

  routes.handle('task-statuses.create', async ({ db, params, body, principal, setHeader }: RouteRequest<ProjectParams, unknown, CreateBody>) => {
    const statuses = await lockBoard(db, params.projectId);
    const name = acceptName(statuses, body.name);
    const id = randomUUID();
    const order = placeAt(statuses.map((s) => s.id), id, body.position ?? statuses.length);
    const now = clock.now();
    const row: TaskStatusRow = {
      id, project_id: params.projectId, name, color: body.color ?? null, category: body.category, position: order.indexOf(id),
      is_default: false, version: 1, created_at: now, updated_at: now,
    };
    await db('task_statuses').insert(row);
    const view = taskStatusView(row);
    await events.emit(db, TaskStatusCreated, { projectId: params.projectId, actor: principal, payload: { task_status: view } });
    await renumber(db, params.projectId, [...statuses, row], order, principal, row.id);
    setHeader('ETag', etag(row.version));
    return view;
  });

  routes.handle('task-statuses.reorder', async ({ db, params, body, principal }: RouteRequest<ProjectParams, unknown, { status_ids: string[] }>) => {
    const statuses = await lockBoard(db, params.projectId);
    const known = new Set(statuses.map((s) => s.id));
    // The schema already refuses duplicates; equal sizes then mean "every status exactly once".
    if (body.status_ids.length !== statuses.length || !body.status_ids.every((id) => known.has(id))) throw TaskStatusReorderInvalid({});
    await renumber(db, params.projectId, statuses, body.status_ids, principal);
    return { items: (await boardOrder(db, params.projectId)).map(taskStatusView), next_cursor: null };
  });

  routes.handle('task-statuses.update', async (req: RouteRequest<StatusParams, unknown, UpdateBody>) => {
    const { db, params, body, principal, setHeader } = req;
    const statuses = await lockBoard(db, params.projectId);
    const current = findStatus(statuses, params.statusId);
    assertExpectedVersion(req, current.version, TaskStatusVersionConflict);
    const changes: Partial<TaskStatusRow> = {};
    if (body.name !== undefined && body.name.trim() !== current.name) changes.name = acceptName(statuses, body.name, current.id);
    // Three-state PATCH (reference 2.1): null clears the colour.
    if (body.color !== undefined && body.color !== current.color) changes.color = body.color;
    if (body.category !== undefined && body.category !== current.category) changes.category = body.category;
    const order = body.position === undefined ? null : placeAt(statuses.map((s) => s.id), current.id, body.position);
    if (order && order.indexOf(current.id) !== current.position) changes.position = order.indexOf(current.id);
    const row = Object.keys(changes).length > 0 ? await updateRow(db, current, changes) : current;
    const view = taskStatusView(row);
    if (row !== current) await events.emit(db, TaskStatusUpdated, { projectId: params.projectId, actor: principal, payload: { task_status: view } });
    if (order) await renumber(db, params.projectId, statuses, order, principal, current.id);
    setHeader('ETag', etag(row.version));
    return view;
  });

  routes.handle('task-statuses.set-default', async (req: RouteRequest<StatusParams>) => {
    const { db, params, principal, setHeader } = req;
    const statuses = await lockBoard(db, params.projectId);
    const current = findStatus(statuses, params.statusId);
    assertExpectedVersion(req, current.version, TaskStatusVersionConflict);
    if (current.is_default) {
      setHeader('ETag', etag(current.version));
      return taskStatusView(current);
    }
    // Clear the old default first: a partial unique index allows one per project.
    const previous = statuses.find((s) => s.is_default);
    const demoted = previous ? await updateRow(db, previous, { is_default: false }) : null;
    const promoted = await updateRow(db, current, { is_default: true });
    for (const row of demoted ? [demoted, promoted] : [promoted]) {
      await events.emit(db, TaskStatusUpdated, { projectId: params.projectId, actor: principal, payload: { task_status: taskStatusView(row) } });
    }
    setHeader('ETag', etag(promoted.version));
    return taskStatusView(promoted);
  });

  // D28: a status in use is deleted only with a target for its tasks; the default never is.
  routes.handle('task-statuses.delete', async (req: RouteRequest<StatusParams, { move_to_status_id?: string }>) => {
    const { db, params, query, principal } = req;
    const statuses = await lockBoard(db, params.projectId);
    const current = findStatus(statuses, params.statusId);
    if (current.is_default) throw TaskStatusIsDefault({});
    assertExpectedVersion(req, current.version, TaskStatusVersionConflict);
    const moveTo = query.move_to_status_id;
    if (moveTo === current.id) throw TaskStatusMoveTargetInvalid({ reason: 'it is the status being deleted' });
    if (moveTo !== undefined && !statuses.some((s) => s.id === moveTo)) throw TaskStatusMoveTargetInvalid({ reason: 'no such task status in this project' });
    const reassignment: Reassignment = { projectId: params.projectId, column: 'status_id', from: current.id, actor: principal };
    const taskIds = await lockTasksUsing(db, reassignment);
    if (taskIds.length > 0) {
      if (moveTo === undefined) throw TaskStatusInUse({ task_count: taskIds.length });
      await moveTasks(db, ctx, taskIds, reassignment, moveTo);
    }
    await db('task_statuses').where({ id: current.id }).delete();
    await events.emit(db, TaskStatusDeleted, {
      projectId: params.projectId, actor: principal, payload: { task_status_id: current.id, moved_to_status_id: moveTo ?? null },
    });
    const remaining = statuses.filter((s) => s.id !== current.id);
    await renumber(db, params.projectId, remaining, remaining.map((s) => s.id), principal);
  });
}
