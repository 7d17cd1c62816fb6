import type { PluginActivity, PluginClock, PluginEvents } from '@paca/plugin-sdk';
import type { TasksService } from '@paca/plugin-tasks';

/** What every part of the sprints plugin works with, resolved once in `init`. */
export interface SprintsContext {
  /** The tasks plugin's exported service (D20): sprints never touches tasks' tables. */
  tasks: TasksService;
  events: PluginEvents;
  activity: PluginActivity;
  clock: PluginClock;
}
