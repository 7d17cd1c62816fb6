#!/usr/bin/env node
// Renders the tables of bench/README.md's "MCP" section from bench/results/mcp/*.json, between the
// two mcp markers (in the hand-written part of the README, above bench/report.mjs's marker, so the
// generators do not step on each other).
//
//   node bench/mcp/report.mjs           rewrite the tables
//   node bench/mcp/report.mjs --check   exit 1 when the tables are not what the results generate
import { loadResults as loadResultFiles, reportCli, writeSection } from '../lib/readme-section.mjs';

async function loadResults() {
  const all = await loadResultFiles('mcp');
  // PGlite first: the tool list is rendered from the first result.
  return all.sort((a, b) => (a.parameters.backend === 'pglite' ? 0 : 1) - (b.parameters.backend === 'pglite' ? 0 : 1));
}

const num = (v, digits = 1) => (v === null || v === undefined ? '–' : Number(v).toFixed(digits));
const int = (v) => (v === null || v === undefined ? '–' : Math.round(v).toLocaleString('en-US'));
const backendName = (b) => (b === 'pglite' ? 'PGlite' : 'PostgreSQL');
const when = (iso) => `${iso.slice(0, 16).replace('T', ' ')} UTC`;
const share = (part, whole) => (whole ? `${Math.round((100 * part) / whole)} %` : '–');

function toolListTable(r) {
  const t = r.tool_list;
  const out = [];
  out.push(`**Tool list** (\`tools/list\` over \`/mcp\` with the admin's API key; kernel dist \`${r.software.kernel_build?.dist_sha256}\`, mcp dist \`${r.software.mcp_build?.dist_sha256}\`${r.software.mcp_build_at_end ? ' (loaded at start; rebuilt during the run)' : ''}, ${when(r.date)})`, '');
  out.push('| Tools listed | Tools | Characters | ≈ Tokens (characters / 4) | Mean characters per tool | Descriptions / input schemas |');
  out.push('|---|---:|---:|---:|---:|---:|');
  const row = (label, f) => out.push(`| ${label} | ${f.tools} | ${int(f.chars)} | ${int(f.tokens_approx)} | ${int(f.mean_chars_per_tool)} | ${share(f.parts_chars.description, f.chars)} / ${share(f.parts_chars.input_schema, f.chars)} |`);
  row('All (no `toolsets`)', t.full);
  row('Read-only (`read_only=true`)', t.read_only);
  const sets = Object.entries(t.toolsets).sort(([, a], [, b]) => b.chars - a.chars);
  for (const [name, f] of sets) row(`\`toolsets=${name}\``, f);
  out.push('', '| Largest tools | Toolset | Characters | ≈ Tokens |', '|---|---|---:|---:|');
  for (const tool of t.full.largest) out.push(`| \`${tool.name}\` | ${tool.toolset ?? '–'} | ${int(tool.chars)} | ${int(tool.tokens_approx)} |`);
  const c = t.checks;
  out.push('', `Characters: the compact JSON of the \`tools\` array as sent (name, title, description, inputSchema, annotations per tool). `
    + (c.toolset_sum_tools === t.full.tools && sets.every(([, f]) => !f.not_in_toolset) ? `The ${sets.length} toolsets split the ${t.full.tools} tools without overlap.` : `The ${sets.length} toolsets list ${c.toolset_sum_tools} tools in all against ${t.full.tools} without \`toolsets\`.`)
    + ` The official SDK client receives the same list over Streamable HTTP (${c.sdk_http_tools} tools, ${int(c.sdk_http_chars)} characters) and over stdio (${c.sdk_stdio_tools} tools, ${c.stdio_same_as_http ? 'identical' : '**not identical**'}).`);
  return out;
}

const PATHS = [
  ['rest', 'REST route, with ids (baseline)'],
  ['call', '`POST /api/v1/mcp/tools/:name/call`'],
  ['http', 'MCP Streamable HTTP `/mcp`, SDK client'],
  ['stdio', 'MCP stdio, `paca-mcp`, SDK client'],
];

function latencyTable(r) {
  const s = r.results;
  const c = r.comparison;
  const p = r.parameters;
  const others = Object.values(s).flatMap((tools) => Object.values(tools).map((m) => m.other_cpu_percent)).filter((v) => typeof v === 'number');
  const out = [];
  out.push(`**Tool-call latency, ${backendName(p.backend)}** (${when(r.date)}, ${r.machine.cpu_count} × ${r.machine.cpu_model}, Node ${r.machine.node}, SDK ${r.software.mcp_sdk}; `
    + `closed loop, one client, ${p.runs} × ${p.calls_per_measurement} sequential calls per path and tool in interleaved blocks of ${p.block_calls}, median of the runs; `
    + `CPU used by other processes on the machine: ${num(Math.min(...others), 0)}–${num(Math.max(...others), 0)} %, 1-min load average ${num(r.load_average.start[0], 2)} at the start, ${num(r.load_average.end[0], 2)} at the end)`, '');
  out.push('| Path | `get_task` p50 / p95 ms | vs REST p50 | `list_tasks` p50 / p95 ms | vs REST p50 | Kernel CPU ms/call (get / list) | `paca-mcp` CPU ms/call (get / list) |');
  out.push('|---|---:|---:|---:|---:|---:|---:|');
  const versus = (tool, key) => (key === 'rest' ? '1' : `${num(c[tool][key].ratio_p50, 2)}× (${c[tool][key].overhead_p50_ms >= 0 ? '+' : '−'}${num(Math.abs(c[tool][key].overhead_p50_ms))} ms)`);
  for (const [key, label] of PATHS) {
    const g = s[key].get_task;
    const l = s[key].list_tasks;
    out.push(`| ${label} | ${num(g.latency_ms.p50)} / ${num(g.latency_ms.p95)} | ${versus('get_task', key)} | ${num(l.latency_ms.p50)} / ${num(l.latency_ms.p95)} | ${versus('list_tasks', key)}`
      + ` | ${num(g.server_cpu_ms_per_call)} / ${num(l.server_cpu_ms_per_call)} | ${key === 'stdio' ? `${num(g.stdio_cpu_ms_per_call)} / ${num(l.stdio_cpu_ms_per_call)}` : '–'} |`);
  }
  const raw = s.raw.raw;
  out.push(`| bare Fastify \`/raw\` (reference, same fetch client) | ${num(raw.latency_ms.p50, 2)} / ${num(raw.latency_ms.p95, 2)} | | | | ${num(raw.server_cpu_ms_per_call)} (raw server) | |`);
  const rc = r.answers.response_chars;
  out.push('', '| One answer, characters (≈ tokens) | REST body | Call-route body | MCP text content (what the model reads) |', '|---|---:|---:|---:|');
  for (const [tool, label] of [['get_task', '`get_task` (one task with its context)'], ['list_tasks', `\`list_tasks\` (first page of ${p.tools.list_tasks.match(/pageSize: (\d+)/)?.[1] ?? '?'})`]]) {
    out.push(`| ${label} | ${int(rc[tool].rest)} | ${int(rc[tool].call)} | ${int(rc[tool].http)} (≈ ${int(rc[tool].http / 4)}) |`);
  }
  const same = r.answers.identical_to_rest;
  out.push('', `Paths: ${p.tools.get_task}; ${p.tools.list_tasks}. Every path answered the same data as REST (${same.get_task && same.list_tasks ? 'checked before timing' : '**not identical**: see the result file'}); `
    + `${Object.values(s).flatMap((tools) => Object.values(tools)).reduce((t, m) => t + m.failures, 0)} failed calls. `
    + `Connecting: \`paca-mcp\` spawned and initialised in ${num(r.connect_ms.stdio_spawn_to_initialized, 0)} ms, the HTTP client's \`initialize\` ${num(r.connect_ms.http_initialize, 0)} ms (once each, not in the table). `
    + `Result file: \`bench/results/mcp/${r.file}\`.`);
  return out;
}

export function renderTables(results) {
  if (results.length === 0) return '_No results yet: run `node bench/mcp/run.mjs`._';
  const out = [...toolListTable(results[0])];
  for (const r of results) out.push('', ...latencyTable(r));
  return out.join('\n').trimEnd();
}

export async function writeMcpSection({ check = false } = {}) {
  return writeSection('mcp', renderTables(await loadResults()), { check });
}

await reportCli(import.meta.url, 'mcp', writeMcpSection);
