import { coreServices, definePlugin, type PluginRoutes } from '@paca/plugin-sdk';
import { taskFieldReferences, tasksService } from '@paca/plugin-tasks';
import { createSprintsSchema } from './migrations/0001-sprints.js';
import type { SprintsContext } from './plugin-context.js';
import { seedProjectViews } from './seed-views.js';
import { registerSprintLifecycleRoutes } from './sprint-lifecycle.js';
import { sprintReference } from './sprint-reference.js';
import { registerSprintReportRoutes } from './sprint-reports.js';
import { registerSprintRoutes } from './sprint-routes.js';
import { registerSprintTaskMoveRoutes } from './sprint-task-moves.js';

/*
 * Sprints and the product backlog, as a first-party native plugin. It depends on the tasks
 * plugin's exported contract only (`requires: {tasks}` in plugin.json, D20): it owns tasks'
 * `sprint_id` through the field-reference extension point, and reads and moves tasks, reads their
 * history and seeds views through the tasks service.
 */
export default definePlugin({
  migrations: { '0001-sprints': createSprintsSchema },
  register(env) {
    env.init({
      deps: {
        db: coreServices.db, routes: coreServices.routes, events: coreServices.events, hooks: coreServices.hooks,
        activity: coreServices.activity, clock: coreServices.clock, tasks: tasksService, references: taskFieldReferences,
      },
      init({ db, routes, hooks, references, ...services }) {
        const ctx: SprintsContext = services;
        references.register('sprint_id', sprintReference(db));
        const seed = seedProjectViews(ctx);
        hooks.onProjectCreated(seed);
        hooks.onProjectEnabled(seed);
        const areas: Array<(routes: PluginRoutes, ctx: SprintsContext) => void> = [
          registerSprintRoutes, registerSprintLifecycleRoutes, registerSprintTaskMoveRoutes, registerSprintReportRoutes,
        ];
        for (const register of areas) register(routes, ctx);
      },
    });
  },
});
