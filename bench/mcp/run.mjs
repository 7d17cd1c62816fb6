#!/usr/bin/env node
// MCP tool-list size and tool-call latency (issue 10, D31, D34).
//
// 1. Tool-list size as an MCP client receives it: `tools/list` over Streamable HTTP at /mcp with
//    the admin's API key — the whole catalogue, each toolset alone (?toolsets=<one>) and read-only
//    mode (?read_only=true): tools, characters of the JSON of the `tools` array, ≈ tokens
//    (characters / 4), the mean per tool and the five largest tools. Deterministic: measured once.
// 2. Tool-call latency, closed loop with one client (one call in flight, sequential), for
//    `get_task` (projectId as the task-ID prefix, taskId as PREFIX-N) and `list_tasks` (a page of
//    50) on a project of 200 tasks created through the API, by four paths:
//      rest   the REST routes the tools map to, with ids (the baseline)
//      call   POST /api/v1/mcp/tools/:name/call (the route both MCP transports execute through)
//      http   MCP over Streamable HTTP at /mcp, the official SDK client (one connected client)
//      stdio  MCP over stdio, the official SDK client and one spawned `node mcp/dist/main.js`
//    plus the bare Fastify `/raw` route (bench/server.mjs raw) through the same fetch client. Each
//    run makes N calls per path and tool after a warm-up, in blocks of 25: every path and tool
//    takes one block in turn (the order rotating each block), so a busy neighbour hits all paths
//    alike; percentiles per run, then the median over the runs of each figure.
//
//   node bench/mcp/run.mjs                       PGlite: 3 runs of 300 calls → bench/results/mcp/mcp-pglite.json
//   node bench/mcp/run.mjs --backend=postgres    PostgreSQL (DATABASE_URL, default postgres://postgres@127.0.0.1:5432/postgres)
//   node bench/mcp/run.mjs --quick               1 run of 50 calls → bench/results/quick/
//   node bench/mcp/report.mjs                    regenerate the MCP tables in bench/README.md
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { mkdir, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { getDefaultEnvironment, StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { cpuSample, otherCpuPercent, processCpuTicks } from '../lib/cpu.mjs';
import { median, percentile, round } from '../lib/load.mjs';
import { cleanups, createPostgresDatabase, kernelEnv, runMain, startServer } from '../lib/bench-runner.mjs';
import { machineInfo } from '../lib/machine.mjs';
import { ADMIN_PASSWORD, ADMIN_USERNAME, api, login } from '../lib/scenarios.mjs';
import { writeMcpSection } from './report.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const BENCH_DIR = path.dirname(HERE);
const REPO = path.dirname(BENCH_DIR);
const MCP_MAIN = path.join(REPO, 'mcp', 'dist', 'main.js');
const OFFICIAL = { runs: 3, calls: 300, warmup: 50 };
const TASKS = 200;
const PAGE_SIZE = 50;
const BLOCK = 25; // calls per block: the paths take turns block by block within a run
const CLK_TCK = 100; // Linux USER_HZ
const CHARS_PER_TOKEN = 4;

const { values: flags } = parseArgs({
  options: {
    backend: { type: 'string', default: 'pglite' },
    quick: { type: 'boolean', default: false },
    runs: { type: 'string' },
    calls: { type: 'string' },
    warmup: { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (flags.help) {
  process.stdout.write(`usage: node bench/mcp/run.mjs [--backend=pglite|postgres] [--quick] [--runs=${OFFICIAL.runs}] [--calls=${OFFICIAL.calls}] [--warmup=${OFFICIAL.warmup}]
Uses kernel/dist and mcp/dist as built (npm run build). --quick: 1 run of 50 calls, warm-up 10.
Settings other than ${OFFICIAL.runs} runs × ${OFFICIAL.calls} calls write to bench/results/quick/.
`);
  process.exit(0);
}
const log = (message) => process.stderr.write(`${message}\n`);
const fail = (message) => { log(`mcp bench: ${message}`); process.exit(2); };
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

const backend = flags.backend;
if (!['pglite', 'postgres'].includes(backend)) fail(`unknown backend "${backend}"`);
const runs = Number(flags.runs ?? (flags.quick ? 1 : OFFICIAL.runs));
const calls = Number(flags.calls ?? (flags.quick ? 50 : OFFICIAL.calls));
const warmup = Number(flags.warmup ?? (flags.quick ? 10 : OFFICIAL.warmup));
if (![runs, calls, warmup].every((n) => Number.isInteger(n) && n >= 0) || runs < 1 || calls < 1) fail('--runs and --calls must be positive whole numbers, --warmup a whole number');
const pauseMs = 300;
const official = runs >= OFFICIAL.runs && calls >= OFFICIAL.calls;
const resultsDir = official ? path.join(BENCH_DIR, 'results', 'mcp') : path.join(BENCH_DIR, 'results', 'quick');

if (!existsSync(MCP_MAIN)) fail(`${path.relative(REPO, MCP_MAIN)} is missing: run \`npm run build\` first`);
if (!existsSync(path.join(REPO, 'kernel', 'dist', 'index.js'))) fail('kernel/dist is missing: run `npm run build` first');

/** A hash over a dist folder's .js files (paths and contents): versions do not change while work goes on. */
function distBuild(dir) {
  const files = [];
  const walk = (d) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const full = path.join(d, e.name);
      if (e.isDirectory()) walk(full);
      else if (e.name.endsWith('.js')) files.push(full);
    }
  };
  walk(dir);
  files.sort();
  const hash = createHash('sha256');
  let newest = 0;
  for (const file of files) {
    hash.update(path.relative(dir, file)).update('\0').update(readFileSync(file)).update('\0');
    newest = Math.max(newest, statSync(file).mtimeMs);
  }
  return { dist: path.relative(REPO, dir), dist_sha256: hash.digest('hex').slice(0, 16), dist_files: files.length, dist_newest_file: new Date(newest).toISOString() };
}

/** The version of the SDK this runner imports (its exports map hides package.json). */
function sdkVersion() {
  const entry = fileURLToPath(import.meta.resolve('@modelcontextprotocol/sdk/client/index.js'));
  for (let dir = path.dirname(entry); dir !== path.dirname(dir); dir = path.dirname(dir)) {
    try {
      const manifest = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8'));
      if (manifest.name === '@modelcontextprotocol/sdk') return manifest.version;
    } catch { /* next level */ }
  }
  return null;
}

// ---------------------------------------------------------------------------------------------
// Child servers (as bench/wasm/run.mjs)

// startServer, kernelEnv, createPostgresDatabase, cleanups and runMain: bench/lib/bench-runner.mjs

// ---------------------------------------------------------------------------------------------
// Data, through the API

const WORDS = ['board', 'sprint', 'estimate', 'review', 'deploy', 'migration', 'index', 'cursor', 'agent', 'prompt',
  'schema', 'latency', 'cache', 'retry', 'timeout', 'webhook', 'plugin', 'status', 'backlog', 'release'];
function description(n) {
  const w = (k) => WORDS[(n * 7 + k * 3) % WORDS.length];
  return `## Context\n\nThe ${w(1)} of the ${w(2)} needs a ${w(3)} before the ${w(4)}: see the notes below.\n\n`
    + `- [ ] check the ${w(5)}\n- [ ] measure the ${w(6)}\n- [x] agree on the ${w(7)}\n\n`
    + `\`\`\`sh\nnpm run ${w(8)} -- --${w(9)}=${n}\n\`\`\`\n\nDone when the ${w(10)} is **green** and the ${w(11)} is documented.`;
}

async function seed(url, token) {
  const project = (await api(url, 'POST', '/api/v1/projects', { token, body: { name: 'Mcp bench' } })).data;
  const statuses = (await api(url, 'GET', `/api/v1/projects/${project.id}/task-statuses`, { token })).data;
  const statusIds = (statuses.items ?? statuses).map((s) => s.id);
  const created = [];
  const parallel = 8;
  for (let i = 0; i < TASKS; i += parallel) {
    // In parallel batches, numbered in creation order; keys are read back below.
    created.push(...await Promise.all(Array.from({ length: Math.min(parallel, TASKS - i) }, (_, j) => api(url, 'POST', `/api/v1/projects/${project.id}/tasks`, {
      token, body: { title: `Bench task ${i + j + 1}: ${WORDS[(i + j) % WORDS.length]} ${WORDS[(i + j + 5) % WORDS.length]}`, description: description(i + j + 1), status_id: statusIds[(i + j) % statusIds.length] },
    }).then((r) => r.data))));
  }
  const byNumber = new Map(created.map((t) => [t.task_number, t]));
  const tasks = Array.from({ length: TASKS }, (_, i) => byNumber.get(i + 1));
  if (tasks.some((t) => !t)) throw new Error('seed: task numbers are not 1…N');
  return { project, tasks, statuses: statusIds.length };
}

async function adminApiKey(url, token) {
  return (await api(url, 'POST', '/api/v1/users/me/api-keys', { token, body: { name: 'mcp bench' } })).data.key;
}

// ---------------------------------------------------------------------------------------------
// Tool-list size

/** tools/list exactly as sent: one JSON-RPC POST to /mcp (stateless, JSON response), the `tools` array re-serialised. */
async function wireToolsList(kernelUrl, key, query) {
  const response = await fetch(`${kernelUrl}/mcp${query}`, {
    method: 'POST',
    headers: { 'x-api-key': key, 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list', params: {} }),
  });
  const body = await response.text();
  if (response.status !== 200) throw new Error(`tools/list ${query} → ${response.status} ${body.slice(0, 200)}`);
  const message = JSON.parse(body);
  if (!message.result?.tools) throw new Error(`tools/list ${query}: ${body.slice(0, 200)}`);
  if (message.result.nextCursor) throw new Error(`tools/list ${query} is paged: the bench reads one page only`);
  return { tools: message.result.tools, responseBytes: Buffer.byteLength(body) };
}

function listFigures(tools, responseBytes) {
  const json = JSON.stringify(tools);
  const sizes = tools.map((t) => JSON.stringify(t).length);
  const part = (pick) => tools.reduce((total, t) => total + (pick(t) === undefined ? 0 : JSON.stringify(pick(t)).length), 0);
  return {
    tools: tools.length,
    chars: json.length,
    utf8_bytes: Buffer.byteLength(json),
    tokens_approx: Math.round(json.length / CHARS_PER_TOKEN),
    mean_chars_per_tool: tools.length ? round(json.length / tools.length, 1) : null,
    median_chars_per_tool: median(sizes),
    response_bytes: responseBytes,
    parts_chars: {
      description: part((t) => t.description),
      input_schema: part((t) => t.inputSchema),
      annotations: part((t) => t.annotations),
      title: part((t) => t.title),
    },
  };
}

async function measureToolLists(kernelUrl, key, stdioClient) {
  const catalogue = (await fetchJson(`${kernelUrl}/api/v1/mcp/tools`, { headers: { 'x-api-key': key } })).json;
  const toolsetOf = new Map(catalogue.data.tools.map((t) => [t.name, t.toolset]));
  const toolsets = [...new Set(catalogue.data.tools.map((t) => t.toolset))].sort();

  const full = await wireToolsList(kernelUrl, key, '');
  const out = { full: listFigures(full.tools, full.responseBytes) };
  out.full.largest = full.tools.map((t) => ({ name: t.name, toolset: toolsetOf.get(t.name) ?? null, chars: JSON.stringify(t).length }))
    .sort((a, b) => b.chars - a.chars).slice(0, 5).map((t) => ({ ...t, tokens_approx: Math.round(t.chars / CHARS_PER_TOKEN) }));
  const readOnly = await wireToolsList(kernelUrl, key, '?read_only=true');
  out.read_only = listFigures(readOnly.tools, readOnly.responseBytes);
  out.toolsets = {};
  for (const name of toolsets) {
    const one = await wireToolsList(kernelUrl, key, `?toolsets=${encodeURIComponent(name)}`);
    out.toolsets[name] = listFigures(one.tools, one.responseBytes);
    const strays = one.tools.filter((t) => toolsetOf.get(t.name) !== name).map((t) => t.name);
    if (strays.length) out.toolsets[name].not_in_toolset = strays;
  }

  // The same list through the SDK clients (what a host hands to its model), as a check.
  const viaHttp = new Client({ name: 'paca-bench-mcp', version: '0' });
  await viaHttp.connect(new StreamableHTTPClientTransport(new URL(`${kernelUrl}/mcp`), { requestInit: { headers: { 'x-api-key': key } } }));
  const sdkHttp = (await viaHttp.listTools()).tools;
  await viaHttp.close();
  const sdkStdio = (await stdioClient.listTools()).tools;
  out.checks = {
    catalogue_tools: catalogue.data.tools.length,
    sdk_http_tools: sdkHttp.length,
    sdk_http_chars: JSON.stringify(sdkHttp).length,
    sdk_stdio_tools: sdkStdio.length,
    sdk_stdio_chars: JSON.stringify(sdkStdio).length,
    stdio_same_as_http: JSON.stringify(sdkStdio) === JSON.stringify(sdkHttp),
    toolset_sum_tools: Object.values(out.toolsets).reduce((t, s) => t + s.tools, 0),
  };
  return out;
}

// ---------------------------------------------------------------------------------------------
// The paths

const findItems = (value) => (Array.isArray(value) ? value : Array.isArray(value?.items) ? value.items : null);

async function fetchJson(url, init) {
  const response = await fetch(url, init);
  const text = await response.text();
  if (response.status !== 200) throw new Error(`${init?.method ?? 'GET'} ${new URL(url).pathname} → ${response.status} ${text.slice(0, 200)}`);
  return { json: JSON.parse(text), chars: text.length };
}

function mcpResult(result) {
  if (result.isError) throw new Error(`tool error: ${JSON.stringify(result.content).slice(0, 200)}`);
  const text = result.content?.[0]?.text;
  if (typeof text !== 'string') throw new Error(`tool answered no text: ${JSON.stringify(result).slice(0, 200)}`);
  return { json: JSON.parse(text), chars: text.length };
}

/**
 * Each path's calls. `call(i)` makes the i-th call and resolves with {json, chars}: the answer
 * the caller reads (REST: the `data`; the call route and MCP: the tool's result) and the size
 * in characters of what it received (REST and the call route: the HTTP body; MCP: the text
 * content, which is what a host puts in front of its model).
 */
function makePaths({ raw, kernel, key, project, tasks, httpClient, stdioClient }) {
  const headers = { 'x-api-key': key };
  const prefix = project.task_id_prefix;
  const taskAt = (i) => tasks[i % tasks.length];
  const getArgs = (i) => ({ projectId: prefix, taskId: `${prefix}-${taskAt(i).task_number}` });
  const listArgs = { projectId: prefix, pageSize: PAGE_SIZE };
  const callRoute = async (name, args) => {
    const { json, chars } = await fetchJson(`${kernel.url}/api/v1/mcp/tools/${name}/call`, {
      method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify({ arguments: args }),
    });
    return { json: JSON.parse(json.data.content[0].text), chars, content: json.data.content };
  };
  const viaMcp = (client) => ({
    get_task: async (i) => mcpResult(await client.callTool({ name: 'get_task', arguments: getArgs(i) })),
    list_tasks: async () => mcpResult(await client.callTool({ name: 'list_tasks', arguments: listArgs })),
  });
  return {
    raw: { label: 'bare Fastify /raw (fetch)', server: raw, tools: { raw: async () => fetchJson(`${raw.url}/raw`) } },
    rest: {
      label: 'REST route, with ids (baseline)', server: kernel, tools: {
        get_task: async (i) => { const r = await fetchJson(`${kernel.url}/api/v1/projects/${project.id}/tasks/${taskAt(i).id}/context`, { headers }); return { json: r.json.data, chars: r.chars }; },
        list_tasks: async () => { const r = await fetchJson(`${kernel.url}/api/v1/projects/${project.id}/tasks?page_size=${PAGE_SIZE}`, { headers }); return { json: r.json.data, chars: r.chars }; },
      },
    },
    call: {
      label: 'POST /api/v1/mcp/tools/:name/call', server: kernel, tools: {
        get_task: (i) => callRoute('get_task', getArgs(i)),
        list_tasks: () => callRoute('list_tasks', listArgs),
      },
    },
    http: { label: 'MCP Streamable HTTP /mcp (SDK client)', server: kernel, tools: viaMcp(httpClient) },
    stdio: { label: 'MCP stdio, paca-mcp (SDK client)', server: kernel, tools: viaMcp(stdioClient) },
  };
}

/** One call of each path and tool before anything is timed: the answers must be the same task / page. */
async function checkAnswers(paths, tasks) {
  const answers = {};
  for (const [pathKey, p] of Object.entries(paths)) {
    for (const [tool, call] of Object.entries(p.tools)) {
      const { json, chars } = await call(0);
      answers[`${pathKey} ${tool}`] = { json, chars };
    }
  }
  const problems = [];
  for (const pathKey of ['rest', 'call', 'http', 'stdio']) {
    const got = answers[`${pathKey} get_task`].json;
    if (got?.task?.id !== tasks[0].id) problems.push(`${pathKey} get_task answered task ${got?.task?.id ?? JSON.stringify(got).slice(0, 80)}, not ${tasks[0].id}`);
    const items = findItems(answers[`${pathKey} list_tasks`].json);
    if (!items || items.length !== PAGE_SIZE) problems.push(`${pathKey} list_tasks answered ${items ? items.length : 'no'} items, not ${PAGE_SIZE}`);
    else if (items[0].id !== tasks[0].id) problems.push(`${pathKey} list_tasks starts at ${items[0].id}, not task 1`);
  }
  const same = (tool) => ['call', 'http', 'stdio'].every((k) => JSON.stringify(answers[`${k} ${tool}`].json) === JSON.stringify(answers[`rest ${tool}`].json));
  return {
    problems,
    identical_to_rest: { get_task: same('get_task'), list_tasks: same('list_tasks') },
    response_chars: Object.fromEntries(['get_task', 'list_tasks'].map((tool) => [tool, Object.fromEntries(['rest', 'call', 'http', 'stdio'].map((k) => [k, answers[`${k} ${tool}`].chars]))])),
  };
}

// ---------------------------------------------------------------------------------------------
// Measurement

const FIGURES = ['p50', 'p90', 'p95', 'p99', 'max', 'mean', 'min'];

/**
 * The figures of one path and tool in one run, accumulated over its blocks: calls are made in
 * blocks of BLOCK, the paths taking turns block by block (see main), so that a busy neighbour
 * during a run hits every path alike.
 */
function accumulator() {
  return { latencies: [], failures: 0, firstError: null, elapsedMs: 0, serverTicks: 0, stdioTicks: 0, selfUs: 0, total: 0, busy: 0, ours: 0, calls: 0 };
}

async function block(acc, call, n, { pids, serverPid, stdioPid, offset }) {
  const cpuBefore = cpuSample(pids);
  const serverBefore = processCpuTicks(serverPid);
  const stdioBefore = stdioPid ? processCpuTicks(stdioPid) : null;
  const selfBefore = process.cpuUsage();
  const started = performance.now();
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    try {
      await call(offset + i);
      acc.latencies.push(performance.now() - t0);
    } catch (error) {
      acc.failures++;
      acc.firstError ??= error.message;
    }
  }
  acc.elapsedMs += performance.now() - started;
  acc.calls += n;
  const self = process.cpuUsage(selfBefore);
  acc.selfUs += self.user + self.system;
  acc.serverTicks += (processCpuTicks(serverPid) ?? serverBefore) - serverBefore;
  if (stdioPid) acc.stdioTicks += (processCpuTicks(stdioPid) ?? stdioBefore) - stdioBefore;
  const cpuAfter = cpuSample(pids);
  if (cpuBefore && cpuAfter) {
    acc.total += cpuAfter.total - cpuBefore.total;
    acc.busy += cpuAfter.busy - cpuBefore.busy;
    acc.ours += cpuAfter.ours - cpuBefore.ours;
  }
}

function finish(label, acc, { stdioPid }) {
  const latencies = [...acc.latencies].sort((a, b) => a - b);
  const ok = latencies.length;
  const per = (seconds) => (ok ? round((1000 * seconds) / ok, 3) : null);
  const other = acc.total > 0 ? otherCpuPercent({ total: 0, busy: 0, ours: 0 }, { total: acc.total, busy: acc.busy, ours: acc.ours }) : null;
  const out = {
    calls: acc.calls,
    ok,
    failures: acc.failures,
    ...(acc.firstError ? { first_error: acc.firstError } : {}),
    busy_s: round(acc.elapsedMs / 1000, 3),
    calls_per_s: round(ok / (acc.elapsedMs / 1000), 1),
    latency_ms: {
      p50: round(percentile(latencies, 50), 3),
      p90: round(percentile(latencies, 90), 3),
      p95: round(percentile(latencies, 95), 3),
      p99: round(percentile(latencies, 99), 3),
      max: round(latencies.at(-1) ?? null, 3),
      mean: ok ? round(latencies.reduce((a, b) => a + b, 0) / ok, 3) : null,
      min: round(latencies[0] ?? null, 3),
    },
    server_cpu_ms_per_call: per(acc.serverTicks / CLK_TCK),
    stdio_cpu_ms_per_call: stdioPid ? per(acc.stdioTicks / CLK_TCK) : null,
    client_cpu_ms_per_call: per(acc.selfUs / 1e6),
    other_cpu_percent: other,
  };
  const l = out.latency_ms;
  log(`  ${label.padEnd(26)} ${String(out.calls_per_s).padStart(7)} calls/s  p50 ${l.p50}  p95 ${l.p95}  p99 ${l.p99}  max ${l.max} ms`
    + `  failed ${out.failures}  server CPU ${out.server_cpu_ms_per_call} ms/call${stdioPid ? `  stdio CPU ${out.stdio_cpu_ms_per_call} ms/call` : ''}`
    + `  client CPU ${out.client_cpu_ms_per_call} ms/call  other CPU ${other ?? '?'} %${acc.firstError ? `  first error: ${acc.firstError}` : ''}`);
  return out;
}

function summarize(runsOf) {
  const of = (pick, digits = 3) => round(median(runsOf.map(pick)), digits);
  return {
    latency_ms: Object.fromEntries(FIGURES.map((k) => [k, of((r) => r.latency_ms[k])])),
    calls_per_s: of((r) => r.calls_per_s, 1),
    server_cpu_ms_per_call: of((r) => r.server_cpu_ms_per_call),
    stdio_cpu_ms_per_call: of((r) => r.stdio_cpu_ms_per_call),
    client_cpu_ms_per_call: of((r) => r.client_cpu_ms_per_call),
    other_cpu_percent: of((r) => r.other_cpu_percent, 1),
    calls: runsOf.reduce((t, r) => t + r.calls, 0),
    failures: runsOf.reduce((t, r) => t + r.failures, 0),
  };
}

async function connectStdio(kernelUrl, key) {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [MCP_MAIN],
    env: { ...getDefaultEnvironment(), PACA_API_URL: kernelUrl, PACA_API_KEY: key, PACA_TOOLS_POLL_MS: '0' },
    stderr: 'pipe',
  });
  const stderr = [];
  transport.stderr?.on('data', (chunk) => stderr.push(String(chunk)));
  const client = new Client({ name: 'paca-bench-mcp', version: '0' });
  const t0 = performance.now();
  await client.connect(transport);
  const readyMs = performance.now() - t0;
  return { client, transport, readyMs, stderr };
}

async function main() {
  const started = new Date();
  const loadStart = os.loadavg();
  const mcpBuildStart = distBuild(path.join(REPO, 'mcp', 'dist'));
  const database = backend === 'postgres' ? await createPostgresDatabase('paca_bench_mcp') : null;
  if (database) cleanups.push(() => database.drop());
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'paca-bench-mcp-'));
  cleanups.push(() => rm(dataDir, { recursive: true, force: true }));

  const env = await kernelEnv();
  const raw = await startServer(path.join(BENCH_DIR, 'server.mjs'), ['raw'], env);
  cleanups.push(() => raw.stop());
  const bootStart = Date.now();
  const kernel = await startServer(path.join(BENCH_DIR, 'server.mjs'), ['kernel'], {
    ...env, DATA_DIR: dataDir, ADMIN_USERNAME, ADMIN_PASSWORD, LOG_LEVEL: 'warn', AUTH_RATE_LIMIT_PER_MINUTE: '0',
    JWT_SECRET: randomBytes(32).toString('hex'), ENCRYPTION_KEY: randomBytes(32).toString('hex'),
    ...(database ? { DATABASE_URL: database.url } : {}),
  });
  cleanups.push(() => kernel.stop());
  log(`mcp bench: kernel ready in ${((Date.now() - bootStart) / 1000).toFixed(1)} s (${backend}, dist ${kernel.info.kernel_build.dist_sha256}; mcp dist ${mcpBuildStart.dist_sha256})`);

  const token = await login(kernel.url, ADMIN_USERNAME, ADMIN_PASSWORD);
  const key = await adminApiKey(kernel.url, token);
  const seedStart = Date.now();
  const { project, tasks, statuses } = await seed(kernel.url, token);
  log(`mcp bench: project ${project.task_id_prefix} with ${tasks.length} tasks over ${statuses} statuses in ${((Date.now() - seedStart) / 1000).toFixed(1)} s`);

  const stdio = await connectStdio(kernel.url, key);
  cleanups.push(() => stdio.client.close());
  log(`mcp bench: paca-mcp (pid ${stdio.transport.pid}) spawned and initialised in ${stdio.readyMs.toFixed(0)} ms`);
  const httpClient = new Client({ name: 'paca-bench-mcp', version: '0' });
  const httpStart = performance.now();
  await httpClient.connect(new StreamableHTTPClientTransport(new URL(`${kernel.url}/mcp`), { requestInit: { headers: { 'x-api-key': key } } }));
  const httpReadyMs = performance.now() - httpStart;
  cleanups.push(() => httpClient.close());

  // 1. Tool-list size
  const toolList = await measureToolLists(kernel.url, key, stdio.client);
  const f = toolList.full;
  log(`mcp bench: tools/list ${f.tools} tools, ${f.chars} characters ≈ ${f.tokens_approx} tokens (read-only: ${toolList.read_only.tools} tools, ≈ ${toolList.read_only.tokens_approx} tokens); `
    + Object.entries(toolList.toolsets).map(([k, v]) => `${k} ${v.tools}/${v.tokens_approx}`).join(', '));
  if (!toolList.checks.stdio_same_as_http) log('mcp bench: NOTE the stdio tool list differs from the Streamable HTTP one');

  // 2. Latency
  const paths = makePaths({ raw, kernel, key, project, tasks, httpClient, stdioClient: stdio.client });
  const answers = await checkAnswers(paths, tasks);
  log(`mcp bench: answers ${JSON.stringify(answers.response_chars)} characters; identical to REST ${JSON.stringify(answers.identical_to_rest)}`);
  if (answers.problems.length) throw new Error(`the paths answer differently: ${answers.problems.join('; ')}`);

  const stdioPid = stdio.transport.pid;
  const pids = [process.pid, raw.pid, kernel.pid, stdioPid];
  const optionsOf = (pathKey) => ({ pids, serverPid: paths[pathKey].server.pid, stdioPid: pathKey === 'stdio' ? stdioPid : null });
  const ORDER = ['raw', 'rest', 'call', 'http', 'stdio'];
  log(`mcp bench: ${backend}, ${runs} run(s) × ${calls} sequential calls per path and tool, warm-up ${warmup}`
    + (official ? '' : ' — not the committed settings: results go to bench/results/quick/'));
  const jobs = ORDER.flatMap((pathKey) => Object.entries(paths[pathKey].tools).map(([tool, call]) => ({ pathKey, tool, call })));
  if (warmup > 0) {
    for (const { pathKey, tool, call } of jobs) {
      const acc = accumulator();
      await block(acc, call, warmup, { ...optionsOf(pathKey), offset: 0 });
      finish(`warm-up ${pathKey} ${tool}`, acc, optionsOf(pathKey));
    }
  }
  const measured = Object.fromEntries(ORDER.map((k) => [k, Object.fromEntries(Object.keys(paths[k].tools).map((tool) => [tool, []]))]));
  const rounds = Math.ceil(calls / BLOCK);
  for (let r = 0; r < runs; r++) {
    await sleep(pauseMs);
    const acc = jobs.map(() => accumulator());
    for (let b = 0; b < rounds; b++) {
      const n = Math.min(BLOCK, calls - b * BLOCK);
      // The order of the paths rotates every block; get_task walks the 200 tasks from a different task each run.
      const shift = (r * rounds + b) % jobs.length;
      for (const j of [...jobs.keys()].slice(shift).concat([...jobs.keys()].slice(0, shift))) {
        await block(acc[j], jobs[j].call, n, { ...optionsOf(jobs[j].pathKey), offset: r * 37 + b * BLOCK });
      }
    }
    jobs.forEach(({ pathKey, tool }, j) => measured[pathKey][tool].push(finish(`${r + 1}/${runs} ${pathKey} ${tool}`, acc[j], optionsOf(pathKey))));
  }
  const mcpBuildEnd = distBuild(path.join(REPO, 'mcp', 'dist'));
  if (mcpBuildEnd.dist_sha256 !== mcpBuildStart.dist_sha256) log(`mcp bench: NOTE mcp/dist changed during the run (${mcpBuildStart.dist_sha256} → ${mcpBuildEnd.dist_sha256}); the kernel and paca-mcp loaded the first, at start`);

  const summary = Object.fromEntries(ORDER.map((k) => [k, Object.fromEntries(Object.keys(paths[k].tools).map((tool) => [tool, summarize(measured[k][tool])]))]));
  const comparison = {};
  for (const tool of ['get_task', 'list_tasks']) {
    const base = summary.rest[tool].latency_ms;
    comparison[tool] = Object.fromEntries(['call', 'http', 'stdio'].map((k) => {
      const l = summary[k][tool].latency_ms;
      return [k, {
        ratio_p50: base.p50 ? round(l.p50 / base.p50, 2) : null,
        ratio_p95: base.p95 ? round(l.p95 / base.p95, 2) : null,
        overhead_p50_ms: round(l.p50 - base.p50, 3),
        overhead_p95_ms: round(l.p95 - base.p95, 3),
      }];
    }));
    comparison[tool].rest_over_raw_p50_ms = round(base.p50 - summary.raw.raw.latency_ms.p50, 3);
  }

  const result = {
    name: `mcp-${backend}`,
    title: `MCP tool-list size and tool-call latency, ${backend === 'pglite' ? 'PGlite' : 'PostgreSQL'}`,
    date: started.toISOString(),
    generated_by: 'bench/mcp/run.mjs',
    machine: machineInfo(),
    software: {
      ...kernel.info,
      mcp_build: mcpBuildStart,
      ...(mcpBuildEnd.dist_sha256 !== mcpBuildStart.dist_sha256 ? { mcp_build_at_end: mcpBuildEnd } : {}),
      mcp_package: JSON.parse(readFileSync(path.join(REPO, 'mcp', 'package.json'), 'utf8')).version,
      mcp_sdk: sdkVersion(),
      baseline_fastify: raw.info.fastify,
      node: process.version,
      ...(database ? { postgresql: database.version } : {}),
    },
    parameters: {
      backend,
      data: `one project "${project.name}" (prefix ${project.task_id_prefix}) created by the admin through the API, ${TASKS} tasks created through POST /tasks (8 in parallel; title, a Markdown description of about 330 characters, statuses round-robin over the ${statuses} default statuses; no assignees, comments or links)`,
      credentials: 'one API key of the bootstrap admin (X-API-Key) for every path; the MCP tool list is the admin\'s',
      tool_list: 'tools/list over Streamable HTTP at /mcp: one JSON-RPC POST per configuration (full; ?read_only=true; ?toolsets=<one> for each toolset of GET /api/v1/mcp/tools); characters = length of JSON.stringify(result.tools) (compact JSON, as on the wire); tokens ≈ characters / 4; checked against the SDK clients\' listTools() over HTTP and stdio',
      tools: {
        get_task: `arguments {projectId: "${project.task_id_prefix}", taskId: "${project.task_id_prefix}-N"}, N walking the ${TASKS} tasks; REST: GET /api/v1/projects/:projectId/tasks/:taskId/context with the project and task ids`,
        list_tasks: `arguments {projectId: "${project.task_id_prefix}", pageSize: ${PAGE_SIZE}} (first page); REST: GET /api/v1/projects/:projectId/tasks?page_size=${PAGE_SIZE} with the project id`,
      },
      paths: Object.fromEntries(ORDER.map((k) => [k, paths[k].label])),
      path_details: {
        raw: 'bench/server.mjs raw (a bare Fastify, the kernel\'s copy, GET /raw), through the same fetch client as rest and call',
        rest: 'global fetch (undici, keep-alive), answer read and JSON-parsed',
        call: 'global fetch, POST {arguments}; the kernel resolves the project prefix and the task key, checks the arguments against the tool schema and runs the route in-process',
        http: 'one @modelcontextprotocol/sdk Client over StreamableHTTPClientTransport, connected (initialize) once and reused; the kernel builds a protocol server per POST and runs the tool through POST /mcp/tools/:name/call by app.inject',
        stdio: `one @modelcontextprotocol/sdk Client over StdioClientTransport spawning \`node mcp/dist/main.js\` (PACA_API_URL, PACA_API_KEY, PACA_TOOLS_POLL_MS=0; no toolsets, no pin), which calls POST /api/v1/mcp/tools/:name/call over HTTP`,
      },
      mode: 'closed loop, one client: one call in flight at a time, each timed from before the request to the parsed answer (performance.now())',
      calls_per_measurement: calls,
      warmup_calls: warmup,
      runs,
      order: `interleaved: each run makes its ${calls} calls per path and tool in blocks of ${BLOCK}, every path and tool taking one block in turn, the turn order rotating by one each block; runs follow one another; one warm-up of ${warmup} calls per path and tool before run 1`,
      block_calls: BLOCK,
      pause_between_runs_s: pauseMs / 1000,
      statistic: `nearest-rank percentiles per run; median over ${runs} run(s) of each figure`,
      server_cpu: 'utime+stime of the server process (the kernel; the raw server for raw) from /proc over each measurement, per successful call',
      stdio_cpu: 'the same for the spawned paca-mcp process (stdio path only)',
      client_cpu: 'the runner\'s own CPU (process.cpuUsage) per call: fetch, JSON parsing, the SDK client',
      other_cpu_percent: 'CPU time of processes other than the runner, the two servers and paca-mcp, as a share of the machine (noise from neighbours)',
      d34: official,
    },
    tool_list: toolList,
    connect_ms: { stdio_spawn_to_initialized: round(stdio.readyMs, 1), http_initialize: round(httpReadyMs, 1) },
    answers: { response_chars: answers.response_chars, identical_to_rest: answers.identical_to_rest },
    results: summary,
    comparison,
    runs: measured,
    load_average: { start: loadStart.map((v) => round(v, 2)), end: os.loadavg().map((v) => round(v, 2)) },
    elapsed_s: round((Date.now() - started.getTime()) / 1000, 1),
  };
  await mkdir(resultsDir, { recursive: true });
  const file = path.join(resultsDir, `${result.name}.json`);
  await writeFile(`${file}.tmp`, `${JSON.stringify(result, null, 2)}\n`);
  await rename(`${file}.tmp`, file);
  for (const tool of ['get_task', 'list_tasks']) {
    log(`mcp bench [${tool}]: REST p50 ${summary.rest[tool].latency_ms.p50} ms; `
      + ['call', 'http', 'stdio'].map((k) => `${k} p50 ${summary[k][tool].latency_ms.p50} ms (${comparison[tool][k].ratio_p50}×, +${comparison[tool][k].overhead_p50_ms} ms)`).join('; '));
  }
  log(`mcp bench: wrote ${path.relative(process.cwd(), file)} in ${result.elapsed_s} s`);
  if (official) {
    await writeMcpSection();
    log('mcp bench: updated the "MCP" tables in bench/README.md');
  }
}

await runMain('mcp bench', main);
