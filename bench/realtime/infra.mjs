// What a realtime run stands on: kernel and baseline servers as child processes, a fresh
// PostgreSQL database, a private redis-server. Everything started here is registered in
// `resources` so that the runner can take it all down on success, error or Ctrl-C.
import { fork, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const BENCH_DIR = path.dirname(HERE);
const kernelEntry = import.meta.resolve('@paca/kernel');
export const requireFromKernel = createRequire(kernelEntry);

/** Clean-up steps, run last-in first-out; each runs once. */
const cleanups = [];
export function onCleanup(step) {
  cleanups.push(step);
}
export async function cleanupAll(log) {
  while (cleanups.length > 0) {
    const step = cleanups.pop();
    try {
      await step();
    } catch (error) {
      log(`realtime: clean-up step failed: ${error.message}`);
    }
  }
}

/** Children to kill at once when the runner is interrupted (the orderly path stops them itself). */
export const children = new Set();

export async function tempDir(prefix) {
  const dir = await mkdtemp(path.join(os.tmpdir(), prefix));
  onCleanup(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/**
 * Forks a server script that reports `{ port, info }` over IPC once listening and stops on a
 * "stop" message (bench/server.mjs's protocol; baseline-server.mjs speaks it too).
 */
export function startServer(script, args, env, label) {
  return new Promise((resolve, reject) => {
    const child = fork(script, args, { env, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    children.add(child);
    child.once('exit', () => children.delete(child));
    const onExit = (code) => reject(new Error(`${label} exited with ${code} before it was ready`));
    child.once('exit', onExit);
    child.once('error', reject);
    child.once('message', (message) => {
      child.off('exit', onExit);
      const stop = () => new Promise((done) => {
        if (child.exitCode !== null || child.signalCode !== null) return done();
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        child.once('exit', () => { clearTimeout(timer); done(); });
        child.send('stop');
      });
      onCleanup(stop);
      resolve({ pid: child.pid, port: message.port, url: `http://127.0.0.1:${message.port}`, info: message.info, stop, child });
    });
  });
}

/** A kernel booted by bench/server.mjs exactly as the other benchmarks boot it. */
export function startKernel(env, label) {
  return startServer(path.join(BENCH_DIR, 'server.mjs'), ['kernel'], env, label);
}

export function startBaseline(env) {
  return startServer(path.join(HERE, 'baseline-server.mjs'), [], env, 'baseline server');
}

// ---------------------------------------------------------------------------------------------
// PostgreSQL: a fresh database per invocation, dropped afterwards

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

export async function createDatabase() {
  const pg = requireFromKernel('pg');
  const adminUrl = new URL(process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres');
  if (!LOOPBACK.has(adminUrl.hostname)) throw new Error(`DATABASE_URL must point at loopback (got host ${adminUrl.hostname})`);
  const name = `paca_bench_rt_${Date.now()}`;
  const query = async (sql) => {
    const client = new pg.Client({ connectionString: adminUrl.href });
    await client.connect();
    try {
      return await client.query(sql);
    } finally {
      await client.end();
    }
  };
  await query(`CREATE DATABASE ${name}`);
  onCleanup(() => query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
  const version = (await query('SHOW server_version')).rows[0].server_version;
  const url = new URL(adminUrl.href);
  url.pathname = `/${name}`;
  return {
    name,
    url: url.href,
    version,
    /** PIDs of the server processes serving this database (the kernels' pool connections). */
    async backendPids() {
      const { rows } = await query(`SELECT pid FROM pg_stat_activity WHERE datname = '${name}' AND pid <> pg_backend_pid()`);
      return rows.map((r) => r.pid);
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Redis: a private redis-server on a free port, so no other Redis user shares its streams

async function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

function ping(port) {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.setTimeout(500);
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (data) => { socket.destroy(); resolve(data.toString().startsWith('+PONG')); });
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => { socket.destroy(); resolve(false); });
  });
}

export async function startRedis() {
  const port = await freePort();
  const dir = await tempDir('paca-bench-rt-redis-');
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir],
    { stdio: ['ignore', 'ignore', 'inherit'] });
  children.add(child);
  child.once('exit', () => children.delete(child));
  const stopped = new Promise((resolve) => child.once('exit', resolve));
  onCleanup(async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await stopped;
  });
  await new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('spawn', resolve);
  });
  const deadline = Date.now() + 10_000;
  while (!(await ping(port))) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error('redis-server did not start');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const version = await new Promise((resolve) => {
    const probe = spawn('redis-server', ['--version'], { stdio: ['ignore', 'pipe', 'ignore'] });
    let out = '';
    probe.stdout.on('data', (d) => { out += d; });
    probe.on('close', () => resolve(out.match(/v=(\S+)/)?.[1] ?? null));
    probe.on('error', () => resolve(null));
  });
  return { pid: child.pid, url: `redis://127.0.0.1:${port}`, version };
}
