import { coreServices, definePlugin } from '@paca/plugin-sdk';
import { registerCommentRoutes } from './doc-comments.js';
import { registerFileRoutes } from './doc-files.js';
import { registerPathRoutes } from './doc-paths.js';
import { registerSearchRoutes } from './doc-search.js';
import { registerDocumentRoutes } from './documents.js';
import { registerFolderRoutes } from './folders.js';
import { createDocsSchema } from './migrations/0001-docs.js';
import { registerSnapshotRoutes } from './snapshots.js';

/*
 * Docs, as a first-party native plugin: Markdown documents in folders with history (D30),
 * search, comments, files and path-style addressing for agents. It reaches the kernel only
 * through the services in `deps` and the names plugin.json declares (D19). Each area binds its
 * own routes.
 */
export default definePlugin({
  migrations: { '0001-docs': createDocsSchema },
  register(env) {
    env.init({
      deps: {
        routes: coreServices.routes, events: coreServices.events, activity: coreServices.activity, members: coreServices.members,
        notifications: coreServices.notifications, storage: coreServices.storage, clock: coreServices.clock,
      },
      init({ routes, ...ctx }) {
        registerFolderRoutes(routes, ctx);
        registerDocumentRoutes(routes, ctx);
        registerSnapshotRoutes(routes, ctx);
        registerSearchRoutes(routes);
        registerPathRoutes(routes, ctx);
        registerCommentRoutes(routes, ctx);
        registerFileRoutes(routes, ctx);
      },
    });
  },
});
