import { io } from 'socket.io-client';

export interface PluginSwitchFeedOptions {
  /** The Paca server (`PACA_API_URL`); the socket lives at `<base>/ws/socket.io`. */
  baseUrl: string;
  /** An API key, agent key or session token. */
  token: string;
  /** The pinned project's id: its room carries the switches made for that project alone. */
  projectId?: string | null;
  /** Called with the event type (`plugin.enabled`, `plugin.disabled`, `plugin.uninstalled`). */
  onSwitch(type: string): void;
  logger?: (message: string) => void;
}

const PLUGIN_SWITCHES = new Set(['plugin.enabled', 'plugin.disabled', 'plugin.uninstalled']);

/**
 * Listens on the realtime socket for plugin switches: workspace-wide ones, which every signed-in
 * socket receives (D26), and, when pinned, those of the pinned project (its room). Reconnects by itself; a refused handshake is logged once and left —
 * the poll still notices changes (D31).
 */
export function subscribePluginSwitches(options: PluginSwitchFeedOptions): { close(): void } {
  const log = options.logger ?? (() => undefined);
  const base = new URL(options.baseUrl);
  const socket = io(base.origin, {
    path: `${base.pathname.replace(/\/+$/, '')}/ws/socket.io`,
    transports: ['websocket'],
    auth: { token: options.token },
  });
  let warned = false;
  socket.on('connect', () => {
    warned = false;
    // Rooms do not survive a reconnect without recovery: join again every time.
    if (options.projectId) {
      socket.emit('join', { projectId: options.projectId }, (ack: { ok?: boolean; error_code?: string } | undefined) => {
        if (ack && ack.ok === false) log(`realtime socket: cannot join the pinned project (${ack.error_code ?? 'refused'}); its plugin switches will be noticed by polling`);
      });
    }
  });
  socket.on('connect_error', (error: Error & { data?: { code?: string } }) => {
    if (warned) return;
    warned = true;
    log(`realtime socket: ${error.data?.code ?? error.message}; tool-list changes will be noticed by polling`);
  });
  socket.on('event', (event: { type?: unknown }) => {
    if (typeof event?.type === 'string' && PLUGIN_SWITCHES.has(event.type)) options.onSwitch(event.type);
  });
  return {
    close() {
      socket.removeAllListeners();
      socket.disconnect();
    },
  };
}
