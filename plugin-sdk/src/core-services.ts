import type { Knex } from 'knex';
import type { Readable } from 'node:stream';
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
  /**
   * The live projects where the caller holds `action` and this plugin is enabled: for lists
   * across projects (`/users/me/tasks`). Empty for anonymous callers.
   */
  projectsWhere(action: string): Promise<string[]>;
  headers: Record<string, string | string[] | undefined>;
  /** Sets a response header (ETag, Location). */
  setHeader(name: string, value: string): void;
  /** This response's success status (2xx) instead of the route's: a create-or-update that created answers 201. */
  setStatus(status: number): void;
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

/** An entry of the activity feed as readers see it; `actor` carries the handle and name for display. */
export interface ActivityEntry {
  id: string;
  project_id: string;
  entity_type: string;
  entity_id: string | null;
  actor: { type: 'user' | 'agent'; id: string; username: string | null; full_name: string | null } | null;
  origin: string;
  activity_type: string;
  content: Record<string, unknown>;
  created_at: string;
  updated_at: string | null;
}

export interface ActivityQuery {
  projectId: string;
  entityType?: string;
  entityId?: string;
  /** Entries of any of these entities. */
  entityIds?: readonly string[];
  types?: string[];
  /** JSON containment on the content, e.g. `{changes: [{field: 'sprint_id', new: id}]}` finds every move into a sprint. */
  contains?: Record<string, unknown>;
  /** Entries recorded at or after this instant. */
  since?: Date;
  /** `desc` (default) for feeds, `asc` to replay history. */
  order?: 'asc' | 'desc';
  cursor?: string;
  limit: number;
}

/**
 * The kernel's project activity feed (reference 1.7; never pruned). A plugin reads any entry of
 * its projects but changes only the entries it recorded itself (comments: edit, soft delete).
 */
export interface PluginActivity {
  record(db: PluginDb, input: ActivityInput): Promise<{ id: string }>;
  /** Keyset-paged, newest first unless `order: 'asc'`; soft-deleted entries are left out. */
  list(db: PluginDb, query: ActivityQuery): Promise<{ items: ActivityEntry[]; next_cursor: string | null }>;
  get(db: PluginDb, projectId: string, id: string): Promise<ActivityEntry | null>;
  /** Replaces the content of an entry this plugin recorded; false when there is none. */
  update(db: PluginDb, projectId: string, id: string, content: Record<string, unknown>): Promise<boolean>;
  /** Soft-deletes an entry this plugin recorded; false when there is none. */
  remove(db: PluginDb, projectId: string, id: string): Promise<boolean>;
}

/** A project member: a human (user) or an agent. Task assignees and reporters are member ids. */
export interface ProjectMember {
  id: string;
  project_id: string;
  member_type: 'human' | 'agent';
  user_id: string | null;
  agent_id: string | null;
  /** The username or the agent's handle (one namespace, D14); `@handle` mentions resolve through it. */
  handle: string;
  name: string | null;
}

/** Read access to project membership. */
export interface PluginMembers {
  list(db: PluginDb, projectId: string): Promise<ProjectMember[]>;
  /** Active members among `ids` (unknown or removed ids are simply absent). */
  byIds(db: PluginDb, projectId: string, ids: readonly string[]): Promise<ProjectMember[]>;
  /** Active members with these handles (case-insensitive). */
  byHandles(db: PluginDb, projectId: string, handles: readonly string[]): Promise<ProjectMember[]>;
  /** The caller's membership in the project, or null (platform admins and public readers are not members). */
  ofPrincipal(db: PluginDb, projectId: string, principal: PrincipalRef): Promise<ProjectMember | null>;
  /** The caller's memberships among `projectIds`, in one query (for lists across projects). */
  ofPrincipalIn(db: PluginDb, projectIds: readonly string[], principal: PrincipalRef): Promise<ProjectMember[]>;
}

export interface StorageObjectInfo {
  key: string;
  size: number;
  contentType: string;
}

/**
 * The kernel's object storage (D12) for a plugin's files. Keys come from `newKey(projectId)`
 * (`projects/<project_id>/<uuid>`); uploads and downloads go through presigned URLs.
 */
export interface PluginStorage {
  /** `STORAGE_MAX_OBJECT_BYTES`. */
  readonly maxObjectBytes: number;
  newKey(projectId: string): string;
  presignUpload(key: string, options?: { contentType?: string; maxBytes?: number; expiresInSeconds?: number }): Promise<{
    url: string; method: 'PUT'; expires_at: string; max_bytes: number; headers: Record<string, string>;
  }>;
  /** The uploaded object, once it exists and fits `maxBytes` (an oversize one is deleted: 413). */
  verifyUpload(key: string, maxBytes?: number): Promise<StorageObjectInfo>;
  presignDownload(key: string, options?: { fileName?: string; expiresInSeconds?: number }): Promise<{ url: string; expires_at: string }>;
  get(key: string): Promise<StorageObjectInfo & { stream: Readable }>;
  /** Idempotent. */
  delete(key: string): Promise<void>;
}

export interface PluginProjects {
  /** A live project, or null. */
  get(db: PluginDb, projectId: string): Promise<ProjectRef | null>;
  /** The live projects among `projectIds` (one query; unknown or deleted ids are absent). */
  getMany(db: PluginDb, projectIds: readonly string[]): Promise<ProjectRef[]>;
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

/**
 * Turns what an agent wrote for a tool argument (a task key `PACA-12`, say) into the id the route
 * needs (D31). The kernel resolves `projectId` itself (id, prefix, name) and then calls the
 * resolver registered for each other argument whose value is not a UUID — for every tool in the
 * catalogue, so another plugin's `taskId` argument resolves too. Arrays resolve item by item.
 */
export interface ToolReferenceResolver {
  /** Tool argument names it resolves, e.g. `['taskId', 'targetTaskId']`. */
  args: readonly string[];
  /**
   * The id `value` names in the project, or throw the plugin's own not-found error (it reaches
   * the caller as it is). Runs after the caller was found allowed to read the project.
   */
  resolve(db: PluginDb, input: { projectId: string; value: string }): Promise<string>;
}

export interface PluginMcp {
  /** One resolver per argument name across the catalogue; a second claim fails the plugin's load. */
  resolveReferences(resolver: ToolReferenceResolver): void;
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
  members: createServiceRef<PluginMembers>({ id: 'kernel.members' }),
  storage: createServiceRef<PluginStorage>({ id: 'kernel.storage' }),
  mcp: createServiceRef<PluginMcp>({ id: 'kernel.mcp' }),
} as const satisfies Record<string, ServiceRef<unknown>>;
