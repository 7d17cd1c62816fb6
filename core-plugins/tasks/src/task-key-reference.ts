import type { PluginProjects, ToolReferenceResolver } from '@paca/plugin-sdk';
import { TaskNotFound } from './errors.js';

/** `PACA-12`, `#12` or `12`: what agents and people write for a task (D31). */
const TASK_KEY = /^(?:([A-Za-z][A-Za-z0-9]{1,9})-|#)?(\d{1,9})$/;

/**
 * Resolves task keys in MCP tool arguments to task ids, for every tool in the catalogue (this
 * plugin's, and others' such as sprints' `taskIds` or checklist's `taskId`). A key whose prefix is
 * not the project's names no task here: 404 `TASK_NOT_FOUND`, like an unknown number.
 */
export function taskKeyReferences(projects: PluginProjects): ToolReferenceResolver {
  return {
    args: ['taskId', 'targetTaskId', 'parentTaskId', 'taskIds'],
    async resolve(db, { projectId, value }) {
      const match = TASK_KEY.exec(value);
      if (!match) throw TaskNotFound({}, { message: `"${value}" is neither a task id (UUID) nor a task key such as PACA-12` });
      const [, prefix, number] = match;
      if (prefix) {
        const project = await projects.get(db, projectId);
        if (!project || project.task_id_prefix.toUpperCase() !== prefix.toUpperCase()) throw TaskNotFound({}, { message: `task ${value} is not in this project` });
      }
      const row = await db('tasks').where({ project_id: projectId, task_number: Number(number) }).whereNull('deleted_at').first('id') as { id: string } | undefined;
      if (!row) throw TaskNotFound({}, { message: `task ${value} not found` });
      return row.id;
    },
  };
}
