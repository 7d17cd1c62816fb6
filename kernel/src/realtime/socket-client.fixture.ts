import { io, type Socket } from 'socket.io-client';
import type { ClientEvent, JoinAck } from './realtime-server.js';

/** A real `socket.io-client` connection that records what it receives, for tests. */
export interface TestSocket {
  socket: Socket;
  events: ClientEvent[];
  notifications: Array<Record<string, unknown>>;
  /** Every other server emit (`left`, `auth_expired`, `refetch`), in order. */
  signals: Array<{ name: string; body: any }>;
  join(projectId: string, since_seq?: number | null): Promise<JoinAck>;
  leave(projectId: string): Promise<JoinAck>;
  close(): void;
}

export interface ConnectOptions {
  token?: string;
  /** Sent as the `Cookie` header (with `Origin` when given). */
  cookie?: string;
  origin?: string;
  /** Keep reconnecting like a browser would (default false: tests control reconnects). */
  reconnection?: boolean;
}

/** Connects and resolves once connected; rejects with the `connect_error` (its `data.code`). */
export function connectSocket(baseUrl: string, options: ConnectOptions = {}): Promise<TestSocket> {
  const headers: Record<string, string> = {};
  if (options.cookie) headers.cookie = options.cookie;
  if (options.origin) headers.origin = options.origin;
  const socket = io(baseUrl, {
    path: '/ws/socket.io', transports: ['websocket'], reconnection: options.reconnection ?? false, forceNew: true,
    auth: options.token ? { token: options.token } : {}, extraHeaders: headers,
  });
  const recorded: TestSocket = {
    socket, events: [], notifications: [], signals: [],
    join: (projectId, since_seq) => socket.timeout(10_000).emitWithAck('join', { projectId, ...(since_seq === undefined ? {} : { since_seq }) }),
    leave: (projectId) => socket.timeout(10_000).emitWithAck('leave', { projectId }),
    close: () => socket.disconnect(),
  };
  socket.on('event', (event: ClientEvent) => recorded.events.push(event));
  socket.on('notification', (notification: Record<string, unknown>) => recorded.notifications.push(notification));
  for (const name of ['left', 'auth_expired', 'refetch']) socket.on(name, (body: unknown) => recorded.signals.push({ name, body }));
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve(recorded));
    socket.once('connect_error', (error) => {
      socket.disconnect();
      reject(error);
    });
  });
}

/** Polls until `check` returns something truthy (or throws after `timeoutMs`). */
export async function waitFor<T>(check: () => T | undefined | null | false, timeoutMs = 5_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Gives in-flight deliveries time to arrive, for assertions that something did NOT arrive. */
export function quietPeriod(ms = 300): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
