// The realtime baseline (D34): a bare Socket.IO server — the kernel's own copy of `socket.io`, on
// a plain node:http server, same path — with none of the kernel's work (no authentication, no
// permission rooms, no database, no outbox, no connection-state recovery). `join` puts a socket
// in one room; `POST /emit {description}` broadcasts one `event` message to that room, shaped
// and sized like the kernel's `task.updated` (the template, BENCH_RT_TEMPLATE, is an event the
// kernel sent in the same run), with `occurred_at` set just before the broadcast. It speaks
// bench/server.mjs's IPC protocol: `{ port }` once listening, "stop" to close.
import http from 'node:http';
import { createRequire } from 'node:module';

const requireFromKernel = createRequire(import.meta.resolve('@paca/kernel'));
const { Server } = requireFromKernel('socket.io');
const socketIoVersion = requireFromKernel('socket.io/package.json').version;

const ROOM = 'project';
const template = JSON.parse(process.env.BENCH_RT_TEMPLATE ?? 'null');
if (!template?.payload?.task) {
  process.stderr.write('baseline-server: BENCH_RT_TEMPLATE must hold a task.updated event\n');
  process.exit(2);
}
let seq = 0;

function emit(description) {
  seq += 1;
  const message = {
    ...template,
    id: seq,
    project_seq: seq,
    payload: { ...template.payload, task: { ...template.payload.task, description } },
    occurred_at: new Date().toISOString(),
  };
  io.to(ROOM).emit('event', message);
}

const httpServer = http.createServer((request, response) => {
  if (request.method !== 'POST' || request.url !== '/emit') {
    response.writeHead(404).end();
    return;
  }
  const chunks = [];
  request.on('data', (chunk) => chunks.push(chunk));
  request.on('end', () => {
    try {
      emit(JSON.parse(Buffer.concat(chunks).toString()).description);
      response.writeHead(204).end();
    } catch {
      response.writeHead(400).end();
    }
  });
});
const io = new Server(httpServer, { path: '/ws/socket.io', serveClient: false });
io.on('connection', (socket) => {
  socket.on('join', (_body, ack) => {
    socket.join(ROOM);
    if (typeof ack === 'function') ack({ ok: true, project_seq: seq, replayed: 0 });
  });
});

// Fastify's (the kernel's) keep-alive timeout rather than node:http's 5 s: otherwise the driver's
// idle keep-alive connections get closed under it and a few changes fail with ECONNRESET.
httpServer.keepAliveTimeout = 72_000;
await new Promise((resolve) => httpServer.listen(0, '127.0.0.1', resolve));

let stopping = false;
function stop() {
  if (stopping) return;
  stopping = true;
  io.close(() => process.exit(0));
  setTimeout(() => process.exit(0), 2_000).unref();
}
process.on('message', (message) => {
  if (message === 'stop') stop();
});
process.on('disconnect', stop); // the runner died: do not linger
process.on('SIGTERM', stop);
process.send({ type: 'ready', port: httpServer.address().port, info: { socket_io: socketIoVersion } });
