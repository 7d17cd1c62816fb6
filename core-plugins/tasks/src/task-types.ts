import type { PluginRoutes } from '@paca/plugin-sdk';
import type { TasksContext } from './plugin-context.js';

export function registerTaskTypeRoutes(_routes: PluginRoutes, _ctx: TasksContext): void {
  // TODO(issue 5): bind this area's routes.
}
