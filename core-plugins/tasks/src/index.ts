import { coreServices, definePlugin, type PluginRoutes } from '@paca/plugin-sdk';
import { registerActivityRoutes } from './activities.js';
import { registerAttachmentRoutes } from './attachments.js';
import { taskFieldReferences, tasksService, type TasksService } from './contract.js';
import { registerCustomFieldRoutes } from './custom-fields.js';
import { FieldReferences } from './field-references.js';
import { taskKeyReferences } from './task-key-reference.js';
import { registerTaskHostFunctions } from './host-functions.js';
import { registerTaskLinkRoutes } from './links.js';
import { createTasksSchema } from './migrations/0001-tasks.js';
import { trigramFastupdateOff } from './migrations/0002-trigram-fastupdate-off.js';
import type { TasksContext } from './plugin-context.js';
import { seedProject } from './seed.js';
import { registerTaskStatusRoutes } from './task-statuses.js';
import { registerTaskTypeRoutes } from './task-types.js';
import { registerTaskRoutes } from './tasks/task-routes.js';
import { createTasksService } from './tasks/task-service.js';
import { useProjectDirectory } from './tasks/task-view.js';
import { registerViewRoutes } from './views.js';

/*
 * Tasks, as a first-party native plugin: it reaches the kernel only through the services in
 * `deps` and the names plugin.json declares (D19, D20). Each area binds its own routes.
 */
export default definePlugin({
  migrations: { '0001-tasks': createTasksSchema, '0002-trigram-fastupdate-off': trigramFastupdateOff },
  register(env) {
    const references = new FieldReferences();
    env.registerExtensionPoint(taskFieldReferences, references);
    // The service is handed out at registration and becomes usable once init has run (before any dependant's init).
    let service: TasksService | null = null;
    const ready = () => {
      if (!service) throw new Error('tasks service used before the tasks plugin started');
      return service;
    };
    env.registerService(tasksService, {
      get: (...args) => ready().get(...args),
      list: (...args) => ready().list(...args),
      update: (...args) => ready().update(...args),
      statuses: (...args) => ready().statuses(...args),
      history: (...args) => ready().history(...args),
      createView: (...args) => ready().createView(...args),
      deleteSprintViews: (...args) => ready().deleteSprintViews(...args),
    });
    env.init({
      deps: {
        db: coreServices.db, routes: coreServices.routes, events: coreServices.events, hooks: coreServices.hooks, activity: coreServices.activity,
        members: coreServices.members, storage: coreServices.storage, notifications: coreServices.notifications,
        projects: coreServices.projects, clock: coreServices.clock, logger: coreServices.logger, hostFunctions: coreServices.hostFunctions,
        mcp: coreServices.mcp,
      },
      init({ db, routes, hooks, hostFunctions, mcp, ...services }) {
        const ctx: TasksContext = { ...services, references };
        useProjectDirectory(services.projects);
        const seed = seedProject(services.clock);
        hooks.onProjectCreated(seed);
        hooks.onProjectEnabled(seed);
        service = createTasksService(ctx, db);
        const areas: Array<(routes: PluginRoutes, ctx: TasksContext) => void> = [
          registerTaskTypeRoutes, registerTaskStatusRoutes, registerCustomFieldRoutes, registerTaskRoutes,
          registerActivityRoutes, registerTaskLinkRoutes, registerAttachmentRoutes, registerViewRoutes,
        ];
        for (const register of areas) register(routes, ctx);
        registerTaskHostFunctions(hostFunctions, ctx);
        mcp.resolveReferences(taskKeyReferences(services.projects));
      },
    });
  },
});
