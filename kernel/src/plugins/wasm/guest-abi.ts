/**
 * The names the guest ABI (issue 8) fixes between the kernel and a plugin's `backend.wasm`.
 */

/** The guest's exports, each an Extism function `() -> i32` (0 = ok, 1 = failed after `error_set`). */
export const ENTRY_POINTS: readonly string[] = ['init', 'handle_request', 'handle_event', 'shutdown'];

/** The one host function a guest may import, `paca_call(request: u64) -> u64`. */
export const HOST_CALL_MODULE = 'extism:host/user';
export const HOST_CALL_FUNCTION = 'paca_call';

/** Extism's own functions (blocks, input, output, errors), imported by every Extism guest. */
export const EXTISM_KERNEL_MODULE = 'extism:host/env';

/**
 * What Extism 1.0.3 provides in `extism:host/env`. A name outside this list would make Extism's
 * worker fail to instantiate the module — an uncaught error there takes the host process down.
 */
export const EXTISM_KERNEL_FUNCTIONS: ReadonlySet<string> = new Set([
  'alloc', 'free', 'length', 'length_unsafe', 'load_u8', 'load_u64', 'store_u8', 'store_u64',
  'input_offset', 'input_length', 'input_load_u8', 'input_load_u64', 'output_set', 'error_set',
  'config_get', 'var_get', 'var_set', 'http_request', 'http_status_code', 'log_warn', 'log_info', 'log_debug', 'log_error',
]);
