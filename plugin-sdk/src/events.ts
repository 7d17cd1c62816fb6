import type { Static, TSchema } from '@sinclair/typebox';

const EVENT_NAME = /^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$/;

/** A typed event: its name, the JSON schema of its payload, and who may see it live. */
export interface EventDefinition<P = unknown> {
  readonly name: string;
  readonly schema: TSchema;
  /** The action a socket needs to receive it (D19 `client_action`); null = server-side only. */
  readonly clientAction: string | null;
  /** Type carrier only; never set at runtime. */
  readonly __payload?: P;
}

/** The payload type of an event definition. */
export type EventPayload<E> = E extends EventDefinition<infer P> ? P : never;

/**
 * Defines an event once, with its payload schema; emit and subscribe by reference, never by
 * free strings. Payloads are validated when emitted.
 *
 * @example
 * export const TaskCreated = defineEvent('task.created', Type.Object({ task_id: Type.String() }),
 *   { clientAction: 'tasks:read' });
 * await events.emit(tx, TaskCreated, { projectId, actor, payload: { task_id } });
 */
export function defineEvent<S extends TSchema>(name: string, schema: S, options: { clientAction?: string | null } = {}): EventDefinition<Static<S>> {
  if (!EVENT_NAME.test(name)) throw new TypeError(`event name "${name}" must be dotted lowercase, e.g. task.created`);
  return Object.freeze({ name, schema, clientAction: options.clientAction ?? null });
}
