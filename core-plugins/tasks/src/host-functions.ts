import type { HostFunctions } from '@paca/plugin-sdk';
import type { TasksContext } from './plugin-context.js';

export function registerTaskHostFunctions(_hostFunctions: HostFunctions, _ctx: TasksContext): void {
  // TODO(issue 5): tasks.list and tasks.get.
}
