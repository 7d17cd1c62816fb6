// A client worker: one process holding a share of the benchmark's sockets (`socket.io-client`,
// WebSocket transport only), forked by bench/realtime/run.mjs so the clients do not share the
// runner's event loop. It answers the runner's requests over IPC (`{ id, cmd, … }` → `{ id, … }`).
//
// Each measured change carries `rt <tag> <index> <sent ms>` as its description. For every
// `task.updated` of the current tag a socket receives, the worker records
//   - emit→receive: Date.now() here − the event's `occurred_at` (the kernel's clock reading when it
//     wrote the event inside its transaction, just before commit; same machine, same clock);
//   - request→receive: Date.now() here − the time the driver sent the PATCH;
// and which (socket, change) pairs it has seen, to count missing and duplicate deliveries.
import { io } from 'socket.io-client';

/** @type {Array<{ socket: import('socket.io-client').Socket, node: number, seen: Uint8Array }>} */
let clients = [];
let run = null;
let disconnects = 0;

function newRun(tag, changes) {
  for (const client of clients) client.seen = new Uint8Array(changes);
  return { tag, changes, emitToReceive: [], requestToReceive: [], nodeOf: [], received: 0, duplicates: 0, outOfRange: 0 };
}

function onEvent(client, event) {
  const now = Date.now();
  if (!run || event?.type !== 'task.updated') return;
  const description = event.payload?.task?.description;
  if (typeof description !== 'string' || !description.startsWith(`rt ${run.tag} `)) return;
  const [, , index, sentAt] = description.split(' ');
  const i = Number(index);
  if (!(i >= 0 && i < run.changes)) {
    run.outOfRange += 1;
    return;
  }
  run.received += 1;
  if (client.seen[i]) {
    run.duplicates += 1;
    return;
  }
  client.seen[i] = 1;
  run.emitToReceive.push(now - Date.parse(event.occurred_at));
  run.requestToReceive.push(now - Number(sentAt));
  run.nodeOf.push(client.node);
}

/** Opens one socket and joins the project; resolves with an error code or null. */
function open({ url, node }, token, projectId) {
  return new Promise((resolve) => {
    const socket = io(url, {
      path: '/ws/socket.io', transports: ['websocket'], forceNew: true, reconnection: false, timeout: 30_000,
      auth: token ? { token } : {},
    });
    const client = { socket, node, seen: new Uint8Array(0) };
    socket.on('event', (event) => onEvent(client, event));
    socket.once('connect_error', (error) => {
      socket.disconnect();
      resolve({ error: error.data?.code ?? error.message });
    });
    socket.once('connect', async () => {
      try {
        const ack = await socket.timeout(30_000).emitWithAck('join', { projectId });
        if (!ack?.ok) {
          socket.disconnect();
          resolve({ error: `join: ${ack?.error_code ?? 'no ack'}` });
          return;
        }
        // Reconnection is off: a socket that drops mid-run shows as missing deliveries, and is counted.
        socket.on('disconnect', () => { disconnects += 1; });
        resolve({ client });
      } catch (error) {
        socket.disconnect();
        resolve({ error: `join: ${error.message}` });
      }
    });
  });
}

/**
 * Connects `indices.length` sockets, `concurrency` at a time: global socket g goes to
 * targets[g % targets.length] with tokens[g % tokens.length].
 */
async function connect({ targets, tokens, projectId, indices, concurrency }) {
  const started = Date.now();
  const errors = {};
  let next = 0;
  const lane = async () => {
    while (next < indices.length) {
      const g = indices[next++];
      const result = await open(targets[g % targets.length], tokens[g % tokens.length], projectId);
      if (result.client) clients.push(result.client);
      else errors[result.error] = (errors[result.error] ?? 0) + 1;
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, indices.length) }, lane));
  return { connected: clients.length, errors, ms: Date.now() - started };
}

function collect() {
  const finished = run;
  run = null;
  if (!finished) return null;
  const connected = clients.filter((c) => c.socket.connected).length;
  return {
    tag: finished.tag,
    received: finished.received,
    duplicates: finished.duplicates,
    out_of_range: finished.outOfRange,
    connected,
    disconnects,
    // Typed arrays travel cheaply with the 'advanced' IPC serialization.
    emitToReceive: Float64Array.from(finished.emitToReceive),
    requestToReceive: Float64Array.from(finished.requestToReceive),
    nodeOf: Uint8Array.from(finished.nodeOf),
  };
}

const handlers = {
  connect,
  start: ({ tag, changes }) => {
    run = newRun(tag, changes);
    return { ok: true };
  },
  progress: () => ({ received: run?.received ?? 0 }),
  collect,
  close: () => {
    for (const { socket } of clients) socket.disconnect();
    clients = [];
    disconnects = 0;
    return { ok: true };
  },
};

process.on('message', async (message) => {
  const handler = handlers[message.cmd];
  try {
    const result = handler ? await handler(message) : { error: `unknown command ${message.cmd}` };
    process.send({ id: message.id, result });
  } catch (error) {
    process.send({ id: message.id, error: error.stack ?? String(error) });
  }
});
// The runner is gone (finished, crashed or interrupted): close the sockets and leave.
process.on('disconnect', () => {
  for (const { socket } of clients) socket.disconnect();
  process.exit(0);
});
