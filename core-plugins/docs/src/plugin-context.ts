import type { PluginActivity, PluginClock, PluginEvents, PluginMembers, PluginNotifications, PluginStorage } from '@paca/plugin-sdk';

/** The kernel services every part of the docs plugin works with, resolved once in `init`. */
export interface DocsContext {
  events: PluginEvents;
  activity: PluginActivity;
  members: PluginMembers;
  notifications: PluginNotifications;
  storage: PluginStorage;
  clock: PluginClock;
}
