#!/usr/bin/env node
// WASM route overhead (D34, issue 8): the same routes served by a WASM plugin (Extism sandbox,
// AssemblyScript built with plugin-sdk/as/build.mjs) and by a native plugin, in one kernel:
// `ping` (no host call) and `two-calls` (two reads: the project + one key/value entry; two
// `paca_call` host calls on the WASM side). Each route is measured at a fixed offered rate (100 req/s) over 20
// connections (latency), and closed loop with 1 and with 20 connections (throughput; with one
// connection nothing queues, so its latency is the bare per-call latency). The bare Fastify `/raw`
// baseline (bench/server.mjs raw) is measured in the same invocation. Runs are interleaved
// (run 1 of every route, then run 2, …) so that a noisy neighbour hits all routes alike.
//
//   node bench/wasm/run.mjs                       PGlite, 3 runs of 10 s → bench/results/wasm/wasm-pglite.json
//   node bench/wasm/run.mjs --backend=postgres    PostgreSQL (DATABASE_URL, default postgres://postgres@127.0.0.1:5432/postgres)
//   node bench/wasm/run.mjs --quick               1 run of 3 s → bench/results/quick/
//   node bench/wasm/report.mjs                    regenerate the table in bench/README.md
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { cpuSample, otherCpuPercent, processCpuTicks } from '../lib/cpu.mjs';
import { median, round, runLoad, SCHEDULES } from '../lib/load.mjs';
import { cleanups, createPostgresDatabase, kernelEnv, runMain, startServer } from '../lib/bench-runner.mjs';
import { machineInfo } from '../lib/machine.mjs';
import { ADMIN_PASSWORD, ADMIN_USERNAME, api, login } from '../lib/scenarios.mjs';
import { KV_KEY, writePlugins } from './plugins.mjs';
import { writeWasmSection } from './report.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const BENCH_DIR = path.dirname(HERE);
const REPO = path.dirname(BENCH_DIR);
const OFFICIAL = { durationS: 10, runs: 3, rate: 100 }; // 100 req/s: authenticated kernel routes saturate near 250 req/s on PGlite here (bench/results/plugin-project-read-pglite.json)
const CLK_TCK = 100; // Linux USER_HZ

const { values: flags } = parseArgs({
  options: {
    backend: { type: 'string', default: 'pglite' },
    quick: { type: 'boolean', default: false },
    duration: { type: 'string' },
    runs: { type: 'string' },
    rate: { type: 'string', default: String(OFFICIAL.rate) },
    'kernel-dist': { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (flags.help) {
  process.stdout.write(`usage: node bench/wasm/run.mjs [--backend=pglite|postgres] [--quick] [--duration=10] [--runs=3] [--rate=200] [--kernel-dist=<dir>]
Without --kernel-dist: kernel/dist (run npm run build first).
Settings other than ${OFFICIAL.runs} × ${OFFICIAL.durationS} s at ${OFFICIAL.rate} req/s write to bench/results/quick/.
`);
  process.exit(0);
}
const log = (message) => process.stderr.write(`${message}\n`);
const fail = (message) => { log(`wasm bench: ${message}`); process.exit(2); };
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

const backend = flags.backend;
if (!['pglite', 'postgres'].includes(backend)) fail(`unknown backend "${backend}"`);
const durationS = Number(flags.duration ?? (flags.quick ? 3 : OFFICIAL.durationS));
const runs = Number(flags.runs ?? (flags.quick ? 1 : OFFICIAL.runs));
const rate = Number(flags.rate);
const warmupS = flags.quick ? 1 : 3;
const pauseMs = 500;
const official = durationS >= OFFICIAL.durationS && runs >= OFFICIAL.runs && rate === OFFICIAL.rate;
const resultsDir = official ? path.join(BENCH_DIR, 'results', 'wasm') : path.join(BENCH_DIR, 'results', 'quick');

/** Measurements per route: [label, connections, offered rate or null for closed loop]. */
const MODES = [
  { key: 'latency_c20', connections: 20, rate },
  { key: 'closed_c1', connections: 1, rate: null },
  { key: 'closed_c20', connections: 20, rate: null },
];

// ---------------------------------------------------------------------------------------------
// The kernel to measure

function kernelDist() {
  const dist = flags['kernel-dist'] ? path.resolve(flags['kernel-dist']) : path.join(REPO, 'kernel', 'dist');
  if (!existsSync(path.join(dist, 'plugins', 'wasm', 'wasm-plugin.js'))) fail(`${dist} has no WASM runtime: run \`npm run build\` first`);
  return dist;
}

// ---------------------------------------------------------------------------------------------
// Child servers

// startServer, kernelEnv, createPostgresDatabase, cleanups and runMain: bench/lib/bench-runner.mjs

// ---------------------------------------------------------------------------------------------
// Measurement

async function measure(label, target, mode, seconds, pids, serverPid) {
  const cpuBefore = cpuSample(pids);
  const ticksBefore = processCpuTicks(serverPid);
  const started = process.hrtime.bigint();
  const result = await runLoad({ target, connections: mode.connections, durationS: seconds, rate: mode.rate });
  const elapsedS = Number(process.hrtime.bigint() - started) / 1e9;
  const serverCpuS = ((processCpuTicks(serverPid) ?? ticksBefore) - ticksBefore) / CLK_TCK;
  const otherCpu = otherCpuPercent(cpuBefore, cpuSample(pids));
  const out = {
    ...result,
    server_cpu_percent_of_one_core: round((100 * serverCpuS) / elapsedS, 1),
    server_cpu_ms_per_request: result.responses ? round((1000 * serverCpuS) / result.responses, 3) : null,
    other_cpu_percent: otherCpu,
  };
  const l = result.latency_ms;
  log(`  ${label.padEnd(34)} ${String(result.rate_2xx).padStart(8)} req/s  p50 ${l.p50}  p99 ${l.p99}  max ${l.max} ms`
    + `  non-2xx ${result.non_2xx}  errors ${result.errors}  server CPU ${out.server_cpu_percent_of_one_core} % (${out.server_cpu_ms_per_request} ms/req)  other CPU ${otherCpu ?? '?'} %`);
  await sleep(pauseMs);
  return out;
}

const FIGURES = ['p50', 'p90', 'p99', 'max', 'mean'];
function summarize(runsOf) {
  const of = (pick, digits = 3) => round(median(runsOf.map(pick)), digits);
  return {
    latency_ms: Object.fromEntries(FIGURES.map((k) => [k, of((r) => r.latency_ms[k])])),
    req_s: of((r) => r.rate_2xx, 1),
    server_cpu_percent_of_one_core: of((r) => r.server_cpu_percent_of_one_core, 1),
    server_cpu_ms_per_request: of((r) => r.server_cpu_ms_per_request),
    other_cpu_percent: of((r) => r.other_cpu_percent, 1),
    non_2xx: runsOf.reduce((t, r) => t + r.non_2xx, 0),
    errors: runsOf.reduce((t, r) => t + r.errors, 0),
  };
}

async function main() {
  const started = new Date();
  const loadStart = os.loadavg();
  const dist = kernelDist();
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'paca-bench-wasm-'));
  cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
  const buildStart = Date.now();
  const { built } = await writePlugins(path.join(dataDir, 'plugins'));
  const buildMs = Date.now() - buildStart;
  log(`wasm bench: built bench-wasm (${built.size} bytes) in ${buildMs} ms`);
  const database = backend === 'postgres' ? await createPostgresDatabase('paca_bench_wasm') : null;
  if (database) cleanups.push(() => database.drop());

  const env = await kernelEnv();
  const raw = await startServer(path.join(BENCH_DIR, 'server.mjs'), ['raw'], env);
  cleanups.push(() => raw.stop());
  const bootStart = Date.now();
  const kernel = await startServer(path.join(HERE, 'server.mjs'), [], {
    ...env, KERNEL_DIST: dist, DATA_DIR: dataDir, ADMIN_USERNAME, ADMIN_PASSWORD, LOG_LEVEL: 'warn', AUTH_RATE_LIMIT_PER_MINUTE: '0',
    JWT_SECRET: randomBytes(32).toString('hex'), ENCRYPTION_KEY: randomBytes(32).toString('hex'),
    ...(database ? { DATABASE_URL: database.url } : {}),
  });
  cleanups.push(() => kernel.stop());
  log(`wasm bench: kernel ready in ${((Date.now() - bootStart) / 1000).toFixed(1)} s (${path.relative(REPO, dist)}); plugins ${JSON.stringify(kernel.plugins)}`);
  for (const [id, state] of Object.entries(kernel.plugins)) if (state?.status !== 'active') throw new Error(`plugin ${id} is not active: ${JSON.stringify(state)}`);

  let token = await login(kernel.url, ADMIN_USERNAME, ADMIN_PASSWORD);
  const project = (await api(kernel.url, 'POST', '/api/v1/projects', { token, body: { name: 'Wasm bench' } })).data;
  const samples = {};
  for (const id of ['bench-native', 'bench-wasm']) {
    await api(kernel.url, 'PUT', `/api/v1/plugins/${id}/projects/${project.id}/kv`, { token, body: { value: 'seeded' } });
    for (const route of ['ping', 'two-calls']) samples[`${id} ${route}`] = (await api(kernel.url, 'GET', `/api/v1/plugins/${id}/projects/${project.id}/${route}`, { token })).data;
  }
  const same = JSON.stringify(samples['bench-native two-calls']) === JSON.stringify(samples['bench-wasm two-calls'])
    && JSON.stringify(samples['bench-native ping']) === JSON.stringify(samples['bench-wasm ping']);
  log(`wasm bench: answers ${JSON.stringify(samples)}${same ? '' : ' — NOT IDENTICAL'}`);
  if (!same) throw new Error('the native and WASM routes answer differently');

  const TARGETS = [
    { key: 'raw', server: raw, path: '/raw', auth: false },
    { key: 'native_ping', server: kernel, path: `/api/v1/plugins/bench-native/projects/${project.id}/ping`, auth: true },
    { key: 'wasm_ping', server: kernel, path: `/api/v1/plugins/bench-wasm/projects/${project.id}/ping`, auth: true },
    { key: 'native_two_calls', server: kernel, path: `/api/v1/plugins/bench-native/projects/${project.id}/two-calls`, auth: true },
    { key: 'wasm_two_calls', server: kernel, path: `/api/v1/plugins/bench-wasm/projects/${project.id}/two-calls`, auth: true },
  ];
  const targetOf = (t) => ({ url: `${t.server.url}${t.path}`, method: 'GET', headers: t.auth ? { authorization: `Bearer ${token}` } : {} });
  const pids = [process.pid, raw.pid, kernel.pid];

  log(`wasm bench: ${backend}, ${runs} × ${durationS} s per measurement, latency at ${rate} req/s over 20 connections`
    + (official ? '' : ' — not the committed settings: results go to bench/results/quick/'));
  for (const t of TARGETS) {
    await measure(`warm-up ${t.key}`, targetOf(t), { connections: 20, rate: null }, warmupS, pids, t.server.pid);
  }
  const measured = Object.fromEntries(TARGETS.map((t) => [t.key, Object.fromEntries(MODES.map((m) => [m.key, []]))]));
  for (let r = 1; r <= runs; r++) {
    token = await login(kernel.url, ADMIN_USERNAME, ADMIN_PASSWORD); // access tokens live 15 minutes
    for (const t of TARGETS) {
      for (const mode of MODES) {
        measured[t.key][mode.key].push(await measure(`${r}/${runs} ${t.key} ${mode.key}`, targetOf(t), mode, durationS, pids, t.server.pid));
      }
    }
  }

  const summary = Object.fromEntries(TARGETS.map((t) => [t.key, Object.fromEntries(MODES.map((m) => [m.key, summarize(measured[t.key][m.key])]))]));
  const diff = (a, b, mode, figure) => {
    const x = summary[a][mode].latency_ms[figure];
    const y = summary[b][mode].latency_ms[figure];
    return x === null || y === null ? null : round(x - y, 3);
  };
  const ratio = (a, b, mode) => {
    const x = summary[a][mode].req_s;
    const y = summary[b][mode].req_s;
    return x && y ? round(x / y, 3) : null;
  };
  const comparison = Object.fromEntries(MODES.map(({ key }) => [key, {
    wasm_overhead_ms: {
      ping: { p50: diff('wasm_ping', 'native_ping', key, 'p50'), p99: diff('wasm_ping', 'native_ping', key, 'p99') },
      two_calls: { p50: diff('wasm_two_calls', 'native_two_calls', key, 'p50'), p99: diff('wasm_two_calls', 'native_two_calls', key, 'p99') },
    },
    per_host_call_ms_p50: round(diff('wasm_two_calls', 'wasm_ping', key, 'p50') / 2, 3),
    per_native_read_ms_p50: round(diff('native_two_calls', 'native_ping', key, 'p50') / 2, 3),
    throughput_ratio_wasm_to_native: { ping: ratio('wasm_ping', 'native_ping', key), two_calls: ratio('wasm_two_calls', 'native_two_calls', key) },
    throughput_ratio_to_raw: Object.fromEntries(TARGETS.filter((t) => t.key !== 'raw').map((t) => [t.key, ratio(t.key, 'raw', key)])),
    server_cpu_ms_per_request: Object.fromEntries(TARGETS.map((t) => [t.key, summary[t.key][key].server_cpu_ms_per_request])),
  }]));
  const overheadFixed = comparison.latency_c20.wasm_overhead_ms.two_calls.p50;
  const overheadSerial = comparison.closed_c1.wasm_overhead_ms.two_calls.p50;
  const worst = Math.max(overheadFixed ?? Infinity, overheadSerial ?? Infinity);
  const result = {
    name: `wasm-${backend}`,
    title: `WASM route overhead vs the same route in a native plugin, ${backend === 'pglite' ? 'PGlite' : 'PostgreSQL'}`,
    date: started.toISOString(),
    generated_by: 'bench/wasm/run.mjs',
    machine: machineInfo(),
    software: {
      ...kernel.info, baseline_fastify: raw.info.fastify, node: process.version,
      autocannon: createRequire(import.meta.url)('autocannon/package.json').version,
      ...(database ? { postgresql: database.version } : {}),
    },
    parameters: {
      backend,
      plugins: {
        'bench-wasm': 'AssemblyScript (bench/wasm/plugins.mjs) built with plugin-sdk/as/build.mjs, installed in DATA_DIR/plugins; ping answers {ok:true} with no host call; two-calls makes the host calls projects.get (projects row of the call\'s project; the host also checks the caller holds projects:read) and kv.get (one row of the plugin schema\'s wasm_kv), answers {ok, name, value}',
        'bench-native': 'plain JavaScript (definePlugin() shape) installed in DATA_DIR/plugins; ping answers {ok:true}; two-calls reads the project through the kernel.projects service and one row of its own kv table (same key and columns as wasm_kv), answers {ok, name, value}; native routes run inside a request transaction, WASM calls do not (D22: reads go straight to the pool, writes are buffered)',
      },
      wasm_build_ms: buildMs,
      wasm_build: { file: 'DATA_DIR/plugins/bench-wasm/backend.wasm', bytes: built.size },
      auth: 'Authorization: Bearer <admin access token> on every kernel request (the admin is the project\'s creator)',
      core_plugins: 'the repository\'s core-plugins/ are loaded as in a deployment',
      modes: {
        latency_c20: `fixed offered rate ${rate} req/s over 20 connections, ${SCHEDULES.staggered}`,
        closed_c1: 'closed loop, 1 connection: one request in flight at a time (no queueing: the bare per-call latency), throughput of one client',
        closed_c20: 'closed loop, 20 connections: saturation throughput',
      },
      run_duration_s: durationS,
      runs,
      order: 'interleaved: run r of every route and mode, then run r + 1 (after one warm-up per route)',
      warmup_s: warmupS,
      pause_between_measurements_s: pauseMs / 1000,
      latency_source: 'every 2xx response timed by the load generator (bench/lib/load.mjs)',
      statistic: `median over ${runs} runs of each figure`,
      server_cpu: 'utime+stime of the server process from /proc over each measurement; ms per request = CPU time / responses',
      other_cpu_percent: 'CPU time of processes other than the load generator and the two servers, as a share of the machine (noise from neighbours)',
      d34: official,
    },
    results: summary,
    comparison,
    target: {
      text: 'a WASM route making two host calls adds under 3 ms p50 over the native route; stretch goal under 1 ms',
      overhead_two_calls_p50_ms: { latency_c20: overheadFixed, closed_c1: overheadSerial },
      met: Number.isFinite(worst) && worst < 3,
      stretch_met: Number.isFinite(worst) && worst < 1,
    },
    runs: measured,
    load_average: { start: loadStart.map((v) => round(v, 2)), end: os.loadavg().map((v) => round(v, 2)) },
    elapsed_s: round((Date.now() - started.getTime()) / 1000, 1),
  };
  await mkdir(resultsDir, { recursive: true });
  const file = path.join(resultsDir, `${result.name}.json`);
  await writeFile(`${file}.tmp`, `${JSON.stringify(result, null, 2)}\n`);
  await rename(`${file}.tmp`, file);
  for (const { key } of MODES) {
    const c = comparison[key];
    log(`wasm bench [${key}]: overhead ping p50 ${c.wasm_overhead_ms.ping.p50} / p99 ${c.wasm_overhead_ms.ping.p99} ms, two-calls p50 ${c.wasm_overhead_ms.two_calls.p50} / p99 ${c.wasm_overhead_ms.two_calls.p99} ms;`
      + ` per host call ${c.per_host_call_ms_p50} ms (native read ${c.per_native_read_ms_p50} ms); throughput wasm/native ping ${c.throughput_ratio_wasm_to_native.ping}, two-calls ${c.throughput_ratio_wasm_to_native.two_calls}`);
  }
  log(`wasm bench: target (< 3 ms p50) ${result.target.met ? 'met' : 'NOT met'}, stretch (< 1 ms) ${result.target.stretch_met ? 'met' : 'not met'}; wrote ${path.relative(process.cwd(), file)} in ${result.elapsed_s} s`);
  if (official) {
    await writeWasmSection();
    log('wasm bench: updated the "WASM route overhead" table in bench/README.md');
  }
}

await runMain('wasm bench', main);
