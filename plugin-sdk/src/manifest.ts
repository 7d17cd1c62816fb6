import semver from 'semver';
import { z } from 'zod';

/**
 * `plugin.json`: everything the kernel needs to decide about a plugin before running any of its
 * code (D19). One schema, one type, same name.
 */

/** Plugin id (D17): its DB schema is `plugin_<id with - as _>`, its namespace the id with `-` as `_`. */
export const PluginId = z.string().regex(/^[a-z][a-z0-9-]{1,31}$/, 'must match ^[a-z][a-z0-9-]{1,31}$');
export const SemVer = z.string().refine((value) => semver.valid(value) !== null, 'must be a semantic version such as 1.2.3');
export const SemVerRange = z.string().refine((value) => semver.validRange(value) !== null, 'must be a semver range such as ^0.1.0');
/** An IAM action `domain:verb` (D15). */
export const ActionName = z.string().regex(/^[a-z][a-z0-9_.]*:[a-z][a-z0-9_]*$/, 'must look like domain:verb');
/** A JSON Schema document; the kernel compiles it when the plugin loads. */
export const JsonSchema = z.record(z.string(), z.unknown());
export const HttpMethod = z.enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']);
export const RouteName = z.string().regex(/^[a-z][a-z0-9_.-]{0,63}$/, 'must match ^[a-z][a-z0-9_.-]{0,63}$');
export const EventName = z.string().regex(/^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$/, 'must be dotted lowercase, e.g. task.created');
/** `task.*`, `project.created`, `*`. */
export const EventPattern = z.string().regex(/^(\*|[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*(\.\*)?)$/, 'must be an event name, a prefix ending in .* or *');

/** The path params a route path declares (`/projects/:projectId/tasks/:taskId` → projectId, taskId). */
export function pathParams(path: string): string[] {
  return [...path.matchAll(/:([A-Za-z_][A-Za-z0-9_]*)/g)].map((match) => match[1]!);
}

/** The `{placeholders}` of a resource template (`project/{projectId}/task/{taskId}`). */
export function templatePlaceholders(template: string): string[] {
  return [...template.matchAll(/\{([A-Za-z_][A-Za-z0-9_]*)\}/g)].map((match) => match[1]!);
}

export const PluginRoute = z.strictObject({
  /** Code binds its handler by this name (`routes.handle(name, …)`). */
  name: RouteName,
  method: HttpMethod,
  /**
   * Path under `/api/v1`, `:param` segments. Core plugins may use product paths
   * (`/projects/:projectId/tasks`); every other plugin mounts under `/plugins/<id>/…`.
   */
  path: z.string().regex(/^(\/[A-Za-z0-9_.~-]+|\/:[A-Za-z_][A-Za-z0-9_]*)+$/, 'must be an absolute path of literal and :param segments'),
  summary: z.string().max(200).optional(),
  /** `gated` (default) needs `action` on `resource`; `authenticated` any principal; `public` no credentials. */
  access: z.enum(['public', 'authenticated', 'gated']).default('gated'),
  action: ActionName.optional(),
  /**
   * IAM resource template filled from path params: `project/{projectId}/task/{taskId}` lets
   * entity-level Allow/Deny apply (D15). Default for project paths: `project/{projectId}`.
   */
  resource: z.string().regex(/^[a-z*{][A-Za-z0-9_{}*/.-]*$/).optional(),
  params: JsonSchema.optional(),
  query: JsonSchema.optional(),
  body: JsonSchema.optional(),
  /** Success status; 204 sends no body. */
  status: z.number().int().min(200).max(299).default(200),
  tags: z.array(z.string().max(40)).max(10).optional(),
});
export type PluginRoute = z.infer<typeof PluginRoute>;

/**
 * The entity an event is about (D15): a socket receives the event only when it may read that
 * entity, so a member denied one task never hears about it. `action` defaults to `client_action`.
 */
export const ClientEntity = z.strictObject({
  kind: z.string().regex(/^[a-z][a-z0-9_]*$/).max(40),
  /** The payload field holding the entity id. */
  field: z.string().regex(/^[a-z][a-z0-9_]*$/).max(64),
  action: ActionName.optional(),
});
export type ClientEntity = z.infer<typeof ClientEntity>;

export const PluginEventDeclaration = z.strictObject({
  name: EventName,
  /** JSON Schema of the payload (WASM emits are validated against it; native code's `defineEvent` carries its own). */
  schema: JsonSchema.optional(),
  /** The action a socket needs to receive it live (D19); null = server-side only. */
  client_action: ActionName.nullable().default(null),
  client_entity: ClientEntity.nullable().default(null),
  description: z.string().max(400).optional(),
});
export type PluginEventDeclaration = z.infer<typeof PluginEventDeclaration>;

export const PluginSubscription = z.strictObject({
  /** Code binds its handler by this name; the consumer's cursor is stored under it. */
  name: RouteName,
  events: z.array(EventPattern).min(1).max(50),
});
export type PluginSubscription = z.infer<typeof PluginSubscription>;

export const PluginAction = z.strictObject({
  action: ActionName,
  description: z.string().min(1).max(200),
  /** `project`: checked inside projects (`project/<id>/…`); `platform`: on `plugin/<id>`. */
  scope: z.enum(['project', 'platform']).default('project'),
});
export type PluginAction = z.infer<typeof PluginAction>;

/** Which of the plugin's actions each system role gains in projects where the plugin is enabled (D16). */
export const RoleGrants = z.strictObject({
  Admin: z.array(ActionName).optional(),
  Editor: z.array(ActionName).optional(),
  Viewer: z.array(ActionName).optional(),
  /** Anonymous callers and non-members on a public project. */
  public: z.array(ActionName).optional(),
});
export type RoleGrants = z.infer<typeof RoleGrants>;

export const PluginSecret = z.strictObject({
  key: z.string().regex(/^[A-Z][A-Z0-9_]{0,63}$/),
  description: z.string().max(400),
  required: z.boolean().default(false),
});

/** A WASM plugin's document collection (D22): indexed fields may be filtered and ordered on. */
export const PluginCollection = z.strictObject({
  name: z.string().regex(/^[a-z][a-z0-9_]{0,62}$/),
  indexes: z.array(z.strictObject({
    field: z.string().regex(/^[a-z][a-z0-9_]{0,62}$/),
    type: z.enum(['string', 'number', 'boolean', 'date']),
  })).max(16).default([]),
});

export const WEB_SLOTS = ['app.nav', 'project.nav', 'project.view', 'task.detail', 'task.detail.section', 'project.settings.tab', 'admin.page', 'home.widget'] as const;

export const WebSlot = z.strictObject({
  slot: z.enum(WEB_SLOTS),
  /** Export name of the component in the plugin's web entry. */
  component: z.string().regex(/^[A-Za-z_$][A-Za-z0-9_$]*$/),
  label: z.string().max(80).optional(),
  /** A lucide icon name. */
  icon: z.string().max(60).optional(),
  order: z.number().int().default(100),
  /** Hidden from callers without this action. */
  required_action: ActionName.optional(),
  /** For `project.view`: the view type users pick in "New view". */
  view_type: z.string().regex(/^[a-z][a-z0-9_-]{0,31}$/).optional(),
  /** For nav and page slots: the URL segment. */
  slug: z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/).optional(),
});
export type WebSlot = z.infer<typeof WebSlot>;

export const ToolArgumentMapping = z.strictObject({
  in: z.enum(['path', 'query', 'body']),
  /** The REST name (snake_case), e.g. tool arg `taskId` → path `taskId`, `storyPoints` → body `story_points`. */
  name: z.string().min(1).max(64),
});

/** An MCP tool (D31): the REST route it calls and where each argument goes. */
export const McpTool = z.strictObject({
  name: z.string().regex(/^[a-z][a-z0-9_]{0,63}$/),
  title: z.string().min(1).max(80),
  description: z.string().min(1).max(400),
  input_schema: JsonSchema.refine((schema) => schema.type === 'object', 'must be an object schema'),
  annotations: z.strictObject({
    readOnlyHint: z.boolean().optional(),
    destructiveHint: z.boolean().optional(),
    idempotentHint: z.boolean().optional(),
  }).default({}),
  /** Group used by clients that load only some toolsets; default the plugin id. */
  toolset: z.string().regex(/^[a-z][a-z0-9_-]{0,31}$/).optional(),
  /** Name of the route it calls: one of this plugin's routes (or, for the kernel, a kernel route). */
  route: RouteName,
  args: z.record(z.string().regex(/^[a-z][A-Za-z0-9]*$/), ToolArgumentMapping).default({}),
});
export type McpTool = z.infer<typeof McpTool>;

export const PluginManifest = z.strictObject({
  id: PluginId,
  name: z.string().min(1).max(80),
  description: z.string().max(1000).default(''),
  version: SemVer,
  /** Kernel versions this plugin supports. */
  kernel: SemVerRange,
  runtime: z.enum(['native', 'wasm']),
  /** Native entry module (relative to the plugin folder); exports the `definePlugin` result as default. */
  main: z.string().regex(/^(?!\/)(?!.*\.\.)[A-Za-z0-9_./-]+\.m?js$/).optional(),
  /** WASM module (relative to the plugin folder). */
  wasm: z.string().regex(/^(?!\/)(?!.*\.\.)[A-Za-z0-9_./-]+\.wasm$/).optional(),
  /** Core plugins are `optional: false` and cannot be disabled (D21). */
  optional: z.boolean().default(true),
  /** Other plugins this one needs, with version ranges; loaded first, never disabled under it. */
  requires: z.record(PluginId, SemVerRange).default({}),
  /** Host capabilities: `kv`, `events:emit`, `events:subscribe:<pattern>`, `http:fetch:<host>`, `core:read:tasks`… */
  permissions: z.array(z.string().regex(/^[a-z][a-z0-9_.-]*(:[A-Za-z0-9_.*-]+)*$/)).max(100).default([]),
  actions: z.array(PluginAction).max(100).default([]),
  role_grants: RoleGrants.default({}),
  routes: z.array(PluginRoute).max(500).default([]),
  events: z.array(PluginEventDeclaration).max(200).default([]),
  subscriptions: z.array(PluginSubscription).max(50).default([]),
  /** Migration names in order (native: bound in `definePlugin({ migrations })`). */
  migrations: z.array(z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/)).max(1000).default([]),
  secrets: z.array(PluginSecret).max(50).default([]),
  collections: z.array(PluginCollection).max(50).default([]),
  web: z.strictObject({
    /** ES module built with vue, pinia, vue-router and @paca/plugin-sdk/web external. */
    entry: z.string().regex(/^(?!\/)(?!.*\.\.)[A-Za-z0-9_./-]+\.m?js$/),
    /** Stylesheets the shell links when the module loads (library mode writes CSS the JS never loads). */
    styles: z.array(z.string().regex(/^(?!\/)(?!.*\.\.)[A-Za-z0-9_./-]+\.css$/)).max(10).default([]),
    slots: z.array(WebSlot).max(100).default([]),
  }).optional(),
  mcp: z.strictObject({ tools: z.array(McpTool).max(200).default([]) }).default({ tools: [] }),
}).superRefine((manifest, ctx) => {
  const issue = (path: (string | number)[], message: string) => ctx.addIssue({ code: 'custom', path, message });
  if (manifest.runtime === 'native' && !manifest.main) issue(['main'], 'a native plugin names its entry module');
  if (manifest.runtime === 'wasm' && manifest.main) issue(['main'], 'a WASM plugin has no native entry');
  if (manifest.runtime === 'native' && manifest.collections.length > 0) issue(['collections'], 'collections are for WASM plugins; native plugins own their schema');
  if (manifest.requires[manifest.id] !== undefined) issue(['requires', manifest.id], 'a plugin cannot require itself');
  if (manifest.web) {
    // The kernel serves a plugin's web files from the entry's folder only (its build output).
    const folder = manifest.web.entry.includes('/') ? manifest.web.entry.slice(0, manifest.web.entry.lastIndexOf('/') + 1) : '';
    manifest.web.styles.forEach((style, i) => { if (!style.includes('..') && (!style.startsWith(folder) || style.slice(folder.length).includes('/'))) issue(['web', 'styles', i], `must sit beside the entry, in ${folder || 'the plugin folder'}`); });
    duplicates(manifest.web.slots.filter((s) => s.slug).map((s) => `${s.slot}:${s.slug}`)).forEach((key) => issue(['web', 'slots'], `slot slug ${key} is declared twice`));
    manifest.web.slots.forEach((s, i) => {
      if ((s.slot === 'project.nav' || s.slot === 'app.nav' || s.slot === 'admin.page' || s.slot === 'project.settings.tab') && !s.slug) issue(['web', 'slots', i, 'slug'], `a ${s.slot} slot needs a slug (its URL segment)`);
      if (s.slot === 'project.view' && !s.view_type) issue(['web', 'slots', i, 'view_type'], 'a project.view slot names its view_type');
    });
  }

  const declared = new Map(manifest.actions.map((a) => [a.action, a.scope]));
  duplicates(manifest.actions.map((a) => a.action)).forEach((name) => issue(['actions'], `action ${name} is declared twice`));
  for (const [role, actions] of Object.entries(manifest.role_grants)) {
    (actions ?? []).forEach((action, i) => {
      if (!declared.has(action)) issue(['role_grants', role, i], `grants ${action}, which this plugin does not declare`);
      // Role grants apply inside projects (D16); a platform action would never match there.
      else if (declared.get(action) !== 'project') issue(['role_grants', role, i], `${action} is a platform action; role grants give project actions only`);
    });
  }

  const routeNames = new Set<string>();
  manifest.routes.forEach((route, i) => {
    if (routeNames.has(route.name)) issue(['routes', i, 'name'], `route name ${route.name} is used twice`);
    routeNames.add(route.name);
    const params = pathParams(route.path);
    if (route.access === 'gated' && !route.action) issue(['routes', i, 'action'], 'a gated route names its action');
    if (route.access !== 'gated' && route.action) issue(['routes', i, 'action'], 'only gated routes have an action');
    if (route.access === 'gated' && !route.resource && !params.includes('projectId')) {
      issue(['routes', i, 'resource'], 'a gated route outside /projects/:projectId names its resource template');
    }
    for (const placeholder of templatePlaceholders(route.resource ?? '')) {
      if (!params.includes(placeholder)) issue(['routes', i, 'resource'], `{${placeholder}} is not a path param of ${route.path}`);
    }
    if (route.status === 204 && route.method === 'GET') issue(['routes', i, 'status'], 'a GET route returns a body');
  });
  duplicates(manifest.routes.map((r) => `${r.method} ${r.path}`)).forEach((route) => issue(['routes'], `${route} is declared twice`));
  duplicates(manifest.events.map((e) => e.name)).forEach((name) => issue(['events'], `event ${name} is declared twice`));
  manifest.events.forEach((e, i) => {
    if (e.client_entity && !e.client_action) issue(['events', i, 'client_entity'], `event ${e.name} names a client_entity but no client_action`);
  });
  duplicates(manifest.subscriptions.map((s) => s.name)).forEach((name) => issue(['subscriptions'], `subscription ${name} is declared twice`));
  duplicates(manifest.migrations).forEach((name) => issue(['migrations'], `migration ${name} is listed twice`));
  duplicates(manifest.collections.map((c) => c.name)).forEach((name) => issue(['collections'], `collection ${name} is declared twice`));

  const routesByName = new Map(manifest.routes.map((r) => [r.name, r]));
  duplicates(manifest.mcp.tools.map((t) => t.name)).forEach((name) => issue(['mcp', 'tools'], `tool ${name} is declared twice`));
  manifest.mcp.tools.forEach((tool, i) => {
    const route = routesByName.get(tool.route);
    if (!route) {
      issue(['mcp', 'tools', i, 'route'], `route ${tool.route} is not declared by this plugin`);
      return;
    }
    toolMappingIssues(tool, pathParams(route.path)).forEach((message) => issue(['mcp', 'tools', i], message));
  });
});
export type PluginManifest = z.infer<typeof PluginManifest>;
/** What authors write: defaults may be omitted. */
export type PluginManifestInput = z.input<typeof PluginManifest>;

/** Problems with a tool's argument mapping against its route's path params (shared with the kernel's own tools). */
export function toolMappingIssues(tool: Pick<McpTool, 'name' | 'input_schema' | 'args'>, routeParams: string[]): string[] {
  const messages: string[] = [];
  const properties = (tool.input_schema.properties ?? {}) as Record<string, unknown>;
  for (const [arg, mapping] of Object.entries(tool.args)) {
    if (!(arg in properties)) messages.push(`argument ${arg} is not in the input schema`);
    if (mapping.in === 'path' && !routeParams.includes(mapping.name)) messages.push(`argument ${arg} maps to path param ${mapping.name}, which the route does not have`);
  }
  const mappedPath = new Set(Object.values(tool.args).filter((m) => m.in === 'path').map((m) => m.name));
  for (const param of routeParams) if (!mappedPath.has(param)) messages.push(`path param ${param} is not supplied by any argument`);
  return messages;
}

export interface ManifestIssue {
  path: string;
  message: string;
}

/** Parses a manifest; on failure returns the issues with dotted paths (`routes.2.action`). */
export function parseManifest(input: unknown): { success: true; manifest: PluginManifest } | { success: false; issues: ManifestIssue[] } {
  const result = PluginManifest.safeParse(input);
  if (result.success) return { success: true, manifest: result.data };
  return { success: false, issues: result.error.issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message })) };
}

/** The plugin's namespace for actions, tools and events: its id with `-` as `_` (D17). */
export function pluginNamespace(id: string): string {
  return id.replace(/-/g, '_');
}

/** The plugin's own PostgreSQL schema (D17). */
export function pluginSchemaName(id: string): string {
  return `plugin_${pluginNamespace(id)}`;
}

function duplicates(values: string[]): string[] {
  const seen = new Set<string>();
  const repeated = new Set<string>();
  for (const value of values) (seen.has(value) ? repeated : seen).add(value);
  return [...repeated];
}
