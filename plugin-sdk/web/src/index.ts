// @paca/plugin-sdk/web — the browser side of the plugin contract (DESIGN 6). The shell maps this
// module in its import map, so the shell and every plugin share one copy (and one set of
// injection keys).
export * from './context.js';
export * from './api-client.js';
export * from './slots.js';
export * from './composables.js';
export * from './format.js';
// The same UUID check the server side uses (one pattern for the whole SDK).
export { isUuid } from '../../src/uuid.js';
export * from './components/index.js';
