import type { PluginDb } from '@paca/plugin-sdk';
import type { FieldReferenceResolver } from '@paca/plugin-tasks';
import { SprintAlreadyComplete, SprintReferenceNotFound } from './errors.js';
import { isUuid, sprintColumns, type SprintRow } from './sprint-row.js';

/**
 * Tasks' `sprint_id` belongs to sprints (D20): a task or a sprint view may name a planned or
 * active sprint of its own project; a completed sprint keeps the tasks it had, and takes no more.
 * `db` is sprints' kept handle, which follows the transaction tasks is running.
 */
export function sprintReference(db: PluginDb): FieldReferenceResolver {
  return {
    async validate(projectId, id) {
      const row = isUuid(id) ? ((await db('sprints').where({ id, project_id: projectId }).first('status')) as Pick<SprintRow, 'status'> | undefined) : undefined;
      if (!row) throw SprintReferenceNotFound({ field: 'sprint_id' });
      if (row.status === 'completed') throw SprintAlreadyComplete({});
    },
    async resolve(projectId, ids) {
      const rows = (await db('sprints').where({ project_id: projectId }).whereIn('id', ids.filter(isUuid)).select(sprintColumns(db))) as SprintRow[];
      return rows.map(({ id, name, status, start_date, end_date }) => ({ id, name, status, start_date, end_date }));
    },
  };
}
