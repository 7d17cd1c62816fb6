import type { Knex } from 'knex';
import type { EventDefinition } from './events.js';
import { createServiceRef, type ServiceRef } from './refs.js';

/** Who is acting: a user or an agent (D14). */
export interface PrincipalRef {
  type: 'user' | 'agent';
  id: string;
}

/**
 * The plugin's database handle, bound to its own schema (D17, D22): `db('tasks')` queries
 * `plugin_<id>.tasks`. Inside a route or hook it is the request's transaction.
 *
 * @example
 * const rows = await db('statuses').where({ project_id }).orderBy('position');
 * await db.raw(`SELECT count(*)::int AS n FROM ${db.table('tasks')} WHERE project_id = ?`, [id]);
 */
export interface PluginDb {
  (table: string): Knex.QueryBuilder;
  /** `plugin_<id>`. */
  readonly schema: string;
  /** The quoted, schema-qualified name of one of the plugin's tables, for joins and raw SQL. */
  table(name: string): string;
  raw(sql: string, bindings?: readonly Knex.RawBinding[]): Knex.Raw;
  /** Runs `fn` in a transaction (a savepoint when already inside one). */
  transaction<T>(fn: (tx: PluginDb) => Promise<T>): Promise<T>;
}

/** A live project as plugins see it. */
export interface ProjectRef {
  id: string;
  name: string;
  task_id_prefix: string;
  is_public: boolean;
  created_by: string | null;
}

/** List scope for an entity kind inside a project (D15), applied in SQL by the plugin. */
export type ListScope = { all: true; except: string[] } | { all: false; ids: string[] };

export interface RouteRequest<P = Record<string, string>, Q = Record<string, unknown>, B = unknown> {
  params: P;
  query: Q;
  body: B;
  /** Null on public routes and for anonymous reads of public projects. */
  principal: PrincipalRef | null;
  /** The project named by `:projectId`, already checked to exist and to have the plugin enabled. */
  projectId: string | null;
  /** A transaction for writes (POST/PUT/PATCH/DELETE), the pool for reads; bound to the plugin's schema. */
  db: PluginDb;
  /** The caller's IAM decision (public-project grants included). */
  can(action: string, resource: string): boolean;
  /** Which entities of `kind` in the project the caller may see with `action`: `listScope('tasks:read', 'task')`. */
  listScope(action: string, kind: string): ListScope;
  headers: Record<string, string | string[] | undefined>;
  /** Sets a response header (ETag, Location). */
  setHeader(name: string, value: string): void;
}

export type RouteHandler = (request: RouteRequest<any, any, any>) => Promise<unknown>;

/** Binds handlers to the routes `plugin.json` declares; an undeclared name fails the plugin's load (D19). */
export interface PluginRoutes {
  handle(name: string, handler: RouteHandler): void;
}

export interface EmitOptions<P> {
  projectId: string | null;
  payload: P;
  actor: PrincipalRef | null;
  /** D24; default from the actor (`user`/`agent`), `system` without one. */
  origin?: 'user' | 'agent' | 'automation' | 'system' | 'plugin';
}

/** A stored event as consumers receive it (D24). */
export interface PluginEvent {
  id: number;
  type: string;
  projectId: string | null;
  seq: number;
  payload: Record<string, unknown>;
  actor: PrincipalRef | null;
  origin: string;
  occurredAt: Date;
}

export type EventHandler = (db: PluginDb, event: PluginEvent) => Promise<void>;

/**
 * The transactional outbox and durable subscriptions. Emit only events your manifest declares;
 * handlers run once per event id, with their effects and the cursor in one transaction.
 */
export interface PluginEvents {
  emit<P>(db: PluginDb, definition: EventDefinition<P>, options: EmitOptions<P>): Promise<{ id: number }>;
  /** Binds the handler of a subscription `plugin.json` declares. */
  subscribe(name: string, handler: EventHandler): void;
}

export type ProjectHook = (db: PluginDb, project: ProjectRef) => Promise<void>;

/** D20: seed per-project data inside the project-create transaction, or when the plugin first reaches an existing project. */
export interface ProjectHooks {
  onProjectCreated(hook: ProjectHook): void;
  onProjectEnabled(hook: ProjectHook): void;
}

export interface HostFunctionCall {
  /** The project of the WASM call; a host function never reaches another one. */
  projectId: string;
  principal: PrincipalRef | null;
  /** Bound to the contributing plugin's schema. */
  db: PluginDb;
  args: Record<string, unknown>;
}

export interface HostFunctionDefinition {
  /** `<your namespace>.<verb>`, e.g. `tasks.list`. */
  name: string;
  /** The manifest permission a WASM plugin needs to call it, e.g. `core:read:tasks`. */
  permission: string;
  /** The IAM action the caller must hold in the project, e.g. `tasks:read`. */
  action: string;
  handler(call: HostFunctionCall): Promise<unknown>;
}

/** D20: functions a plugin contributes to WASM plugins; the kernel checks permission and project on every call. */
export interface HostFunctions {
  register(definition: HostFunctionDefinition): void;
}

export interface NotifyInput {
  recipientUserId: string;
  type: string;
  /** With it, a replayed event never notifies twice (D26). */
  eventId: number | null;
  projectId: string | null;
  actor: PrincipalRef | null;
  data: Record<string, unknown>;
}

export interface PluginNotifications {
  notify(db: PluginDb, input: NotifyInput): Promise<boolean>;
}

export interface ActivityInput {
  projectId: string;
  entityType: string;
  entityId: string | null;
  actor: PrincipalRef | null;
  type: string;
  content: Record<string, unknown>;
}

/** The kernel's project activity feed (never pruned). */
export interface PluginActivity {
  record(db: PluginDb, input: ActivityInput): Promise<void>;
}

export interface PluginProjects {
  /** A live project, or null. */
  get(db: PluginDb, projectId: string): Promise<ProjectRef | null>;
}

export interface PluginLogger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

/** The secrets this plugin's manifest declares, as an admin set them (`PUT /admin/plugins/:id/secrets/:key`). */
export interface PluginSecrets {
  /** The value, or null while unset; an undeclared key throws `PLUGIN_SECRET_UNDECLARED`. */
  get(key: string): Promise<string | null>;
}

export interface PluginClock {
  now(): Date;
}

/** What the kernel provides to every native plugin, by ref. */
export const coreServices = {
  db: createServiceRef<PluginDb>({ id: 'kernel.db' }),
  routes: createServiceRef<PluginRoutes>({ id: 'kernel.routes' }),
  events: createServiceRef<PluginEvents>({ id: 'kernel.events' }),
  hooks: createServiceRef<ProjectHooks>({ id: 'kernel.hooks' }),
  hostFunctions: createServiceRef<HostFunctions>({ id: 'kernel.hostFunctions' }),
  notifications: createServiceRef<PluginNotifications>({ id: 'kernel.notifications' }),
  activity: createServiceRef<PluginActivity>({ id: 'kernel.activity' }),
  projects: createServiceRef<PluginProjects>({ id: 'kernel.projects' }),
  logger: createServiceRef<PluginLogger>({ id: 'kernel.logger' }),
  clock: createServiceRef<PluginClock>({ id: 'kernel.clock' }),
  secrets: createServiceRef<PluginSecrets>({ id: 'kernel.secrets' }),
} as const satisfies Record<string, ServiceRef<unknown>>;
