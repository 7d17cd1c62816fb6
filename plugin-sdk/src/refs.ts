/**
 * Typed references to what a plugin receives in `deps` (STYLE "Plugins"): kernel services,
 * services other plugins export from their contract, and extension points. The ref carries the
 * type; the kernel resolves it before `init` runs. There is no "get anything" locator.
 */
export interface ServiceRef<T> {
  readonly id: string;
  readonly kind: 'service' | 'extension-point';
  /** Type carrier only; never set at runtime. */
  readonly __type?: T;
}

/**
 * A service a plugin provides to the plugins that `require` it.
 *
 * @example
 * // in the tasks plugin's contract entry
 * export const tasksServiceRef = createServiceRef<TasksService>({ id: 'tasks.service' });
 * // in tasks' register(): env.registerService(tasksServiceRef, service)
 * // in sprints' init deps: { tasks: tasksServiceRef }
 */
export function createServiceRef<T>(options: { id: string }): ServiceRef<T> {
  assertRefId(options.id);
  return Object.freeze({ id: options.id, kind: 'service' as const });
}

/**
 * An extension point: something other plugins register into during their `init` (D20). Tasks
 * owns `sprint_id` and exposes a field-reference point; sprints registers its validator there.
 */
export function createExtensionPoint<T>(options: { id: string }): ServiceRef<T> {
  assertRefId(options.id);
  return Object.freeze({ id: options.id, kind: 'extension-point' as const });
}

/** The plugin id a ref belongs to: the part before the first dot (`tasks.fieldReferences` → `tasks`). */
export function refOwner(ref: ServiceRef<unknown>): string {
  return ref.id.slice(0, ref.id.indexOf('.'));
}

function assertRefId(id: string): void {
  if (!/^[a-z][a-z0-9-]{1,31}\.[A-Za-z][A-Za-z0-9_.]*$/.test(id)) {
    throw new TypeError(`service ref id "${id}" must be "<plugin id>.<name>", e.g. tasks.fieldReferences`);
  }
}
