import { cursorPage, type PluginRoutes, type RouteRequest } from '@paca/plugin-sdk';
import { ViewTaskMoved } from './events.js';
import type { TasksContext } from './plugin-context.js';
import { TaskPlacement, type TaskMove, type TaskPosition } from './task-position-placement.js';
import { applyScope } from './task-scope.js';
import { requireView } from './view-lookup.js';

/*
 * The manual order of cards in a view (D18, reference view_task_positions): moving a card writes
 * one row, keyed by a fractional index between its new neighbours.
 */

type ViewParams = { projectId: string; viewId: string };

/** The move's task ids as the database spells them (PostgreSQL reads `ABC…` as `abc…`): ids are compared as text. */
const canonicalIds = (move: TaskMove): TaskMove => ({
  ...move,
  task_id: move.task_id.toLowerCase(),
  ...(typeof move.after_task_id === 'string' ? { after_task_id: move.after_task_id.toLowerCase() } : {}),
  ...(typeof move.before_task_id === 'string' ? { before_task_id: move.before_task_id.toLowerCase() } : {}),
});

export function registerTaskPositionRoutes(routes: PluginRoutes, ctx: TasksContext): void {
  const { clock, events } = ctx;

  /** Applies the moves in order in the request's transaction, with the view locked throughout. */
  const applyMoves = async (req: Pick<RouteRequest<ViewParams>, 'db' | 'params' | 'principal' | 'listScope'>, moves: TaskMove[]): Promise<TaskPosition[]> => {
    const { db, params, principal } = req;
    const view = await requireView(db, params.projectId, params.viewId, { forUpdate: true });
    const placement = new TaskPlacement(db, params.projectId, view.id, clock.now(), req.listScope('tasks:read', 'task'));
    const results: TaskPosition[] = [];
    for (const move of moves) {
      const written = await placement.move(canonicalIds(move));
      for (const position of written) {
        await events.emit(db, ViewTaskMoved, { projectId: params.projectId, actor: principal, payload: position });
      }
      results.push(written.at(-1)!);
    }
    return results;
  };

  routes.handle('task-positions.list', async ({ db, params, query, listScope }: RouteRequest<ViewParams, { cursor?: string; page_size: number }>) => {
    const view = await requireView(db, params.projectId, params.viewId);
    // Positions of live tasks the caller may read (D15); (group_key, position) is unique in a view, so it is the keyset.
    const positions = db('task_positions as p')
      .join(db.raw(`${db.table('tasks')} as t`), 't.id', 'p.task_id')
      .where('p.view_id', view.id)
      .whereNull('t.deleted_at')
      .select('p.task_id', 'p.group_key', 'p.position');
    applyScope(positions, listScope('tasks:read', 'task'), 'p.task_id');
    return cursorPage(positions, {
      cursor: query.cursor, pageSize: query.page_size, order: 'asc',
      keys: [{ column: 'p.group_key', field: 'group_key', type: 'text' }, { column: 'p.position', field: 'position', type: 'text' }],
    });
  });

  routes.handle('task-positions.move', async (req: RouteRequest<ViewParams & { taskId: string }, unknown, Omit<TaskMove, 'task_id'>>) => {
    const [moved] = await applyMoves(req, [{ ...req.body, task_id: req.params.taskId }]);
    return moved;
  });

  routes.handle('task-positions.bulk', async (req: RouteRequest<ViewParams, unknown, { items: TaskMove[] }>) => {
    return { items: await applyMoves(req, req.body.items) };
  });
}

