import { defineError } from '@paca/plugin-sdk';

// Plugin host errors. Load failures carry `plugin_id` so an admin sees which plugin broke (D23 style).
type Named = { plugin_id: string };

export const PluginNotFound = defineError<Named>('PLUGIN_NOT_FOUND', 404, ({ plugin_id }) => `plugin ${plugin_id} is not installed`);
export const PluginNotEnabled = defineError<Named>('PLUGIN_NOT_ENABLED', 404,
  ({ plugin_id }) => `plugin ${plugin_id} is not enabled here`);
export const PluginIsCore = defineError<Named>('PLUGIN_IS_CORE', 409,
  ({ plugin_id }) => `plugin ${plugin_id} is a core plugin and cannot be disabled or removed`);
export const PluginRequiredBy = defineError<Named & { required_by: string[] }>('PLUGIN_REQUIRED_BY', 409,
  ({ plugin_id, required_by }) => `plugin ${plugin_id} is required by ${required_by.join(', ')}`);
export const PluginDependencyDisabled = defineError<Named & { dependency: string }>('PLUGIN_DEPENDENCY_DISABLED', 409,
  ({ plugin_id, dependency }) => `plugin ${plugin_id} needs ${dependency}, which is disabled`);
export const PluginNotLoaded = defineError<Named & { load_error: string }>('PLUGIN_NOT_LOADED', 409,
  ({ plugin_id, load_error }) => `plugin ${plugin_id} failed to load (${load_error}); fix it and restart`);

export const PluginInvalidManifest = defineError<Named & { issues: Array<{ path: string; message: string }> }>('PLUGIN_INVALID_MANIFEST', 422,
  ({ plugin_id, issues }) => `plugin ${plugin_id} has an invalid manifest: ${issues.map((i) => `${i.path || '(root)'} ${i.message}`).join('; ')}`);
export const PluginNameTaken = defineError<Named & { origin: string }>('PLUGIN_NAME_TAKEN', 409,
  ({ plugin_id, origin }) => `another plugin with id ${plugin_id} is already loaded (from ${origin})`);
export const PluginIncompatibleHostVersion = defineError<Named & { required_version: string; host_version: string }>(
  'PLUGIN_INCOMPATIBLE_HOST_VERSION', 422,
  ({ plugin_id, required_version, host_version }) => `plugin ${plugin_id} needs kernel ${required_version}; this is ${host_version}`);
export const PluginDependencyMissing = defineError<Named & { dependency: string; required_version: string; found_version?: string; reason?: string }>(
  'PLUGIN_DEPENDENCY_MISSING', 422,
  ({ plugin_id, dependency, required_version, found_version, reason }) =>
    `plugin ${plugin_id} requires ${dependency} ${required_version}: ${reason ?? (found_version ? `found ${found_version}` : 'not installed')}`);
export const PluginDependencyCycle = defineError<Named & { cycle: string[] }>('PLUGIN_DEPENDENCY_CYCLE', 422,
  ({ plugin_id, cycle }) => `plugin ${plugin_id} is in a dependency cycle: ${cycle.join(' -> ')}`);
export const PluginMigrationFailed = defineError<Named & { migration?: string }>('PLUGIN_MIGRATION_FAILED', 500,
  ({ plugin_id, migration }) => `plugin ${plugin_id} migration ${migration ?? ''} failed; nothing of it was applied`.replace('  ', ' '));
export const PluginInitFailed = defineError<Named>('PLUGIN_INIT_FAILED', 500, ({ plugin_id }) => `plugin ${plugin_id} failed to start`);
export const PluginEntryInvalid = defineError<Named & { entry: string }>('PLUGIN_ENTRY_INVALID', 422,
  ({ plugin_id, entry }) => `plugin ${plugin_id}: ${entry} does not export a definePlugin() result as default`);
export const PluginRouteUndeclared = defineError<Named & { route: string }>('PLUGIN_ROUTE_UNDECLARED', 422,
  ({ plugin_id, route }) => `plugin ${plugin_id} binds route ${route}, which its manifest does not declare`);
export const PluginRouteUnbound = defineError<Named & { routes: string[] }>('PLUGIN_ROUTE_UNBOUND', 422,
  ({ plugin_id, routes }) => `plugin ${plugin_id} declares routes it never binds: ${routes.join(', ')}`);
export const PluginRouteConflict = defineError<Named & { route: string; owner: string }>('PLUGIN_ROUTE_CONFLICT', 422,
  ({ plugin_id, route, owner }) => `plugin ${plugin_id} declares ${route}, already served by ${owner}`);
export const PluginSubscriptionUndeclared = defineError<Named & { subscription: string }>('PLUGIN_SUBSCRIPTION_UNDECLARED', 422,
  ({ plugin_id, subscription }) => `plugin ${plugin_id} binds subscription ${subscription}, which its manifest does not declare`);
export const PluginServiceUnavailable = defineError<Named & { service: string; reason: string }>('PLUGIN_SERVICE_UNAVAILABLE', 422,
  ({ plugin_id, service, reason }) => `plugin ${plugin_id} depends on ${service}: ${reason}`);
export const PluginToolNameTaken = defineError<Named & { tool: string; owner: string }>('PLUGIN_TOOL_NAME_TAKEN', 422,
  ({ plugin_id, tool, owner }) => `plugin ${plugin_id} declares tool ${tool}, already declared by ${owner}`);
export const PluginToolReferenceTaken = defineError<Named & { arg: string; owner: string }>('PLUGIN_TOOL_REFERENCE_TAKEN', 422,
  ({ plugin_id, arg, owner }) => `plugin ${plugin_id} resolves tool argument ${arg}, already resolved by ${owner}`);
export const PluginHostFunctionInvalid = defineError<Named & { function: string; reason: string }>('PLUGIN_HOST_FUNCTION_INVALID', 422,
  ({ plugin_id, function: name, reason }) => `plugin ${plugin_id} host function ${name}: ${reason}`);
export const PluginEventUndeclared = defineError<Named & { event: string }>('PLUGIN_EVENT_UNDECLARED', 500,
  ({ plugin_id, event }) => `plugin ${plugin_id} emitted ${event}, which its manifest does not declare`);
export const PluginPermissionDenied = defineError<Named & { reason: string }>('PLUGIN_PERMISSION_DENIED', 403,
  ({ plugin_id, reason }) => `plugin ${plugin_id} may not do this: ${reason}`);
export const PluginHostFunctionNotFound = defineError<Named & { function: string }>('PLUGIN_HOST_FUNCTION_NOT_FOUND', 404,
  ({ function: name }) => `host function ${name} does not exist`);
export const McpToolNotFound = defineError<{ tool: string }>('MCP_TOOL_NOT_FOUND', 404, ({ tool }) => `tool ${tool} does not exist`);
export const PluginSubscriptionUnbound = defineError<Named & { subscriptions: string[] }>('PLUGIN_SUBSCRIPTION_UNBOUND', 422,
  ({ plugin_id, subscriptions }) => `plugin ${plugin_id} declares subscriptions it never binds: ${subscriptions.join(', ')}`);
export const PluginRuntimeUnavailable = defineError<Named & { runtime: string }>('PLUGIN_RUNTIME_UNAVAILABLE', 422,
  ({ plugin_id, runtime }) => `plugin ${plugin_id} needs the ${runtime} runtime, which this kernel does not provide yet`);
export const PluginActionTaken = defineError<Named & { action: string }>('PLUGIN_ACTION_TAKEN', 422,
  ({ plugin_id, action }) => `plugin ${plugin_id} declares action ${action}, which is already declared`);
export const PluginSecretUndeclared = defineError<Named & { key: string }>('PLUGIN_SECRET_UNDECLARED', 422,
  ({ plugin_id, key }) => `plugin ${plugin_id} declares no secret ${key}`);
export const PluginEventOutsideTransaction = defineError<Named & { event: string }>('PLUGIN_EVENT_OUTSIDE_TRANSACTION', 500,
  ({ plugin_id, event }) => `plugin ${plugin_id} emitted ${event} outside a transaction: emit from a write route, hook or event handler`);

// WASM sandbox errors (D23). A guest function's name travels with the error so a log line says which call failed.
type GuestCall = Named & { function: string };
export const PluginInvalidModule = defineError<Named & { reason: string }>('PLUGIN_INVALID_MODULE', 422,
  ({ plugin_id, reason }) => `plugin ${plugin_id} has a WebAssembly module the sandbox refuses: ${reason}`);
export const PluginCallTimeout = defineError<GuestCall & { timeout_ms: number }>('PLUGIN_CALL_TIMEOUT', 504,
  ({ plugin_id, function: fn, timeout_ms }) => `plugin ${plugin_id} did not finish ${fn} within ${timeout_ms} ms`);
export const PluginCrashed = defineError<GuestCall & { reason: string }>('PLUGIN_CRASHED', 500,
  ({ plugin_id, function: fn, reason }) => `plugin ${plugin_id} crashed in ${fn}: ${reason}`);
export const PluginMemoryLimit = defineError<GuestCall & { reason: string }>('PLUGIN_MEMORY_LIMIT', 500,
  ({ plugin_id, function: fn, reason }) => `plugin ${plugin_id} ran out of memory in ${fn}: ${reason}`);
export const PluginInputTooLarge = defineError<GuestCall & { max_bytes: number }>('PLUGIN_INPUT_TOO_LARGE', 413,
  ({ plugin_id, function: fn, max_bytes }) => `the input of plugin ${plugin_id} ${fn} is larger than ${max_bytes} bytes`);
export const PluginOutputTooLarge = defineError<GuestCall & { max_bytes: number }>('PLUGIN_OUTPUT_TOO_LARGE', 413,
  ({ plugin_id, function: fn, max_bytes }) => `plugin ${plugin_id} answered ${fn} with more than ${max_bytes} bytes`);
export const PluginSandboxClosed = defineError<Named>('PLUGIN_SANDBOX_CLOSED', 503,
  ({ plugin_id }) => `plugin ${plugin_id} is stopping; retry shortly`);
