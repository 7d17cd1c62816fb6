#!/usr/bin/env node
// Benchmarks (D34): boots the bare Fastify baseline and a real kernel as child processes, measures
// each scenario at a fixed offered rate (latency) and at saturation (throughput), median of 3
// runs of 10 s, writes bench/results/<scenario>-<backend>.json and regenerates bench/README.md.
//
//   npm run bench                          PGlite, plus PostgreSQL when DATABASE_URL is set
//   npm run bench -- --postgres            both backends (PostgreSQL at 127.0.0.1:5432, user postgres)
//   npm run bench -- --backend=postgres    one backend only
//   npm run bench -- --scenario=login      some scenarios (the baseline is always measured)
//   npm run bench -- --quick               3 s runs, 1 of each; results under bench/results/quick/
import { fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { cp, mkdir, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { cpuSample, otherCpuPercent } from './lib/cpu.mjs';
import { median, round, runLoad, SCHEDULES } from './lib/load.mjs';
import { machineInfo } from './lib/machine.mjs';
import { ADMIN_PASSWORD, ADMIN_USERNAME, login, SCENARIO_ORDER as KERNEL_SCENARIO_ORDER, SCENARIOS as KERNEL_SCENARIOS } from './lib/scenarios.mjs';
import { SPRINT_DOC_SCENARIO_ORDER, SPRINT_DOC_SCENARIOS } from './lib/sprint-doc-scenarios.mjs';
import { TASK_SCENARIO_ORDER, TASK_SCENARIOS } from './lib/task-scenarios.mjs';
import { writeReadme } from './report.mjs';

const BENCH_DIR = path.dirname(fileURLToPath(import.meta.url));
const SCENARIOS = { ...KERNEL_SCENARIOS, ...TASK_SCENARIOS, ...SPRINT_DOC_SCENARIOS };
const SCENARIO_ORDER = [...KERNEL_SCENARIO_ORDER, ...TASK_SCENARIO_ORDER, ...SPRINT_DOC_SCENARIO_ORDER];
const D34 = { connections: 20, durationS: 10, runs: 3 };

const { values: flags } = parseArgs({
  options: {
    postgres: { type: 'boolean', default: false },
    backend: { type: 'string' },
    scenario: { type: 'string' },
    quick: { type: 'boolean', default: false },
    duration: { type: 'string' },
    runs: { type: 'string' },
    schedule: { type: 'string', default: 'staggered' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (flags.help) {
  process.stdout.write(`usage: node bench/run.mjs [--postgres] [--backend=pglite,postgres] [--scenario=${SCENARIO_ORDER.join(',')}]
                         [--quick] [--duration=<s>] [--runs=<n>] [--schedule=staggered|burst]
Without --backend: PGlite, and PostgreSQL too when DATABASE_URL is set or --postgres is given.
Runs shorter than ${D34.durationS} s, fewer than ${D34.runs}, or --schedule=burst are not the committed settings: they go to
bench/results/quick/ (git-ignored) and leave bench/README.md alone.
`);
  process.exit(0);
}

const durationS = Number(flags.duration ?? (flags.quick ? 3 : D34.durationS));
const runs = Number(flags.runs ?? (flags.quick ? 1 : D34.runs));
const warmupS = flags.quick ? 1 : 3;
const pauseMs = 1000;
// Only the default settings produce the committed results; anything else goes to bench/results/quick/.
const official = durationS >= D34.durationS && runs >= D34.runs && flags.schedule === 'staggered';
const resultsDir = official ? path.join(BENCH_DIR, 'results') : path.join(BENCH_DIR, 'results', 'quick');

const backends = flags.backend
  ? flags.backend.split(',').map((b) => b.trim())
  : ['pglite', ...(flags.postgres || process.env.DATABASE_URL ? ['postgres'] : [])];
if (!SCHEDULES[flags.schedule]) fail(`unknown schedule "${flags.schedule}" (staggered or burst)`);
for (const backend of backends) if (!['pglite', 'postgres'].includes(backend)) fail(`unknown backend "${backend}"`);
const wanted = flags.scenario ? flags.scenario.split(',').map((s) => s.trim()) : SCENARIO_ORDER;
for (const name of wanted) if (!SCENARIOS[name]) fail(`unknown scenario "${name}" (known: ${SCENARIO_ORDER.join(', ')})`);
// The baseline is measured in every backend run: throughput is reported as a ratio to it (D34). A
// scenario's `reference` (a raw SQL read of the same rows) is measured in the same run too.
const references = new Set(wanted.map((name) => SCENARIOS[name].reference).filter(Boolean));
const scenarios = SCENARIO_ORDER.filter((name) => name === 'baseline' || wanted.includes(name) || references.has(name));

function fail(message) {
  process.stderr.write(`bench: ${message}\n`);
  process.exit(2);
}
const log = (message) => process.stderr.write(`${message}\n`);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

const kernelEntry = import.meta.resolve('@paca/kernel');
if (!existsSync(fileURLToPath(kernelEntry))) fail('the kernel is not built: run `npm run build` first');
const requireFromKernel = createRequire(kernelEntry);
const requireFromBench = createRequire(import.meta.url);
const { ENV_VARIABLES } = await import('@paca/kernel');

// ---------------------------------------------------------------------------------------------
// Child servers

const children = new Set();
/** What an interrupted run must still remove (the temporary DATA_DIR, the benchmark database). */
const active = { cleanup: null };

function startServer(kind, env) {
  return new Promise((resolve, reject) => {
    const child = fork(path.join(BENCH_DIR, 'server.mjs'), [kind], { env, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    children.add(child);
    const onExit = (code) => reject(new Error(`${kind} server exited with ${code} before it was ready`));
    child.once('exit', onExit);
    child.once('error', reject);
    child.once('message', (message) => {
      child.off('exit', onExit);
      child.once('exit', () => children.delete(child));
      resolve({
        pid: child.pid,
        url: `http://127.0.0.1:${message.port}`,
        info: message.info,
        stop: () => new Promise((done) => {
          if (child.exitCode !== null) return done();
          const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
          child.once('exit', () => { clearTimeout(timer); done(); });
          child.send('stop');
        }),
      });
    });
  });
}

/** The inherited environment without any kernel variable, so nothing leaks into the kernel under test. */
function cleanEnv() {
  const env = { ...process.env };
  for (const { name } of ENV_VARIABLES) delete env[name];
  return env;
}

// ---------------------------------------------------------------------------------------------
// PostgreSQL: a fresh database per run, dropped afterwards

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

async function createPostgresDatabase() {
  const pg = requireFromKernel('pg');
  const adminUrl = new URL(process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres');
  if (!LOOPBACK.has(adminUrl.hostname)) fail(`DATABASE_URL must point at loopback (got host ${adminUrl.hostname})`);
  const name = `paca_bench_${Date.now()}`;
  const client = new pg.Client({ connectionString: adminUrl.href });
  await client.connect();
  let version;
  try {
    await client.query(`CREATE DATABASE ${name}`);
    version = (await client.query('SHOW server_version')).rows[0].server_version;
  } finally {
    await client.end();
  }
  const url = new URL(adminUrl.href);
  url.pathname = `/${name}`;
  return {
    name,
    url: url.href,
    version,
    async drop() {
      const dropper = new pg.Client({ connectionString: adminUrl.href });
      await dropper.connect();
      try {
        await dropper.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await dropper.end();
      }
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Measurement

async function measureScenario({ name, backend, raw, kernel, adminToken, baselineReqS, referenceResult, context }) {
  const scenario = SCENARIOS[name];
  const started = Date.now();
  const loadStart = os.loadavg();
  const state = await scenario.setup({ rawUrl: raw.url, kernelUrl: kernel?.url, adminToken });
  const run = async (label, rate, seconds) => {
    if (state.beforeRun) await state.beforeRun();
    const pids = [process.pid, raw.pid, ...(kernel ? [kernel.pid] : [])];
    const cpuBefore = cpuSample(pids);
    const result = await runLoad({ target: state.target(), connections: D34.connections, durationS: seconds, rate, schedule: flags.schedule });
    const otherCpu = otherCpuPercent(cpuBefore, cpuSample(pids));
    const l = result.latency_ms;
    log(`  ${label.padEnd(14)} ${String(result.rate_2xx).padStart(8)} req/s  p50 ${l.p50} ms  p90 ${l.p90} ms  p99 ${l.p99} ms  max ${l.max} ms`
      + `  non-2xx ${result.non_2xx}  errors ${result.errors}  other CPU ${otherCpu ?? '?'} %`);
    await sleep(pauseMs);
    return { ...result, other_cpu_percent: otherCpu };
  };

  const offered = typeof scenario.latencyRate === 'number' ? scenario.latencyRate : scenario.latencyRate[backend];
  const why = typeof scenario.latencyRateWhy === 'string' ? scenario.latencyRateWhy : scenario.latencyRateWhy?.[backend];
  log(`[${backend}] ${name}`);
  await run('warm-up', null, warmupS);
  const latencyRuns = [];
  for (let i = 1; i <= runs; i++) latencyRuns.push(await run(`latency ${i}/${runs}`, offered, durationS));
  const throughputRuns = [];
  for (let i = 1; i <= runs; i++) throughputRuns.push(await run(`saturate ${i}/${runs}`, null, durationS));

  const medianLatency = (runsOf) => Object.fromEntries(['p50', 'p90', 'p99', 'max', 'mean']
    .map((k) => [k, round(median(runsOf.map((r) => r.latency_ms[k])), 3)]));
  const sum = (runsOf, key) => runsOf.reduce((total, r) => total + r[key], 0);
  const achieved = round(median(latencyRuns.map((r) => r.rate_2xx)), 1);
  const throughputReqS = round(median(throughputRuns.map((r) => r.rate_2xx)), 1);
  const baseline = name === 'baseline' ? throughputReqS : baselineReqS;

  return {
    name: `${name}-${backend}`,
    scenario: name,
    backend,
    title: scenario.title,
    date: new Date(started).toISOString(),
    generated_by: 'bench/run.mjs',
    machine: context.machine,
    software: { ...context.software, ...(scenario.server === 'kernel' ? kernel.info : raw.info) },
    parameters: {
      request: scenario.request,
      setup: scenario.setupText,
      connections: D34.connections,
      run_duration_s: durationS,
      runs,
      warmup_s: warmupS,
      pause_between_runs_s: pauseMs / 1000,
      latency_offered_rate: offered,
      latency_schedule: `${flags.schedule}: ${SCHEDULES[flags.schedule]}`,
      ...(why ? { latency_offered_rate_why: why } : {}),
      throughput: `saturation: ${D34.connections} connections, closed loop (each sends its next request when the previous answers), pipelining 1`,
      latency_source: 'every 2xx response timed by the load generator (not autocannon\'s histogram: 1 ms resolution and a mis-scaled coordinated-omission correction)',
      statistic: `median over ${runs} runs of each figure`,
      other_cpu_percent: 'per run: CPU time used by processes other than the load generator and the servers under test (PostgreSQL included), as a share of the machine\'s total',
      d34: official,
    },
    latency: {
      offered_rate: offered,
      achieved_rate_median: achieved,
      sustained: achieved !== null && achieved >= 0.95 * offered && sum(latencyRuns, 'non_2xx') === 0 && sum(latencyRuns, 'errors') === 0,
      median_ms: medianLatency(latencyRuns),
      non_2xx: sum(latencyRuns, 'non_2xx'),
      errors: sum(latencyRuns, 'errors'),
      runs: latencyRuns,
    },
    throughput: {
      req_s_median: throughputReqS,
      baseline_req_s_median: baseline,
      baseline_file: `baseline-${backend}.json`,
      ratio_to_baseline: baseline ? round(throughputReqS / baseline, 4) : null,
      ...(referenceResult ? {
        reference: {
          scenario: referenceResult.scenario,
          file: `${referenceResult.name}.json`,
          req_s_median: referenceResult.throughput.req_s_median,
          ratio: referenceResult.throughput.req_s_median ? round(throughputReqS / referenceResult.throughput.req_s_median, 4) : null,
        },
      } : {}),
      latency_at_saturation_median_ms: medianLatency(throughputRuns),
      non_2xx: sum(throughputRuns, 'non_2xx'),
      errors: sum(throughputRuns, 'errors'),
      runs: throughputRuns,
    },
    load_average: { start: loadStart.map((v) => round(v, 2)), end: os.loadavg().map((v) => round(v, 2)) },
    elapsed_s: round((Date.now() - started) / 1000, 1),
  };
}

async function runBackend(backend, raw, machine) {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'paca-bench-'));
  // The measured plugin is installed the way an admin installs one by hand: a folder in DATA_DIR/plugins.
  await cp(path.join(BENCH_DIR, 'plugins'), path.join(dataDir, 'plugins'), { recursive: true });
  const database = backend === 'postgres' ? await createPostgresDatabase() : null;
  const cleanup = async () => {
    await rm(dataDir, { recursive: true, force: true });
    if (database) await database.drop();
    active.cleanup = null;
  };
  active.cleanup = cleanup;
  let kernel = null;
  try {
    if (scenarios.some((name) => SCENARIOS[name].server === 'kernel')) {
      const bootStart = Date.now();
      kernel = await startServer('kernel', {
        ...cleanEnv(),
        DATA_DIR: dataDir,
        ADMIN_USERNAME,
        ADMIN_PASSWORD,
        LOG_LEVEL: 'warn',
        AUTH_RATE_LIMIT_PER_MINUTE: '0',
        JWT_SECRET: randomBytes(32).toString('hex'),
        ENCRYPTION_KEY: randomBytes(32).toString('hex'),
        ...(database ? { DATABASE_URL: database.url } : {}),
      });
      log(`[${backend}] kernel ready at ${kernel.url} in ${((Date.now() - bootStart) / 1000).toFixed(1)} s`
        + (database ? ` (database ${database.name}, PostgreSQL ${database.version})` : ''));
    }
    const context = {
      machine,
      software: {
        autocannon: requireFromBench('autocannon/package.json').version,
        node: process.version,
        ...(database ? { postgresql: database.version } : {}),
      },
    };
    let baselineReqS = null;
    const results = [];
    for (const name of scenarios) {
      // A fresh admin token per scenario: access tokens live 15 minutes.
      const adminToken = kernel ? await login(kernel.url, ADMIN_USERNAME, ADMIN_PASSWORD) : null;
      const referenceResult = results.find((r) => r.scenario === SCENARIOS[name].reference) ?? null;
      const result = await measureScenario({ name, backend, raw, kernel, adminToken, baselineReqS, referenceResult, context });
      if (name === 'baseline') baselineReqS = result.throughput.req_s_median;
      results.push(result);
    }
    // Written only once the whole backend run succeeded, so results and their baseline always match.
    const written = [];
    for (const result of results) {
      const file = path.join(resultsDir, `${result.name}.json`);
      await writeFile(`${file}.tmp`, `${JSON.stringify(result, null, 2)}\n`);
      await rename(`${file}.tmp`, file);
      written.push(path.relative(process.cwd(), file));
    }
    return written;
  } finally {
    if (kernel) await kernel.stop();
    await cleanup();
  }
}

// ---------------------------------------------------------------------------------------------

process.on('SIGINT', async () => {
  process.stderr.write('\nbench: interrupted, cleaning up\n');
  for (const child of children) child.kill('SIGKILL');
  await sleep(200);
  try {
    await active.cleanup?.();
  } catch (error) {
    process.stderr.write(`bench: cleanup failed (${error.message}); a paca_bench_* database may be left behind\n`);
  }
  process.exit(130);
});

const perScenarioS = warmupS + 2 * runs * (durationS + 1.5) + 1;
log(`bench: ${backends.join(' + ')} × ${scenarios.join(', ')}; ${runs} × ${durationS} s per measurement`
  + ` (about ${Math.ceil((backends.length * scenarios.length * perScenarioS) / 60)} min)`
  + (official ? '' : ' — not D34 settings: results go to bench/results/quick/'));
await mkdir(resultsDir, { recursive: true });
const machine = machineInfo();
const started = Date.now();
const raw = await startServer('raw', cleanEnv());
const written = [];
try {
  for (const backend of backends) written.push(...await runBackend(backend, raw, machine));
} finally {
  await raw.stop();
}
log(`bench: wrote ${written.join(', ')} in ${((Date.now() - started) / 60000).toFixed(1)} min`);
if (official) {
  await writeReadme();
  log('bench: regenerated bench/README.md');
}
