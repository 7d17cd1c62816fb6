import { randomUUID } from 'node:crypto';
import { assertExpectedVersion, etag, type PluginDb, type PluginRoutes, type RouteRequest } from '@paca/plugin-sdk';
import {
  invalid, TaskTypeInUse, TaskTypeIsDefault, TaskTypeIsSystem, TaskTypeMoveTargetInvalid, TaskTypeNameReserved,
  TaskTypeNameTaken, TaskTypeVersionConflict,
} from './errors.js';
import { TaskTypeCreated, TaskTypeDeleted, TaskTypeUpdated } from './events.js';
import type { TasksContext } from './plugin-context.js';
import { lockProjectRows } from './project-settings-rows.js';
import { lockTasksUsing, moveTasks, type Reassignment } from './reassign-tasks.js';
import { isUuid } from './task-lookup.js';
import { requireTaskType, taskTypeView, type TaskTypeRow } from './task-type-view.js';

type ProjectParams = { projectId: string };
type TypeParams = ProjectParams & { typeId: string };
type Editable = { icon?: string | null; color?: string | null; description?: string | null };
type CreateBody = Editable & { name: string };
type UpdateBody = Editable & { name?: string; version?: number };

// Epic and Subtask carry the hierarchy rules (reference 1.4–1.5): no user type may take their names.
const RESERVED_NAMES = new Set(['epic', 'subtask']);

/** The name as stored: trimmed, not blank, not reserved, not used by another type of the project (case-insensitively). */
async function acceptName(db: PluginDb, projectId: string, raw: string, exceptId?: string): Promise<string> {
  const name = raw.trim();
  if (name === '') throw invalid('name', 'must not be blank');
  if (RESERVED_NAMES.has(name.toLowerCase())) throw TaskTypeNameReserved({});
  const clash = db('task_types').where({ project_id: projectId }).whereRaw('lower(name) = lower(?)', [name]);
  if (exceptId) clash.whereNot({ id: exceptId });
  if (await clash.first('id')) throw TaskTypeNameTaken({});
  return name;
}

/** Epic and Subtask are read-only: seeded, never renamed, recoloured, made default or deleted. */
function assertUserType(row: TaskTypeRow): void {
  if (row.is_system) throw TaskTypeIsSystem({});
}

/**
 * Task types (reference 1.4): each project starts with the default "Task" and the system types
 * Epic and Subtask (seed.ts). Every write locks the project's types first, so name checks, the
 * single default and positions never race (see lockProjectRows).
 */
export function registerTaskTypeRoutes(routes: PluginRoutes, ctx: TasksContext): void {
  const { events, clock } = ctx;

  async function updateRow(db: PluginDb, current: TaskTypeRow, changes: Partial<TaskTypeRow>): Promise<TaskTypeRow> {
    const next: TaskTypeRow = { ...current, ...changes, version: current.version + 1, updated_at: clock.now() };
    await db('task_types').where({ id: current.id }).update({ ...changes, version: next.version, updated_at: next.updated_at });
    return next;
  }

  routes.handle('task-types.list', async ({ db, params }: RouteRequest<ProjectParams>) => {
    const rows = (await db('task_types').where({ project_id: params.projectId }).orderBy([{ column: 'position' }, { column: 'name' }, { column: 'id' }])) as TaskTypeRow[];
    return { items: rows.map(taskTypeView), next_cursor: null };
  });

  routes.handle('task-types.create', async ({ db, params, body, principal, setHeader }: RouteRequest<ProjectParams, unknown, CreateBody>) => {
    await lockProjectRows(db, 'task_types', params.projectId);
    const name = await acceptName(db, params.projectId, body.name);
    const { last } = (await db('task_types').where({ project_id: params.projectId }).max({ last: 'position' }).first()) as { last: number | null };
    const now = clock.now();
    const row: TaskTypeRow = {
      id: randomUUID(), project_id: params.projectId, name, icon: body.icon ?? null, color: body.color ?? null, description: body.description ?? null,
      is_default: false, is_system: false, system_kind: null, position: (last ?? -1) + 1, version: 1, created_at: now, updated_at: now,
    };
    await db('task_types').insert(row);
    const view = taskTypeView(row);
    await events.emit(db, TaskTypeCreated, { projectId: params.projectId, actor: principal, payload: { task_type: view } });
    setHeader('ETag', etag(row.version));
    return view;
  });

  routes.handle('task-types.update', async (req: RouteRequest<TypeParams, unknown, UpdateBody>) => {
    const { db, params, body, principal, setHeader } = req;
    await lockProjectRows(db, 'task_types', params.projectId);
    const current = await requireTaskType(db, params.projectId, params.typeId);
    assertUserType(current);
    assertExpectedVersion(req, current.version, TaskTypeVersionConflict);
    // Three-state PATCH (reference 2.1): absent = unchanged, null = cleared.
    const changes: Partial<TaskTypeRow> = {};
    if (body.name !== undefined && body.name.trim() !== current.name) changes.name = await acceptName(db, params.projectId, body.name, current.id);
    for (const field of ['icon', 'color', 'description'] as const) {
      if (body[field] !== undefined && body[field] !== current[field]) changes[field] = body[field];
    }
    const row = Object.keys(changes).length > 0 ? await updateRow(db, current, changes) : current;
    const view = taskTypeView(row);
    if (row !== current) await events.emit(db, TaskTypeUpdated, { projectId: params.projectId, actor: principal, payload: { task_type: view } });
    setHeader('ETag', etag(row.version));
    return view;
  });

  routes.handle('task-types.set-default', async (req: RouteRequest<TypeParams>) => {
    const { db, params, principal, setHeader } = req;
    await lockProjectRows(db, 'task_types', params.projectId);
    const current = await requireTaskType(db, params.projectId, params.typeId);
    assertUserType(current);
    assertExpectedVersion(req, current.version, TaskTypeVersionConflict);
    if (current.is_default) {
      setHeader('ETag', etag(current.version));
      return taskTypeView(current);
    }
    // Clear the old default first: a partial unique index allows one per project.
    const previous = (await db('task_types').where({ project_id: params.projectId, is_default: true }).first()) as TaskTypeRow | undefined;
    const demoted = previous ? await updateRow(db, previous, { is_default: false }) : null;
    const promoted = await updateRow(db, current, { is_default: true });
    for (const row of demoted ? [demoted, promoted] : [promoted]) {
      await events.emit(db, TaskTypeUpdated, { projectId: params.projectId, actor: principal, payload: { task_type: taskTypeView(row) } });
    }
    setHeader('ETag', etag(promoted.version));
    return taskTypeView(promoted);
  });

  routes.handle('task-types.delete', async (req: RouteRequest<TypeParams, { move_to_type_id?: string }>) => {
    const { db, params, query, principal } = req;
    await lockProjectRows(db, 'task_types', params.projectId);
    const current = await requireTaskType(db, params.projectId, params.typeId);
    assertUserType(current);
    if (current.is_default) throw TaskTypeIsDefault({});
    assertExpectedVersion(req, current.version, TaskTypeVersionConflict);
    const moveTo = query.move_to_type_id;
    if (moveTo !== undefined) await assertMoveTarget(db, current, moveTo);
    const reassignment: Reassignment = { projectId: params.projectId, column: 'task_type_id', from: current.id, actor: principal };
    const taskIds = await lockTasksUsing(db, reassignment);
    if (taskIds.length > 0) {
      if (moveTo === undefined) throw TaskTypeInUse({ task_count: taskIds.length });
      await moveTasks(db, ctx, taskIds, reassignment, moveTo);
    }
    await db('task_types').where({ id: current.id }).delete();
    await events.emit(db, TaskTypeDeleted, {
      projectId: params.projectId, actor: principal, payload: { task_type_id: current.id, moved_to_type_id: moveTo ?? null },
    });
  });
}

/**
 * Where the tasks of a deleted type go: another type of the same project, and not Epic or
 * Subtask — a task with a parent would become an Epic with a parent, a top-level one a Subtask
 * without one (reference 1.5).
 */
async function assertMoveTarget(db: PluginDb, deleted: TaskTypeRow, targetId: string): Promise<void> {
  if (targetId === deleted.id) throw TaskTypeMoveTargetInvalid({ reason: 'it is the type being deleted' });
  const target = isUuid(targetId)
    ? (await db('task_types').where({ id: targetId, project_id: deleted.project_id }).first()) as TaskTypeRow | undefined
    : undefined;
  if (!target) throw TaskTypeMoveTargetInvalid({ reason: 'no such task type in this project' });
  if (target.is_system) throw TaskTypeMoveTargetInvalid({ reason: 'tasks cannot be moved to a system type (Epic, Subtask)' });
}
