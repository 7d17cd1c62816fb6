export { PacaError, defineError, isPacaError } from './errors.js';
export type { ErrorDefinition } from './errors.js';
export { defineEvent } from './events.js';
export type { EventDefinition, EventPayload } from './events.js';
export {
  PluginManifest, PluginRoute, PluginAction, PluginEventDeclaration, PluginSubscription, RoleGrants, WebSlot, McpTool,
  PluginId, SemVer, SemVerRange, ActionName, EventName, WEB_SLOTS,
  parseManifest, pathParams, templatePlaceholders, toolMappingIssues, pluginNamespace, pluginSchemaName,
} from './manifest.js';
export type { PluginManifestInput, ManifestIssue } from './manifest.js';
export { createServiceRef, createExtensionPoint, refOwner } from './refs.js';
export type { ServiceRef } from './refs.js';
export { definePlugin, isPluginDefinition } from './define-plugin.js';
export type { PluginDefinition, PluginMigration, PluginRegistrationEnv, DepsMap, ResolvedDeps } from './define-plugin.js';
export { coreServices } from './core-services.js';
export type {
  PrincipalRef, PluginDb, ProjectRef, ListScope, RouteRequest, RouteHandler, PluginRoutes, EmitOptions, PluginEvent, EventHandler,
  PluginEvents, ProjectHook, ProjectHooks, HostFunctionCall, HostFunctionDefinition, HostFunctions, NotifyInput, PluginNotifications,
  ActivityInput, ActivityEntry, ActivityQuery, PluginActivity, ProjectMember, PluginMembers, PluginStorage, StorageObjectInfo, PluginProjects, PluginLogger, PluginClock, PluginSecrets,
  PluginMcp, ToolReferenceResolver,
} from './core-services.js';
export { cursorPage, CursorInvalid } from './cursor-page.js';
export type { CursorPageOptions, KeysetColumn } from './cursor-page.js';
export { rawResponse, isRawResponse } from './raw-response.js';
export type { RawResponse } from './raw-response.js';
export { ValidationFailed, invalid, expectedVersion, assertExpectedVersion, etag } from './expected-version.js';
export { isOwnMembership, mentionedHandles, mentionedMembers } from './mentions.js';
export { isUuid } from './uuid.js';
