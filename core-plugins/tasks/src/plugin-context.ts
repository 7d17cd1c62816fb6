import type {
  PluginActivity, PluginClock, PluginEvents, PluginLogger, PluginMembers, PluginNotifications, PluginProjects, PluginStorage,
} from '@paca/plugin-sdk';
import type { FieldReferences } from './field-references.js';

/** The kernel services every part of the tasks plugin works with, resolved once in `init`. */
export interface TasksContext {
  events: PluginEvents;
  activity: PluginActivity;
  members: PluginMembers;
  storage: PluginStorage;
  notifications: PluginNotifications;
  projects: PluginProjects;
  clock: PluginClock;
  logger: PluginLogger;
  references: FieldReferences;
}
