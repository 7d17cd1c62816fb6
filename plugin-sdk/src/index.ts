export { PacaError, defineError, isPacaError } from './errors.js';
export type { ErrorDefinition } from './errors.js';
export { defineEvent } from './events.js';
export type { EventDefinition, EventPayload } from './events.js';
