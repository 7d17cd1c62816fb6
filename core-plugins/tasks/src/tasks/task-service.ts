import type { TasksService } from '../contract.js';
import type { TasksContext } from '../plugin-context.js';

export function createTasksService(_ctx: TasksContext): TasksService {
  const missing = () => { throw new Error('TODO(issue 5)'); };
  return { get: missing, list: missing, update: missing, statuses: missing };
}
