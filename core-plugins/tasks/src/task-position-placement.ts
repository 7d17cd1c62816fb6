import type { ListScope, PluginDb } from '@paca/plugin-sdk';
import { generateKeyBetween } from 'fractional-indexing';
import { TaskNotFound, ViewPositionAnchorInvalid } from './errors.js';
import { isUuid, requireTask } from './task-lookup.js';
import { inScope } from './task-scope.js';

/** A card move (D18): into `group_key`, right after and/or right before other cards, or at the end. */
export interface TaskMove {
  task_id: string;
  group_key: string;
  after_task_id?: string | null;
  before_task_id?: string | null;
}

export interface TaskPosition {
  task_id: string;
  view_id: string;
  group_key: string;
  /** A fractional-index key; cards of a group sort by it byte-wise. */
  position: string;
}

/**
 * Places cards in one view. The caller holds the view row's lock for the whole transaction, so
 * the neighbours read here cannot move before the new key is written: concurrent moves in a view
 * run one after the other and every key lands in a gap no other card occupies.
 */
export class TaskPlacement {
  /** `scope`: the tasks the caller may read (D15); others can be neither moved nor used as anchors. */
  constructor(private readonly db: PluginDb, private readonly projectId: string, private readonly viewId: string, private readonly now: Date,
    private readonly scope: ListScope) {}

  /**
   * Moves the task and returns every position written: an anchor that had no position in the
   * view is given one at the end of the group first (it comes before the moved task's).
   */
  async move(move: TaskMove): Promise<TaskPosition[]> {
    await requireTask(this.db, this.projectId, move.task_id);
    if (!inScope(this.scope, move.task_id)) throw TaskNotFound({});
    const written: TaskPosition[] = [];
    const anchor = async (anchorId: string | null | undefined) => {
      if (anchorId === null || anchorId === undefined) return null;
      const key = await this.anchorKey(anchorId, move);
      if (key.materialised) written.push(key.materialised);
      return key.position;
    };
    const after = await anchor(move.after_task_id);
    const before = await anchor(move.before_task_id);
    if (after !== null && before !== null && !(await this.adjacent(move, after, before))) {
      throw ViewPositionAnchorInvalid({ task_id: move.before_task_id! }, { message: 'after_task_id and before_task_id are not next to each other in that group' });
    }
    // Bounds come from every row of the group except the moved card's own (deleted tasks' rows still hold their keys).
    const lower = after ?? (before !== null ? await this.neighbour(move, '<', before) : await this.neighbour(move, 'last'));
    const upper = before ?? (after !== null ? await this.neighbour(move, '>', after) : null);
    written.push(await this.write(move.task_id, move.group_key, generateKeyBetween(lower, upper)));
    return written;
  }

  /** The anchor's key in the group; an anchor live in the project with no position yet gets one at the group's end. */
  private async anchorKey(anchorId: string, move: TaskMove): Promise<{ position: string; materialised?: TaskPosition }> {
    const refuse = () => ViewPositionAnchorInvalid({ task_id: anchorId });
    if (!isUuid(anchorId) || anchorId === move.task_id) throw refuse();
    const live = await this.db('tasks').where({ id: anchorId, project_id: this.projectId }).whereNull('deleted_at').first('id');
    if (!live || !inScope(this.scope, anchorId)) throw refuse();
    const row = (await this.db('task_positions').where({ view_id: this.viewId, task_id: anchorId }).first('group_key', 'position')) as
      { group_key: string; position: string } | undefined;
    if (row) {
      if (row.group_key !== move.group_key) throw refuse();
      return { position: row.position };
    }
    // The end of the group over all its rows, the moved card's included: the new key must not take its slot.
    const last = (await this.db('task_positions').where({ view_id: this.viewId, group_key: move.group_key }).max('position as p').first()) as { p: string | null };
    const materialised = await this.write(anchorId, move.group_key, generateKeyBetween(last.p, null));
    return { position: materialised.position, materialised };
  }

  /** No live card other than the moved one sits between the two anchors. */
  private async adjacent(move: TaskMove, after: string, before: string): Promise<boolean> {
    if (after >= before) return false;
    const between = await this.db('task_positions as p')
      .join(this.db.raw(`${this.db.table('tasks')} as t`), 't.id', 'p.task_id')
      .where({ 'p.view_id': this.viewId, 'p.group_key': move.group_key })
      .whereNot('p.task_id', move.task_id)
      .whereNull('t.deleted_at')
      .where('p.position', '>', after)
      .where('p.position', '<', before)
      .first('p.task_id');
    return !between;
  }

  /** The nearest key below or above `key` in the group, or its last key, ignoring the moved card. */
  private async neighbour(move: TaskMove, direction: '<' | '>' | 'last', key?: string): Promise<string | null> {
    const query = this.db('task_positions')
      .where({ view_id: this.viewId, group_key: move.group_key })
      .whereNot('task_id', move.task_id);
    if (direction !== 'last') query.where('position', direction, key!);
    const row = (await query.orderBy('position', direction === '>' ? 'asc' : 'desc').first('position')) as { position: string } | undefined;
    return row?.position ?? null;
  }

  private async write(taskId: string, groupKey: string, position: string): Promise<TaskPosition> {
    await this.db('task_positions')
      .insert({ view_id: this.viewId, task_id: taskId, project_id: this.projectId, group_key: groupKey, position, updated_at: this.now })
      .onConflict(['view_id', 'task_id'])
      .merge(['group_key', 'position', 'updated_at']);
    return { task_id: taskId, view_id: this.viewId, group_key: groupKey, position };
  }
}
