import type { PluginDb } from '@paca/plugin-sdk';
import type { TasksService } from '../contract.js';
import type { TasksContext } from '../plugin-context.js';
import { boardOrder, taskStatusView } from '../task-status-view.js';
import { sharedView } from '../view-resource.js';
import { insertView, removeViews } from '../view-write.js';
import { taskHistory } from './task-history.js';
import { listTasks } from './task-list.js';
import { loadTasks } from './task-view.js';
import { updateTask } from './task-write.js';

/**
 * The contract's `tasks.service` (D20) for other plugins: the same reads and the same write path
 * as the REST routes, so validation, activity and events do not depend on who calls. Callers
 * have authorised the action themselves; the service sees every task of the project. `db` is
 * tasks' kept handle (`coreServices.db`): bound to tasks' schema, on the caller's transaction.
 */
export function createTasksService(ctx: TasksContext, db: PluginDb): TasksService {
  return {
    async get(projectId, taskId) {
      const [task] = await loadTasks(db, projectId, [taskId]);
      return task ?? null;
    },
    list: (projectId, filter) => listTasks(db, projectId, filter),
    async update(projectId, taskId, patch, actor) {
      // A write needs a transaction for its event: join the caller's, or open one.
      return db.transaction(async (tx) => (await updateTask(ctx, tx, { projectId, taskId, patch, actor })).task);
    },
    async statuses(projectId) {
      return (await boardOrder(db, projectId)).map(taskStatusView);
    },
    history: (projectId, query) => taskHistory(ctx, db, projectId, query),
    async createView(projectId, input, actor) {
      return sharedView(await db.transaction((tx) => insertView(ctx, tx, projectId, input, actor)));
    },
    async deleteSprintViews(projectId, sprintId, actor) {
      return db.transaction(async (tx) => {
        const ids = (await tx('views').where({ project_id: projectId, view_context: 'sprint', sprint_id: sprintId }).forUpdate().pluck('id')) as string[];
        await removeViews(ctx, tx, projectId, ids, actor);
        return ids.length;
      });
    },
  };
}
