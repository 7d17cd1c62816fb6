#!/usr/bin/env node
// Realtime fan-out benchmark (D34, issue 7): N Socket.IO clients in one project, spread over
// worker processes, receive `task.updated` while a driver changes tasks at a fixed rate; measures
// emit→receive latency, missing and duplicate deliveries, and the CPU and RSS of the kernel(s),
// the workers and the rest of the machine. Before any client connects, the same changes run once
// with no listener (the write path's own CPU); afterwards the same clients, workers and rate are
// pointed at a bare Socket.IO server (baseline-server.mjs), in the same invocation (D34).
//
//   node bench/realtime/run.mjs                                   1 node, PGlite, 1,000 clients, 50 changes/s, 3 × 10 s
//   node bench/realtime/run.mjs --nodes=2                         2 kernels on PostgreSQL + a private redis-server
//   node bench/realtime/run.mjs --backend=postgres                1 node on PostgreSQL (in-process transport)
//   node bench/realtime/run.mjs --clients=100 --duration=3 --runs=1   small settings → bench/results/quick/
//   node bench/realtime/run.mjs --quick                           1 run of 3 s → bench/results/quick/
import { fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { median, percentile, round } from '../lib/load.mjs';
import { machineInfo } from '../lib/machine.mjs';
import { ADMIN_PASSWORD, ADMIN_USERNAME } from '../lib/scenarios.mjs';
import { drive, request } from './driver.mjs';
import { children, cleanupAll, createDatabase, onCleanup, startBaseline, startKernel, startRedis, tempDir } from './infra.mjs';
import { rssMb, startSampler } from './procfs.mjs';
import { writeRealtimeSection } from './report.mjs';
import { changeDescription, patchTask, probeEvent, seed } from './seed.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const BENCH_DIR = path.dirname(HERE);
/** The issue's settings: only these produce the committed results (bench/results/realtime/). */
const OFFICIAL = { clients: 1000, rate: 50, durationS: 10, runs: 3 };

const { values: flags } = parseArgs({
  options: {
    nodes: { type: 'string', default: '1' },
    clients: { type: 'string', default: String(OFFICIAL.clients) },
    rate: { type: 'string', default: String(OFFICIAL.rate) },
    duration: { type: 'string' },
    runs: { type: 'string' },
    backend: { type: 'string' },
    workers: { type: 'string', default: '4' },
    users: { type: 'string', default: '20' },
    tasks: { type: 'string', default: '5' },
    'connect-batch': { type: 'string', default: '50' },
    warmup: { type: 'string' },
    redis: { type: 'boolean', default: false },
    quick: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (flags.help) {
  process.stdout.write(`usage: node bench/realtime/run.mjs [--nodes=1|2] [--clients=${OFFICIAL.clients}] [--rate=${OFFICIAL.rate}] [--duration=${OFFICIAL.durationS}] [--runs=${OFFICIAL.runs}]
                                 [--backend=pglite|postgres] [--workers=4] [--users=20] [--tasks=5] [--connect-batch=50]
                                 [--warmup=<s>] [--redis] [--quick]
--nodes=2 needs PostgreSQL (DATABASE_URL, default postgres://postgres@127.0.0.1:5432/postgres) and starts
its own redis-server; --redis gives one node Redis too. Settings other than ${OFFICIAL.clients} clients at
${OFFICIAL.rate} changes/s, ${OFFICIAL.runs} × ${OFFICIAL.durationS} s write to bench/results/quick/ (git-ignored).
`);
  process.exit(0);
}

const log = (message) => process.stderr.write(`${message}\n`);
function fail(message) {
  log(`realtime: ${message}`);
  process.exit(2);
}
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const positive = (name, value) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) fail(`--${name} must be a positive integer`);
  return n;
};

const nodes = positive('nodes', flags.nodes);
if (nodes > 2) fail('--nodes is 1 or 2');
const backend = flags.backend ?? (nodes === 2 ? 'postgres' : 'pglite');
if (!['pglite', 'postgres'].includes(backend)) fail(`unknown backend "${backend}"`);
if (nodes === 2 && backend !== 'postgres') fail('two nodes share one database: use --backend=postgres');
const settings = {
  nodes,
  backend,
  redis: nodes === 2 || flags.redis,
  clients: positive('clients', flags.clients),
  rate: positive('rate', flags.rate),
  durationS: positive('duration', flags.duration ?? (flags.quick ? 3 : OFFICIAL.durationS)),
  runs: positive('runs', flags.runs ?? (flags.quick ? 1 : OFFICIAL.runs)),
  workers: positive('workers', flags.workers),
  users: positive('users', flags.users),
  tasks: positive('tasks', flags.tasks),
  connectBatch: positive('connect-batch', flags['connect-batch']),
  warmupS: positive('warmup', flags.warmup ?? (flags.quick ? 1 : 3)),
};
const official = settings.clients === OFFICIAL.clients && settings.rate === OFFICIAL.rate
  && settings.durationS >= OFFICIAL.durationS && settings.runs >= OFFICIAL.runs;
const resultsDir = official ? path.join(BENCH_DIR, 'results', 'realtime') : path.join(BENCH_DIR, 'results', 'quick');
const resultName = `realtime-${nodes}node-${backend}${settings.redis && nodes === 1 ? '-redis' : ''}`;

const kernelEntry = import.meta.resolve('@paca/kernel');
if (!existsSync(fileURLToPath(kernelEntry))) fail('the kernel is not built: run `npm run build` first');
const { ENV_VARIABLES } = await import('@paca/kernel');
const requireFromBench = createRequire(import.meta.url);

/** The inherited environment without any kernel variable, so nothing leaks into the kernels under test. */
function cleanEnv() {
  const env = { ...process.env };
  for (const { name } of ENV_VARIABLES) delete env[name];
  return env;
}

// ---------------------------------------------------------------------------------------------
// Workers

function startWorkers(count) {
  const workers = [];
  for (let w = 0; w < count; w++) {
    // 'advanced' serialization: the latency samples come back as typed arrays, not JSON.
    const child = fork(path.join(HERE, 'worker.mjs'), [], { serialization: 'advanced', stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    children.add(child);
    const pending = new Map();
    let nextId = 0;
    child.on('message', ({ id, result, error }) => {
      const waiter = pending.get(id);
      pending.delete(id);
      if (error) waiter?.reject(new Error(`worker ${w}: ${error}`));
      else waiter?.resolve(result);
    });
    child.once('exit', (code) => {
      children.delete(child);
      for (const waiter of pending.values()) waiter.reject(new Error(`worker ${w} exited with ${code}`));
      pending.clear();
    });
    const call = (cmd, body = {}) => new Promise((resolve, reject) => {
      const id = ++nextId;
      pending.set(id, { resolve, reject });
      child.send({ id, cmd, ...body });
    });
    const stop = () => new Promise((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once('exit', resolve);
      child.disconnect(); // the worker closes its sockets and exits when the channel closes
    });
    onCleanup(stop);
    workers.push({ pid: child.pid, call, stop });
  }
  return workers;
}

const all = (workers, cmd, body) => Promise.all(workers.map((w) => w.call(cmd, body)));

/** Contiguous blocks per worker, so that with two nodes each worker holds sockets of both. */
function shareOf(w, workers, clients) {
  const per = Math.ceil(clients / workers);
  return Array.from({ length: Math.max(0, Math.min(per, clients - w * per)) }, (_, i) => w * per + i);
}

// ---------------------------------------------------------------------------------------------
// Measurement

function latencySummary(values) {
  if (values.length === 0) return { p50: null, p90: null, p99: null, max: null, mean: null, samples: 0 };
  const sorted = Float64Array.from(values).sort();
  let sum = 0;
  for (const v of sorted) sum += v;
  return {
    p50: percentile(sorted, 50), p90: percentile(sorted, 90), p99: percentile(sorted, 99), max: sorted.at(-1),
    mean: round(sum / sorted.length, 2), samples: sorted.length,
  };
}

/** Waits until the workers have every expected delivery, or nothing new arrived for `quietMs`. */
async function drain(workers, expected, { quietMs = 2_000, maxMs = 60_000 } = {}) {
  const started = Date.now();
  let last = -1;
  let lastChange = Date.now();
  for (;;) {
    const received = (await all(workers, 'progress')).reduce((total, p) => total + p.received, 0);
    if (received >= expected) return Date.now() - started;
    if (received !== last) {
      last = received;
      lastChange = Date.now();
    }
    if (Date.now() - lastChange > quietMs || Date.now() - started > maxMs) return Date.now() - started;
    await sleep(200);
  }
}

/**
 * One measured run: `rate` changes per second for `seconds`, every client counting what it
 * receives. `groups` names the processes whose CPU and RSS are sampled.
 */
async function measureRun({ tag, seconds, workers, clients, send, groups, nodeCount }) {
  const count = settings.rate * seconds;
  await all(workers, 'start', { tag, changes: count });
  const sampled = await groups();
  // Two windows: the sending window (exactly `seconds` of offered load: the CPU figures), and
  // until the last delivery (all the run's work, however late: CPU-seconds per run).
  const stopWindow = startSampler(sampled);
  const stopWhole = startSampler(sampled, { rssEveryMs: 60_000 });
  let usage = null;
  const driver = await drive({
    rate: settings.rate, count, send: (i) => send(i, changeDescription(tag, i, Date.now())), onAllSent: () => { usage = stopWindow(); },
  });
  const expected = clients * driver.ok;
  // How long after the last change was answered the last delivery arrived (polled every 200 ms).
  const drainMs = await drain(workers, expected);
  const whole = stopWhole();
  const parts = await all(workers, 'collect');
  const merged = { emit: [], request: [], byNode: Array.from({ length: nodeCount }, () => []) };
  let received = 0;
  let duplicates = 0;
  let outOfRange = 0;
  let connectedAtEnd = 0;
  let disconnects = 0;
  for (const part of parts) {
    disconnects += part.disconnects;
    received += part.received;
    duplicates += part.duplicates;
    outOfRange += part.out_of_range;
    connectedAtEnd += part.connected;
    for (let i = 0; i < part.emitToReceive.length; i++) {
      merged.emit.push(part.emitToReceive[i]);
      merged.request.push(part.requestToReceive[i]);
      merged.byNode[part.nodeOf[i]].push(part.emitToReceive[i]);
    }
  }
  const unique = received - duplicates;
  const latency = latencySummary(merged.emit);
  const result = {
    tag,
    driver,
    deliveries: { expected, unique, missing: expected - unique, duplicates, out_of_range: outOfRange, clients_connected_at_end: connectedAtEnd, disconnects_since_join: disconnects, drain_ms: drainMs },
    latency_ms: latency,
    request_to_receive_ms: latencySummary(merged.request),
    ...(nodeCount > 1 ? { latency_ms_by_node: merged.byNode.map(latencySummary) } : {}),
    usage,
    until_delivered: {
      seconds: whole.seconds,
      cpu_seconds: Object.fromEntries(Object.entries(whole.cpu_percent_of_one_core).filter(([k]) => !k.endsWith('_each'))
        .map(([k, v]) => [k, v === null ? null : round((v * whole.seconds) / 100, 2)])),
    },
  };
  const cpu = usage.cpu_percent_of_one_core;
  log(`  ${tag.padEnd(6)} ${driver.ok}/${driver.sent} changes at ${driver.achieved_rate}/s (answer p50 ${driver.response_ms.p50} ms)`
    + (clients > 0 ? `  emit→receive p50 ${latency.p50} p99 ${latency.p99} max ${latency.max} ms (request→receive p50 ${result.request_to_receive_ms.p50} p99 ${result.request_to_receive_ms.p99})`
      + `  missing ${result.deliveries.missing} dup ${duplicates}` : '')
    + `  CPU ${Object.entries(cpu).filter(([k]) => !k.endsWith('_each')).map(([k, v]) => `${k} ${v}%`).join(' ')}`
    + `  machine busy ${usage.machine?.busy_percent ?? '?'}% (other ${usage.machine?.other_percent ?? '?'}%)`);
  return result;
}

/** Median over runs of each figure that the README and the comparison read. */
function medians(runs) {
  const of = (pick) => round(median(runs.map(pick)), 2);
  const groups = Object.keys(runs[0].usage.cpu_percent_of_one_core).filter((k) => !k.endsWith('_each'));
  // PostgreSQL backends share most of their memory: a sum of their RSS would mislead.
  const rssGroups = Object.keys(runs[0].usage.rss_mb).filter((g) => g !== 'postgres_backends');
  return {
    latency_ms: Object.fromEntries(['p50', 'p90', 'p99', 'max', 'mean'].map((k) => [k, of((r) => r.latency_ms[k])])),
    request_to_receive_ms: Object.fromEntries(['p50', 'p99', 'max'].map((k) => [k, of((r) => r.request_to_receive_ms[k])])),
    ...(runs[0].latency_ms_by_node ? {
      latency_ms_by_node: runs[0].latency_ms_by_node.map((_, n) => Object.fromEntries(['p50', 'p99', 'max'].map((k) => [k, of((r) => r.latency_ms_by_node[n][k])]))),
    } : {}),
    achieved_rate: of((r) => r.driver.achieved_rate),
    change_answer_ms: Object.fromEntries(['p50', 'p99'].map((k) => [k, of((r) => r.driver.response_ms[k])])),
    cpu_percent_of_one_core: Object.fromEntries(groups.map((g) => [g, of((r) => r.usage.cpu_percent_of_one_core[g])])),
    cpu_seconds_until_delivered: Object.fromEntries(groups.map((g) => [g, of((r) => r.until_delivered.cpu_seconds[g])])),
    rss_mb_max: Object.fromEntries(rssGroups.map((g) => [g, of((r) => r.usage.rss_mb[g]?.max)])),
    machine_busy_percent: of((r) => r.usage.machine?.busy_percent),
    other_cpu_percent: of((r) => r.usage.machine?.other_percent),
  };
}

const totals = (runs) => ({
  expected: runs.reduce((t, r) => t + r.deliveries.expected, 0),
  missing: runs.reduce((t, r) => t + r.deliveries.missing, 0),
  duplicates: runs.reduce((t, r) => t + r.deliveries.duplicates, 0),
  failed_changes: runs.reduce((t, r) => t + (r.driver.sent - r.driver.ok), 0),
});

/**
 * The kernel's write path alone: the same changes at the same rate with no socket connected (the
 * kernel then tracks no scope and delivers nothing), so that the clients' share of the kernel's
 * CPU can be told from the PATCHes' own.
 */
async function measureWritesOnly({ workers, send, serverGroups }) {
  log('[writes only] the same changes with no client connected');
  const groups = async () => ({ ...await serverGroups(), workers: workers.map((w) => w.pid), runner: [process.pid] });
  const common = { workers: [], clients: 0, send, groups, nodeCount: 1 };
  await measureRun({ tag: 'ww', seconds: settings.warmupS, ...common });
  const runs = [];
  for (let r = 1; r <= settings.runs; r++) {
    await sleep(1_000);
    runs.push(await measureRun({ tag: `w${r}`, seconds: settings.durationS, ...common }));
  }
  const of = (pick) => round(median(runs.map(pick)), 2);
  const groupNames = Object.keys(runs[0].usage.cpu_percent_of_one_core).filter((k) => !k.endsWith('_each'));
  return {
    median: {
      achieved_rate: of((r) => r.driver.achieved_rate),
      change_answer_ms: Object.fromEntries(['p50', 'p99'].map((k) => [k, of((r) => r.driver.response_ms[k])])),
      cpu_percent_of_one_core: Object.fromEntries(groupNames.map((g) => [g, of((r) => r.usage.cpu_percent_of_one_core[g])])),
      cpu_seconds_until_delivered: Object.fromEntries(groupNames.map((g) => [g, of((r) => r.until_delivered.cpu_seconds[g])])),
      rss_mb_max: Object.fromEntries(Object.keys(runs[0].usage.rss_mb).map((g) => [g, of((r) => r.usage.rss_mb[g]?.max)])),
      machine_busy_percent: of((r) => r.usage.machine?.busy_percent),
      other_cpu_percent: of((r) => r.usage.machine?.other_percent),
    },
    failed_changes: runs.reduce((t, r) => t + (r.driver.sent - r.driver.ok), 0),
    runs: runs.map(({ tag, driver, usage, until_delivered: untilDelivered }) => ({ tag, driver, usage, until_delivered: untilDelivered })),
  };
}

/**
 * Connects every client to `targets`, warms up, measures `runs` runs, disconnects.
 * `serverGroups` names the processes under test for the CPU/RSS figures.
 */
async function measurePhase({ name, workers, targets, tokens, projectId, send, serverGroups }) {
  log(`[${name}] connecting ${settings.clients} clients (${settings.workers} workers, ${settings.connectBatch} at a time) to ${targets.map((t) => t.url).join(' + ')}`);
  const serverPids = Object.values(await serverGroups()).flat();
  const rssIdle = Object.fromEntries(serverPids.map((pid) => [pid, rssMb(pid)]));
  const concurrency = Math.max(1, Math.ceil(settings.connectBatch / settings.workers));
  const connectStarted = Date.now();
  const connected = await Promise.all(workers.map((w, i) => w.call('connect', {
    targets, tokens, projectId, indices: shareOf(i, settings.workers, settings.clients), concurrency,
  })));
  const connectS = (Date.now() - connectStarted) / 1000;
  const clients = connected.reduce((total, c) => total + c.connected, 0);
  const errors = {};
  for (const c of connected) for (const [code, n] of Object.entries(c.errors)) errors[code] = (errors[code] ?? 0) + n;
  log(`[${name}] ${clients}/${settings.clients} joined in ${connectS.toFixed(1)} s${Object.keys(errors).length ? ` (refused: ${JSON.stringify(errors)})` : ''}`);
  if (clients === 0) throw new Error(`[${name}] no client could join`);
  await sleep(1_000); // let the joins' after-work settle before sampling
  const rssConnected = Object.fromEntries(serverPids.map((pid) => [pid, rssMb(pid)]));
  const groups = async () => ({ ...await serverGroups(), workers: workers.map((w) => w.pid), runner: [process.pid] });

  const common = { workers, clients, send, groups, nodeCount: targets.length };
  await measureRun({ tag: `${name[0]}w`, seconds: settings.warmupS, ...common });
  const runs = [];
  for (let r = 1; r <= settings.runs; r++) {
    await sleep(1_000);
    runs.push(await measureRun({ tag: `${name[0]}${r}`, seconds: settings.durationS, ...common }));
  }
  await all(workers, 'close');
  const finalGroups = await serverGroups();
  const rssOf = (snapshot) => Object.fromEntries(Object.entries(finalGroups).filter(([group]) => group !== 'postgres_backends').map(([group, pids]) => [group,
    round(pids.reduce((t, pid) => t + (snapshot[pid] ?? 0), 0), 1)]));
  return {
    clients_requested: settings.clients,
    clients_joined: clients,
    join_refusals: errors,
    connect_s: round(connectS, 1),
    rss_mb_before_connect: rssOf(rssIdle),
    rss_mb_after_connect: rssOf(rssConnected),
    median: medians(runs),
    totals: totals(runs),
    runs,
  };
}

// ---------------------------------------------------------------------------------------------

async function main() {
  const started = new Date();
  const loadStart = os.loadavg();
  log(`realtime: ${nodes} node(s) on ${backend}${settings.redis ? ' + Redis' : ''}, ${settings.clients} clients over ${settings.workers} workers,`
    + ` ${settings.rate} changes/s, ${settings.runs} × ${settings.durationS} s (warm-up ${settings.warmupS} s)`
    + (official ? '' : ' — not the issue\'s settings: results go to bench/results/quick/'));

  const redis = settings.redis ? await startRedis() : null;
  const database = backend === 'postgres' ? await createDatabase() : null;
  const secrets = { JWT_SECRET: randomBytes(32).toString('hex'), ENCRYPTION_KEY: randomBytes(32).toString('hex') };
  const kernels = [];
  for (let n = 1; n <= nodes; n++) {
    // One after the other: the second node boots on a database the first has migrated.
    const bootStart = Date.now();
    const kernel = await startKernel({
      ...cleanEnv(),
      DATA_DIR: await tempDir(`paca-bench-rt-${n}-`),
      ADMIN_USERNAME,
      ADMIN_PASSWORD,
      LOG_LEVEL: 'warn',
      AUTH_RATE_LIMIT_PER_MINUTE: '0',
      ...secrets,
      ...(database ? { DATABASE_URL: database.url } : {}),
      ...(redis ? { REDIS_URL: redis.url } : {}),
    }, `kernel ${n}`);
    kernels.push(kernel);
    log(`realtime: kernel ${n} ready at ${kernel.url} in ${((Date.now() - bootStart) / 1000).toFixed(1)} s`
      + (database ? ` (database ${database.name})` : '') + (redis ? ` (redis ${redis.url})` : ''));
  }

  const data = await seed(kernels[0].url, { users: settings.users, tasks: settings.tasks });
  log(`realtime: project ${data.projectId}, ${data.taskIds.length} tasks, ${data.userKeys.length} Viewer users with one API key each`);
  // Each node delivers a change made on node 1 (two nodes: through the Redis stream).
  let template = null;
  for (const kernel of kernels) template = await probeEvent(kernel.url, data, kernels[0].url);
  const messageBytes = Buffer.byteLength(JSON.stringify(template));

  const baseline = await startBaseline({ ...cleanEnv(), BENCH_RT_TEMPLATE: JSON.stringify(template) });
  const workers = startWorkers(settings.workers);

  // Read again before each run: pool connections come and go (PostgreSQL's other processes stay in "other").
  const kernelGroups = async () => ({
    ...Object.fromEntries(kernels.map((k, i) => [`kernel_${i + 1}`, [k.pid]])),
    ...(redis ? { redis: [redis.pid] } : {}),
    ...(database ? { postgres_backends: await database.backendPids() } : {}),
  });

  const patch = (i, description) => patchTask(kernels[0].url, data, i, description);
  const writesOnly = await measureWritesOnly({ workers, send: patch, serverGroups: kernelGroups });
  const kernelPhase = await measurePhase({
    name: 'kernel',
    workers,
    targets: kernels.map((k, node) => ({ url: k.url, node })),
    tokens: data.userKeys,
    projectId: data.projectId,
    send: patch,
    serverGroups: kernelGroups,
  });
  const baselinePhase = await measurePhase({
    name: 'baseline',
    workers,
    targets: [{ url: baseline.url, node: 0 }],
    tokens: [null],
    projectId: data.projectId,
    send: (i, description) => request(`${baseline.url}/emit`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ description }),
    }),
    serverGroups: async () => ({ baseline_server: [baseline.pid] }),
  });

  const k = kernelPhase.median;
  const b = baselinePhase.median;
  const kernelCpuOf = (cpu) => Object.entries(cpu).filter(([g]) => g.startsWith('kernel_')).reduce((t, [, v]) => t + (v ?? 0), 0);
  const kernelCpu = kernelCpuOf(k.cpu_percent_of_one_core);
  const writesCpu = kernelCpuOf(writesOnly.median.cpu_percent_of_one_core);
  const kernelCpuSeconds = kernelCpuOf(k.cpu_seconds_until_delivered);
  const writesCpuSeconds = kernelCpuOf(writesOnly.median.cpu_seconds_until_delivered);
  const ratio = (x, y) => (x === null || y === null || !y ? null : round(x / y, 2));
  const result = {
    name: resultName,
    title: `Realtime fan-out: ${settings.clients} clients in one project, ${settings.rate} task changes/s, ${nodes} node${nodes > 1 ? 's' : ''} on ${backend === 'pglite' ? 'PGlite' : 'PostgreSQL'}`,
    date: started.toISOString(),
    generated_by: 'bench/realtime/run.mjs',
    machine: machineInfo(),
    software: {
      ...kernels[0].info,
      socket_io: baseline.info.socket_io,
      socket_io_client: requireFromBench('socket.io-client/package.json').version,
      node: process.version,
      ...(database ? { postgresql: database.version } : {}),
      ...(redis ? { redis: redis.version } : {}),
    },
    parameters: {
      nodes,
      backend,
      transport: redis ? 'Redis stream (paca.events) + @socket.io/redis-streams-adapter, private redis-server' : 'in-process',
      clients: settings.clients,
      client_workers: settings.workers,
      clients_per_node: nodes > 1 ? 'even split: client g connects to node g mod 2' : 'all on one node',
      credentials: `${settings.users} USERs, Viewers of the project, one API key each; client g uses key g mod ${settings.users}`,
      connect_concurrency: settings.connectBatch,
      change: `PATCH /api/v1/projects/:id/tasks/:taskId {description} with the admin's API key, to node 1, round-robin over ${settings.tasks} tasks`,
      rate_per_s: settings.rate,
      schedule: 'open loop, change i sent at start + i / rate (evenly spread, no bursts)',
      run_duration_s: settings.durationS,
      runs: settings.runs,
      warmup_s: settings.warmupS,
      message_bytes: messageBytes,
      latency: 'emit→receive: Date.now() in the client worker − the event\'s occurred_at (kernel clock when the outbox row was written, inside the transaction just before commit; slightly over-estimates commit→receive). 1 ms resolution. request→receive: from the driver sending the PATCH.',
      cpu: 'percent of one core, utime+stime from /proc over the sending window of each run (exactly run_duration_s of offered load; until_delivered.cpu_seconds: from the first change to the last delivery); postgres_backends: the server processes connected to the bench database at the start of the run; machine busy and "other" (processes not listed: other users of the machine, PostgreSQL\'s background processes) as a share of all cores',
      statistic: `per run over all clients' samples; summary = median over ${settings.runs} runs of each figure`,
      writes_only: 'the same changes at the same rate before any client connects: the kernel\'s CPU for the write path alone',
      baseline: 'bare Socket.IO (the kernel\'s copy) on node:http: no auth, one room, no connection-state recovery; POST /emit broadcasts a message built from a real task.updated of this run; same clients, workers, rate and driver',
      d34: official,
    },
    writes_only: writesOnly,
    kernel: kernelPhase,
    baseline: baselinePhase,
    comparison: {
      p50_ratio_to_baseline: ratio(k.latency_ms.p50, b.latency_ms.p50),
      p99_ratio_to_baseline: ratio(k.latency_ms.p99, b.latency_ms.p99),
      // The baseline stamps occurred_at as it broadcasts, after any queueing for its event loop;
      // request→receive includes that queueing on both sides.
      request_to_receive_p50_ratio_to_baseline: ratio(k.request_to_receive_ms.p50, b.request_to_receive_ms.p50),
      request_to_receive_p99_ratio_to_baseline: ratio(k.request_to_receive_ms.p99, b.request_to_receive_ms.p99),
      kernel_cpu_percent: round(kernelCpu, 1),
      kernel_cpu_percent_writes_only: round(writesCpu, 1),
      // What the clients add to the kernel: delivery, socket writes, pings (noisy: a difference of two medians).
      kernel_cpu_percent_for_clients: round(kernelCpu - writesCpu, 1),
      kernel_cpu_seconds_per_run: round(kernelCpuSeconds, 2),
      kernel_cpu_seconds_per_run_writes_only: round(writesCpuSeconds, 2),
      baseline_server_cpu_seconds_per_run: b.cpu_seconds_until_delivered.baseline_server,
      baseline_server_cpu_percent: b.cpu_percent_of_one_core.baseline_server,
      cpu_ratio_to_baseline: ratio(kernelCpu, b.cpu_percent_of_one_core.baseline_server),
      target: 'p99 under 100 ms',
      target_met: k.latency_ms.p99 !== null && k.latency_ms.p99 < 100 && kernelPhase.totals.missing === 0,
    },
    load_average: { start: loadStart.map((v) => round(v, 2)), end: os.loadavg().map((v) => round(v, 2)) },
    elapsed_s: round((Date.now() - started.getTime()) / 1000, 1),
  };
  await mkdir(resultsDir, { recursive: true });
  const file = path.join(resultsDir, `${resultName}.json`);
  await writeFile(`${file}.tmp`, `${JSON.stringify(result, null, 2)}\n`);
  await rename(`${file}.tmp`, file);
  log(`realtime: emit→receive kernel p50 ${k.latency_ms.p50} / p99 ${k.latency_ms.p99} ms, baseline p50 ${b.latency_ms.p50} / p99 ${b.latency_ms.p99} ms;`
    + ` request→receive kernel p50 ${k.request_to_receive_ms.p50} / p99 ${k.request_to_receive_ms.p99} ms, baseline p50 ${b.request_to_receive_ms.p50} / p99 ${b.request_to_receive_ms.p99} ms;`
    + ` kernel CPU ${round(kernelCpu, 1)} %, workers ${k.cpu_percent_of_one_core.workers} %, machine busy ${k.machine_busy_percent} %;`
    + ` missing ${kernelPhase.totals.missing}, duplicates ${kernelPhase.totals.duplicates}`);
  log(`realtime: wrote ${path.relative(process.cwd(), file)} in ${result.elapsed_s} s`);
  if (official) {
    await writeRealtimeSection();
    log('realtime: updated the "Realtime fan-out" table in bench/README.md');
  }
}

let interrupted = false;
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, async () => {
    if (interrupted) return;
    interrupted = true;
    log(`\nrealtime: ${signal}, cleaning up`);
    for (const child of children) child.kill('SIGKILL');
    await sleep(300);
    await cleanupAll(log);
    process.exit(130);
  });
}

let code = 0;
try {
  await main();
} catch (error) {
  log(`realtime: ${error.stack ?? error}`);
  code = 1;
} finally {
  if (!interrupted) await cleanupAll(log);
}
process.exit(code);
