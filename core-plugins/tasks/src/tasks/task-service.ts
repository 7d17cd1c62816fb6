import type { TasksService } from '../contract.js';
import type { TasksContext } from '../plugin-context.js';
import { boardOrder, taskStatusView } from '../task-status-view.js';
import { listTasks } from './task-list.js';
import { loadTasks } from './task-view.js';
import { updateTask } from './task-write.js';

/**
 * The contract's `tasks.service` (D20) for other plugins: the same reads and the same write path
 * as the REST routes, so validation, activity and events do not depend on who calls. Callers
 * have authorised the action themselves; the service sees every task of the project.
 */
export function createTasksService(ctx: TasksContext): TasksService {
  return {
    async get(db, projectId, taskId) {
      const [task] = await loadTasks(db, projectId, [taskId]);
      return task ?? null;
    },
    list: (db, projectId, filter) => listTasks(db, projectId, filter),
    async update(db, projectId, taskId, patch, actor) {
      return (await updateTask(ctx, db, { projectId, taskId, patch, actor })).task;
    },
    async statuses(db, projectId) {
      return (await boardOrder(db, projectId)).map(taskStatusView);
    },
  };
}
