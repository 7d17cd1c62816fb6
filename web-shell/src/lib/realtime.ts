import type { ConnectionState, RealtimeClient, RealtimeEvent } from '@paca/plugin-sdk/web';
import { io, type Socket } from 'socket.io-client';
import { ref } from 'vue';

interface Listener {
  projectId: string | null;
  types: string[];
  handler: (event: RealtimeEvent) => void;
}

const matches = (types: string[], type: string) => types.some((t) => t === type || t === '*' || (t.endsWith('.*') && type.startsWith(t.slice(0, -1))));

/**
 * The shell's socket (D26): one connection, project rooms joined while someone listens, the last
 * `project_seq` seen per project replayed from on reconnect (`since_seq`), `refetch` when the
 * server could not replay. Same-origin, so the access cookie authenticates it.
 */
export function createRealtime(): RealtimeClient & { connect(): void; disconnect(): void; onNotification(handler: (n: Record<string, unknown>) => void): () => void } {
  const state = ref<ConnectionState>('offline');
  const listeners = new Set<Listener>();
  const refetchers = new Map<string, Set<() => void>>();
  const notificationHandlers = new Set<(n: Record<string, unknown>) => void>();
  const joined = new Map<string, number>(); // project → listener count
  const lastSeq = new Map<string, number>();
  const seen = new Set<string>(); // event ids, for at-least-once delivery
  let socket: Socket | null = null;

  const join = (projectId: string) => {
    if (!socket?.connected) return;
    const since = lastSeq.get(projectId);
    socket.emit('join', { projectId, ...(since !== undefined ? { since_seq: since } : {}) }, (ack: { ok: boolean; refetch?: boolean; project_seq?: number }) => {
      if (!ack?.ok) return;
      if (ack.refetch) refetchers.get(projectId)?.forEach((run) => run());
      if (since === undefined && typeof ack.project_seq === 'number') lastSeq.set(projectId, ack.project_seq);
    });
  };

  const deliver = (event: RealtimeEvent) => {
    if (seen.has(event.id)) return;
    seen.add(event.id);
    if (seen.size > 5000) seen.delete(seen.values().next().value!);
    if (event.project_id && typeof event.project_seq === 'number') {
      lastSeq.set(event.project_id, Math.max(lastSeq.get(event.project_id) ?? 0, event.project_seq));
    }
    for (const listener of listeners) {
      if ((listener.projectId === null || listener.projectId === event.project_id) && matches(listener.types, event.type)) {
        try {
          listener.handler(event);
        } catch (error) {
          console.error(`realtime listener for ${event.type} failed`, error);
        }
      }
    }
  };

  return {
    state,
    connect() {
      if (socket) return;
      state.value = 'connecting';
      socket = io({ path: '/ws/socket.io', withCredentials: true, transports: ['websocket', 'polling'] });
      socket.on('connect', () => {
        state.value = 'connected';
        if (!socket!.recovered) for (const projectId of joined.keys()) join(projectId);
      });
      socket.on('disconnect', () => { state.value = 'reconnecting'; });
      socket.on('connect_error', () => { state.value = socket?.active ? 'reconnecting' : 'offline'; });
      socket.on('event', deliver);
      socket.on('notification', (notification: Record<string, unknown>) => notificationHandlers.forEach((run) => run(notification)));
      socket.on('refetch', ({ project_id: projectId }: { project_id: string | null }) => {
        if (projectId) refetchers.get(projectId)?.forEach((run) => run());
      });
      // A new access token arrives by cookie on the next API call; reconnect to use it.
      socket.on('auth_expired', () => { socket?.disconnect().connect(); });
    },
    disconnect() {
      socket?.disconnect();
      socket = null;
      state.value = 'offline';
      joined.clear();
    },
    on(projectId, types, handler) {
      const listener: Listener = { projectId, types, handler: handler as (event: RealtimeEvent) => void };
      listeners.add(listener);
      if (projectId) {
        const count = joined.get(projectId) ?? 0;
        joined.set(projectId, count + 1);
        if (count === 0) join(projectId);
      }
      return () => {
        listeners.delete(listener);
        if (!projectId) return;
        const count = (joined.get(projectId) ?? 1) - 1;
        if (count > 0) { joined.set(projectId, count); return; }
        joined.delete(projectId);
        socket?.emit('leave', { projectId }, () => undefined);
      };
    },
    onRefetch(projectId, handler) {
      const set = refetchers.get(projectId) ?? new Set();
      set.add(handler);
      refetchers.set(projectId, set);
      return () => set.delete(handler);
    },
    onNotification(handler) {
      notificationHandlers.add(handler);
      return () => notificationHandlers.delete(handler);
    },
  };
}

export const realtime = createRealtime();
