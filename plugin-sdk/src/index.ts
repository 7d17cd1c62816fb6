export { PacaError, defineError, isPacaError } from './errors.js';
export type { ErrorDefinition } from './errors.js';
