import type { Server as HttpServer } from 'node:http';
import { isUuid, type ListScope } from '@paca/plugin-sdk';
import { createAdapter as createRedisStreamsAdapter } from '@socket.io/redis-streams-adapter';
import { closeRedis } from '../events/close-redis.js';
import { Redis } from 'ioredis';
import type { Knex } from 'knex';
import { Server, type Socket } from 'socket.io';
import { SessionAwareAdapter, type Session } from 'socket.io-adapter';
import type { Authenticator, Credential } from '../auth/authenticate.js';
import type { Principal } from '../auth/principal.js';
import type { Clock } from '../clock.js';
import type { EventSystem } from '../events/event-system.js';
import { storedEvent, WORKSPACE_SCOPE, type EventRow, type StoredEvent } from '../events/stored-event.js';
import type { IamService } from '../iam/iam-service.js';
import type { PluginRegistry } from '../plugins/plugin-registry.js';
import { ClientEventCatalogue, type ClientEventSpec } from './client-events.js';
import { ScopeFeed } from './scope-feed.js';
import { inScope, rooms, SocketAccess, type AccessPass, type ProjectAccess } from './socket-access.js';
import { handshakeCredential, SocketRefusal } from './socket-credentials.js';

export const SOCKET_PATH = '/ws/socket.io';

/** What a socket carries between events; persisted with its session for connection-state recovery. */
export interface SocketData {
  principal: Principal | null;
  /** When its credential stops being valid (ms since the epoch); null = until revoked. */
  expiresAt: number | null;
  /** Projects it has joined. */
  projects: string[];
}

/** The D26 `event` message. */
export interface ClientEvent {
  id: number;
  type: string;
  project_id: string | null;
  project_seq: number;
  payload: Record<string, unknown>;
  actor: { type: string; id: string } | null;
  origin: string;
  occurred_at: string;
}

export interface JoinAck {
  ok: boolean;
  error_code?: string;
  /** The project's sequence number the socket is now live from. */
  project_seq?: number;
  /** Events replayed because the client named `since_seq`. */
  replayed?: number;
  /** The outbox no longer holds everything after `since_seq` (retention, or too many): reload, then go on from `project_seq`. */
  refetch?: boolean;
}

type Ack<T> = ((answer: T) => void) | undefined;
type PacaSocket = Socket<Record<string, (...args: any[]) => void>, Record<string, (...args: any[]) => void>, Record<string, never>, SocketData>;

export interface RealtimeOptions {
  httpServer: HttpServer;
  db: Knex;
  clock: Clock;
  iam: IamService;
  registry: PluginRegistry;
  authenticator: Authenticator;
  events: EventSystem;
  parseCookie: (header: string) => Record<string, string | undefined>;
  /** PUBLIC_URL and CORS_ORIGINS: browser origins that may connect (with cookies). */
  trustedOrigins: string[];
  corsOrigins: string[];
  /** Services mode: the Redis streams adapter makes several kernels one Socket.IO server. */
  redisUrl: string | null;
  redisNamespace: string;
  log: { error(object: unknown, message: string): void; warn(object: unknown, message: string): void };
  /** How often every tracked scope is compared with the outbox (ms). */
  sweepIntervalMs?: number;
  /** How often credentials are checked for expiry against the kernel clock (ms). */
  expiryCheckMs?: number;
  /** How often every credential is verified again (logout, revoked keys, deleted users) (ms). */
  revalidateMs?: number;
  /** Connection-state recovery window (ms). */
  recoveryMs?: number;
  /** A join replays at most this many events; further behind, the client is told to refetch. */
  maxReplay?: number;
}

// Events after which sockets in the scope are evaluated again (D26: membership revoked mid-session).
const ACCESS_EVENTS = /^(project\.(updated|deleted|member\..+)|role\..+|plugin\..+|user\.(roles_changed|deleted|password_reset)|agent\.(roles_changed|deleted))$/;

/**
 * Socket.IO on the kernel's HTTP server (D26). Every node reads every committed event (the
 * transport is a hint, the outbox the truth: {@link ScopeFeed}) and delivers it to its own
 * sockets through rooms split by permission, so the relay may run everywhere and no socket gets
 * an event twice from one node. Permissions come from the kernel's one IAM evaluator.
 */
export class RealtimeServer {
  readonly io: Server;
  readonly feed: ScopeFeed;
  private readonly catalogue: ClientEventCatalogue;
  private readonly access: SocketAccess;
  /** Raw credentials stay in this process: session data may be persisted to Redis. */
  private readonly credentials = new Map<string, Credential>();
  /** project → delivery key → socket id → entity scope, for sockets allowed only some entities. */
  private readonly filtered = new Map<string, Map<string, Map<string, ListScope>>>();
  /** Projects a recovered session lost access to while away: told with `left` once the socket is back. */
  private readonly droppedOnRecovery = new Map<string, string[]>();
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly redis: Redis | null;
  private readonly unsubscribe: Array<() => void> = [];

  constructor(private readonly options: RealtimeOptions) {
    this.catalogue = new ClientEventCatalogue(options.registry);
    this.access = new SocketAccess(options.iam, options.registry, this.catalogue);
    this.feed = new ScopeFeed(options.db, {
      interested: (scope) => this.interested(scope),
      deliver: (event) => this.deliver(event),
      lost: (scope) => this.lost(scope),
      onError: (error) => options.log.error({ err: error }, 'realtime delivery failed; the sweep will retry'),
    });
    this.redis = options.redisUrl ? new Redis(options.redisUrl, { maxRetriesPerRequest: null }) : null;
    this.redis?.on('error', () => undefined); // reconnects by itself; delivery does not depend on it
    const guard = (session: Session) => this.guardRecoveredSession(session);
    const base = this.redis
      ? createRedisStreamsAdapter(this.redis, { streamName: `${options.redisNamespace}socket.io`, sessionKeyPrefix: `${options.redisNamespace}sio:session:` })
      : SessionAwareAdapter;
    this.io = new Server(options.httpServer, {
      path: SOCKET_PATH,
      serveClient: false,
      cors: options.corsOrigins.includes('*') ? { origin: true } : { origin: options.trustedOrigins, credentials: true },
      connectionStateRecovery: { maxDisconnectionDuration: options.recoveryMs ?? 120_000, skipMiddlewares: false },
      adapter: guardedAdapter(base as never, guard) as never,
    });
    this.io.use((socket, next) => {
      this.authenticate(socket as PacaSocket).then(() => next(), (error) => {
        this.droppedOnRecovery.delete(socket.id);
        next(SocketRefusal.from(error));
      });
    });
    this.io.on('connection', (socket) => this.onConnection(socket as PacaSocket));
  }

  start(): void {
    // Events committed here reach this node's sockets at once; everyone's arrive through the transport.
    this.unsubscribe.push(this.options.events.outbox.onCommitted((event) => this.feed.offer(event)));
    this.unsubscribe.push(this.options.events.transport.subscribe((event) => this.feed.offer(event)));
    const every = (ms: number, task: () => Promise<void>) => {
      const timer = setInterval(() => void task().catch((error) => this.options.log.error({ err: error }, 'realtime maintenance failed')), ms);
      timer.unref();
      this.timers.push(timer);
    };
    every(this.options.sweepIntervalMs ?? 1_000, () => this.feed.sweep());
    every(this.options.expiryCheckMs ?? 1_000, () => this.expireCredentials());
    every(this.options.revalidateMs ?? 60_000, () => this.revalidateCredentials());
  }

  /** Closes every connection (clients reconnect, possibly to another node) and the adapter. */
  async close(): Promise<void> {
    for (const unsubscribe of this.unsubscribe.splice(0)) unsubscribe();
    for (const timer of this.timers) clearInterval(timer);
    this.io.engine.close();
    // A closing socket persists its session for recovery (a Redis SET the adapter does not await or
    // catch): quit Redis only after every socket has closed, so those writes are answered, not
    // rejected with "Connection is closed" as unhandled rejections.
    await this.socketsClosed(2_000);
    await this.io.of('/').adapter.close();
    await this.feed.idle();
    if (this.redis) await closeRedis(this.redis);
  }

  private async socketsClosed(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.io.engine.clientsCount > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
  }

  /** Local sockets connected to this node. */
  get socketCount(): number {
    return this.io.of('/').sockets.size;
  }

  // ---- connection ------------------------------------------------------------------------

  private async authenticate(socket: PacaSocket): Promise<void> {
    const credential = handshakeCredential(socket.handshake, this.options.parseCookie, this.options.trustedOrigins);
    const verified = credential ? await this.options.authenticator.verify(credential) : null;
    if (verified?.principal.mustChangePassword) throw new SocketRefusal('AUTH_PASSWORD_CHANGE_REQUIRED', 'change your password first');
    const restored = socket.recovered ? socket.data : null;
    socket.data = {
      principal: verified?.principal ?? null,
      expiresAt: verified?.expiresAt?.getTime() ?? null,
      projects: restored?.projects ?? [],
    };
    if (credential) this.credentials.set(socket.id, credential);
  }

  private onConnection(socket: PacaSocket): void {
    socket.on('join', (body: unknown, ack: Ack<JoinAck>) => void this.onJoin(socket, body, ack));
    socket.on('leave', (body: unknown, ack: Ack<JoinAck>) => void this.onLeave(socket, body, ack));
    socket.on('authenticate', (body: unknown, ack: Ack<JoinAck>) => void this.onAuthenticate(socket, body, ack));
    socket.on('disconnect', () => {
      this.credentials.delete(socket.id);
      for (const projectId of socket.data.projects ?? []) this.dropFiltered(socket.id, projectId);
    });
    for (const projectId of this.droppedOnRecovery.get(socket.id) ?? []) {
      this.io.local.to(socket.id).emit('left', { project_id: projectId, error_code: 'PROJECT_NOT_FOUND' });
    }
    this.droppedOnRecovery.delete(socket.id);
    // A recovered socket's rooms were checked when its session was restored; check them again
    // against the credential it connected with now, then its workspace rooms.
    void this.refreshSocket(socket).catch((error) => this.options.log.error({ err: error }, 'socket rooms could not be set'));
  }

  private async onJoin(socket: PacaSocket, body: unknown, ack: Ack<JoinAck>): Promise<void> {
    const request = body as { projectId?: unknown; since_seq?: unknown } | null;
    const projectId = typeof request?.projectId === 'string' ? request.projectId.toLowerCase() : '';
    const since = request?.since_seq;
    if (!isUuid(projectId) || (since !== undefined && since !== null && !(Number.isSafeInteger(since) && (since as number) >= 0))) {
      return answer(ack, { ok: false, error_code: 'VALIDATION_FAILED' });
    }
    try {
      answer(ack, await this.join(socket, projectId, typeof since === 'number' ? since : null));
    } catch (error) {
      this.options.log.error({ err: error }, 'socket join failed');
      answer(ack, { ok: false, error_code: 'INTERNAL_ERROR' });
    }
  }

  /** Joins (or re-joins) a project: permission check, replay after `since`, then live, all in the project's order. */
  async join(socket: PacaSocket, projectId: string, since: number | null): Promise<JoinAck> {
    return this.feed.run(projectId, async (cursor) => {
      if (!socket.connected) return { ok: false, error_code: 'DISCONNECTED' };
      const access = await this.access.newPass(this.options.db).project(socket.data.principal, projectId);
      if (!access) {
        this.leaveProject(socket, projectId);
        return { ok: false, error_code: 'PROJECT_NOT_FOUND' };
      }
      let replayed = 0;
      let refetch = false;
      if (since !== null && since < cursor) {
        const missing = cursor - since;
        const limit = this.options.maxReplay ?? 1_000;
        if (missing > limit) {
          refetch = true;
        } else {
          const rows = await this.options.db('events').where({ scope: projectId }).where('project_seq', '>', since).where('project_seq', '<=', cursor)
            .orderBy('project_seq').select('*') as EventRow[];
          if (rows.length < missing) {
            refetch = true; // pruned past the retention window (D24)
          } else {
            for (const row of rows) {
              const event = storedEvent(row);
              const spec = this.catalogue.lookup(event.type);
              if (spec && allowedBy(access, spec, event)) {
                this.io.local.to(socket.id).emit('event', clientEvent(event));
                replayed += 1;
              }
            }
          }
        }
      }
      this.applyProjectAccess(socket, projectId, access);
      return { ok: true, project_seq: cursor, replayed, ...(refetch ? { refetch } : {}) };
    });
  }

  private async onLeave(socket: PacaSocket, body: unknown, ack: Ack<JoinAck>): Promise<void> {
    const projectId = typeof (body as { projectId?: unknown } | null)?.projectId === 'string' ? (body as { projectId: string }).projectId.toLowerCase() : '';
    if (!isUuid(projectId)) return answer(ack, { ok: false, error_code: 'VALIDATION_FAILED' });
    await this.feed.run(projectId, async () => this.leaveProject(socket, projectId));
    answer(ack, { ok: true });
  }

  /** A fresh credential on a live socket (after its token expired, or to sign in): rooms follow. */
  private async onAuthenticate(socket: PacaSocket, body: unknown, ack: Ack<JoinAck>): Promise<void> {
    try {
      const token = (body as { token?: unknown } | null)?.token;
      const credential = handshakeCredential({ headers: {}, auth: { token } }, this.options.parseCookie, this.options.trustedOrigins);
      if (!credential) return answer(ack, { ok: false, error_code: 'AUTH_TOKEN_INVALID' });
      const verified = await this.options.authenticator.verify(credential);
      if (verified.principal.mustChangePassword) return answer(ack, { ok: false, error_code: 'AUTH_PASSWORD_CHANGE_REQUIRED' });
      socket.data.principal = verified.principal;
      socket.data.expiresAt = verified.expiresAt?.getTime() ?? null;
      this.credentials.set(socket.id, credential);
      await this.refreshSocket(socket);
      answer(ack, { ok: true });
    } catch (error) {
      answer(ack, { ok: false, error_code: SocketRefusal.from(error).data.code });
    }
  }

  // ---- rooms -----------------------------------------------------------------------------

  private applyProjectAccess(socket: PacaSocket, projectId: string, access: ProjectAccess): void {
    const wanted = new Set(access.rooms);
    for (const room of projectRoomsOf(socket, projectId)) if (!wanted.has(room)) void socket.leave(room);
    void socket.join(access.rooms);
    this.dropFiltered(socket.id, projectId);
    if (access.filtered.size > 0) {
      let byKey = this.filtered.get(projectId);
      if (!byKey) this.filtered.set(projectId, (byKey = new Map()));
      for (const [key, scope] of access.filtered) {
        if (!byKey.has(key)) byKey.set(key, new Map());
        byKey.get(key)!.set(socket.id, scope);
      }
    }
    if (!socket.data.projects.includes(projectId)) socket.data.projects = [...socket.data.projects, projectId];
  }

  private leaveProject(socket: PacaSocket, projectId: string): void {
    for (const room of projectRoomsOf(socket, projectId)) void socket.leave(room);
    this.dropFiltered(socket.id, projectId);
    socket.data.projects = socket.data.projects.filter((p) => p !== projectId);
  }

  private dropFiltered(socketId: string, projectId: string): void {
    const byKey = this.filtered.get(projectId);
    if (!byKey) return;
    for (const [key, sockets] of byKey) {
      sockets.delete(socketId);
      if (sockets.size === 0) byKey.delete(key);
    }
    if (byKey.size === 0) this.filtered.delete(projectId);
  }

  /** Re-evaluates a socket's workspace and project rooms for its current principal. */
  private async refreshSocket(socket: PacaSocket, pass: AccessPass = this.access.newPass(this.options.db)): Promise<void> {
    const workspaceRooms = await pass.workspace(socket.data.principal);
    const stale = [...socket.rooms].some(isWorkspaceRoom);
    // In the workspace scope's queue, which also starts tracking it: user rooms and notifications live there.
    if (workspaceRooms.length > 0 || stale) await this.feed.run(WORKSPACE_SCOPE, async () => {
      const keep = new Set(workspaceRooms);
      for (const room of socket.rooms) if (isWorkspaceRoom(room) && !keep.has(room)) void socket.leave(room);
      if (workspaceRooms.length > 0) void socket.join(workspaceRooms);
    });
    await Promise.all([...socket.data.projects].map((projectId) => this.reevaluateProject(socket, projectId, pass)));
  }

  /** Runs in the project's queue, so events after a revocation never reach the revoked socket. */
  private async reevaluateProject(socket: PacaSocket, projectId: string, pass: AccessPass): Promise<void> {
    await this.feed.run(projectId, async () => {
      if (!socket.connected) return;
      const access = await pass.project(socket.data.principal, projectId);
      if (access) {
        this.applyProjectAccess(socket, projectId, access);
      } else if (socket.data.projects.includes(projectId)) {
        this.leaveProject(socket, projectId);
        this.io.local.to(socket.id).emit('left', { project_id: projectId, error_code: 'PROJECT_NOT_FOUND' });
      }
    });
  }

  // ---- delivery --------------------------------------------------------------------------

  private interested(scope: string): boolean {
    const adapterRooms = this.io.of('/').adapter.rooms;
    return scope === WORKSPACE_SCOPE ? adapterRooms.has(rooms.workspace) : adapterRooms.has(rooms.project(scope));
  }

  /** Called by the feed once per event and node, in scope order. */
  private async deliver(event: StoredEvent): Promise<void> {
    if (event.type === 'notification.created') {
      const { recipient_user_id: recipient, notification } = event.payload as { recipient_user_id: string; notification: unknown };
      this.io.local.to(rooms.user(recipient)).emit('notification', notification);
      return;
    }
    const spec = this.catalogue.lookup(event.type);
    if (spec) {
      const message = clientEvent(event);
      if (event.project_id) {
        this.io.local.to(rooms.projectKey(event.project_id, spec.key)).emit('event', message);
        const filtered = this.filtered.get(event.project_id)?.get(spec.key);
        if (filtered && spec.entity) {
          const entityId = event.payload[spec.entity.field];
          const allowed = [...filtered].filter(([, scope]) => inScope(scope, entityId)).map(([socketId]) => socketId);
          if (allowed.length > 0) this.io.local.to(allowed).emit('event', message);
        }
      } else {
        const room = this.catalogue.forEverySignedInUser(event.type) ? rooms.workspace : rooms.workspaceAction(spec.action);
        this.io.local.to(room).emit('event', message);
      }
    }
    if (ACCESS_EVENTS.test(event.type)) await this.afterAccessChange(event);
  }

  /** Membership, role and plugin changes: the affected sockets are evaluated again before the next event. */
  private async afterAccessChange(event: StoredEvent): Promise<void> {
    const pass = this.access.newPass(this.options.db);
    const sockets = [...this.io.of('/').sockets.values()] as PacaSocket[];
    if (event.project_id) {
      const projectId = event.project_id;
      // Already inside this project's queue: evaluate directly rather than queueing behind ourselves.
      await Promise.all(sockets.filter((s) => s.data.projects?.includes(projectId)).map(async (socket) => {
        const access = socket.connected ? await pass.project(socket.data.principal, projectId) : null;
        if (access) return this.applyProjectAccess(socket, projectId, access);
        if (!socket.data.projects.includes(projectId)) return;
        this.leaveProject(socket, projectId);
        this.io.local.to(socket.id).emit('left', { project_id: projectId, error_code: 'PROJECT_NOT_FOUND' });
      }));
      return;
    }
    const userId = typeof event.payload.user_id === 'string' ? event.payload.user_id : null;
    if (userId && /^user\.(deleted|password_reset)$/.test(event.type)) {
      // Not awaited: signing out re-enters the workspace queue this event is being delivered from.
      void this.revalidateCredentials(sockets.filter((s) => s.data.principal?.id === userId))
        .catch((error) => this.options.log.error({ err: error }, 'socket credentials could not be checked'));
      return;
    }
    // Workspace roles and plugins change what anyone may see: every socket, off this queue.
    for (const socket of sockets) void this.refreshSocket(socket, pass).catch((error) => this.options.log.error({ err: error }, 'socket rooms could not be refreshed'));
  }

  private lost(scope: string): void {
    const room = scope === WORKSPACE_SCOPE ? rooms.workspace : rooms.project(scope);
    this.io.local.to(room).emit('refetch', { project_id: scope === WORKSPACE_SCOPE ? null : scope });
  }

  // ---- credentials -----------------------------------------------------------------------

  /** Tokens past their expiry (kernel clock): the socket carries on as anonymous and is told why. */
  private async expireCredentials(): Promise<void> {
    const now = this.options.clock.now().getTime();
    for (const socket of this.io.of('/').sockets.values() as Iterable<PacaSocket>) {
      if (socket.data.expiresAt !== null && socket.data.expiresAt <= now) await this.signOut(socket, 'AUTH_TOKEN_EXPIRED');
    }
  }

  /** Checks credentials again: logout, revoked or expired keys and deleted users end the session. */
  async revalidateCredentials(sockets: PacaSocket[] = [...this.io.of('/').sockets.values()] as PacaSocket[]): Promise<void> {
    // Many sockets often share one credential (tabs, agents): each is checked once per pass.
    const checks = new Map<string, Promise<string | null>>();
    for (const socket of sockets) {
      const credential = this.credentials.get(socket.id);
      if (!credential || !socket.data.principal) continue;
      let check = checks.get(credential.value);
      if (!check) {
        check = this.options.authenticator.verify(credential).then(() => null, (error) => SocketRefusal.from(error).data.code);
        checks.set(credential.value, check);
      }
      const refusal = await check;
      if (refusal) await this.signOut(socket, refusal);
    }
  }

  private async signOut(socket: PacaSocket, code: string): Promise<void> {
    this.credentials.delete(socket.id);
    socket.data.principal = null;
    socket.data.expiresAt = null;
    this.io.local.to(socket.id).emit('auth_expired', { code });
    await this.refreshSocket(socket);
  }

  // ---- recovery --------------------------------------------------------------------------

  /**
   * Connection-state recovery replays packets a socket missed while away. They were addressed
   * with the permissions it had then; check them against its permissions now, and refuse
   * sessions whose credential has expired meanwhile.
   */
  private async guardRecoveredSession(session: Session): Promise<Session | null> {
    const data = session.data as SocketData | undefined;
    if (!data || (data.expiresAt !== null && data.expiresAt <= this.options.clock.now().getTime())) return null;
    const pass = this.access.newPass(this.options.db);
    // Entity-filtered deliveries are registered when the socket connects (its rooms are refreshed then).
    const projects = new Map<string, ProjectAccess>();
    for (const projectId of data.projects ?? []) {
      const access = await pass.project(data.principal, projectId);
      if (access) projects.set(projectId, access);
    }
    const workspaceRooms = await pass.workspace(data.principal);
    const dropped = (data.projects ?? []).filter((projectId) => !projects.has(projectId));
    if (dropped.length > 0) this.droppedOnRecovery.set(session.sid, dropped);
    data.projects = [...projects.keys()];
    session.rooms = [session.sid, ...workspaceRooms, ...[...projects.values()].flatMap((a) => a.rooms)];
    session.missedPackets = session.missedPackets.filter((packet: unknown[]) => {
      if (packet[0] !== 'event') return true;
      const event = packet[1] as ClientEvent;
      const spec = this.catalogue.lookup(event.type);
      if (!spec) return false;
      if (!event.project_id) return workspaceRooms.includes(this.catalogue.forEverySignedInUser(event.type) ? rooms.workspace : rooms.workspaceAction(spec.action));
      const access = projects.get(event.project_id);
      return access !== undefined && allowedBy(access, spec, event);
    });
    return session;
  }
}

function answer<T>(ack: Ack<T>, value: T): void {
  if (typeof ack === 'function') ack(value);
}

function clientEvent(event: StoredEvent): ClientEvent {
  return {
    id: event.id, type: event.type, project_id: event.project_id, project_seq: event.project_seq,
    payload: event.payload, actor: event.actor, origin: event.origin, occurred_at: event.occurred_at,
  };
}

/** Whether a project event reaches a socket with this access (its room, or its entity scope). */
function allowedBy(access: ProjectAccess, spec: ClientEventSpec, event: Pick<StoredEvent, 'project_id' | 'payload'>): boolean {
  if (access.rooms.includes(rooms.projectKey(event.project_id!, spec.key))) return true;
  const scope = access.filtered.get(spec.key);
  return scope !== undefined && spec.entity !== null && inScope(scope, event.payload[spec.entity.field]);
}

function projectRoomsOf(socket: PacaSocket, projectId: string): string[] {
  const base = rooms.project(projectId);
  return [...socket.rooms].filter((room) => room === base || room.startsWith(`${base}:`));
}

function isWorkspaceRoom(room: string): boolean {
  return room.startsWith('user:') || room === rooms.workspace || room.startsWith(`${rooms.workspace}:`);
}

/**
 * Wraps an adapter (class or factory) so restored sessions pass through `guard` before the
 * socket is rebuilt from them.
 */
function guardedAdapter(Base: new (nsp: unknown) => { restoreSession(pid: string, offset: string): Promise<Session | null> | Session | null },
  guard: (session: Session) => Promise<Session | null>) {
  return function GuardedAdapter(nsp: unknown) {
    const adapter = new Base(nsp);
    const restore = adapter.restoreSession.bind(adapter);
    adapter.restoreSession = async (pid: string, offset: string) => {
      const session = await restore(pid, offset);
      return session ? guard(session) : null;
    };
    return adapter;
  };
}
