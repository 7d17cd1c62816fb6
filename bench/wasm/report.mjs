#!/usr/bin/env node
// Renders the table of bench/README.md's "WASM route overhead" section from
// bench/results/wasm/*.json, between the two wasm markers (in the hand-written part of the README,
// above bench/report.mjs's marker, so the generators do not step on each other).
//
//   node bench/wasm/report.mjs           rewrite the table
//   node bench/wasm/report.mjs --check   exit 1 when the table is not what the results generate
import { loadResults as loadResultFiles, reportCli, writeSection } from '../lib/readme-section.mjs';

const loadResults = () => loadResultFiles('wasm');

const num = (v, digits = 2) => (v === null || v === undefined ? '–' : Number(v).toFixed(digits));
const ROUTES = [['raw', 'bare Fastify `/raw`'], ['native_ping', 'native ping'], ['wasm_ping', 'WASM ping'], ['native_two_calls', 'native two-calls'], ['wasm_two_calls', 'WASM two-calls']];

export function renderTable(results) {
  if (results.length === 0) return '_No results yet: run `node bench/wasm/run.mjs`._';
  const out = [];
  for (const r of results) {
    const s = r.results;
    const rate = r.parameters.modes.latency_c20.match(/rate (\d+)/)?.[1] ?? '?';
    const others = ROUTES.flatMap(([k]) => Object.values(s[k]).map((m) => m.other_cpu_percent)).filter((v) => typeof v === 'number');
    out.push(`**${r.parameters.backend === 'pglite' ? 'PGlite' : 'PostgreSQL'}** (${r.date.slice(0, 16).replace('T', ' ')} UTC, ${r.machine.cpu_count} × ${r.machine.cpu_model}, Node ${r.machine.node}, kernel dist \`${r.software.kernel_build?.dist_sha256}\`; ${r.parameters.runs} × ${r.parameters.run_duration_s} s, median; CPU used by other processes on the machine during the measurements: ${num(Math.min(...others), 0)}–${num(Math.max(...others), 0)} %)`, '');
    out.push(`| Route | p50 / p99 ms at ${rate} req/s, 20 conn. | p50 / p99 ms, 1 conn. closed loop | req/s, 1 conn. | req/s, 20 conn. | Kernel CPU ms/req (20 conn.) |`);
    out.push('|---|---:|---:|---:|---:|---:|');
    for (const [key, label] of ROUTES) {
      const m = s[key];
      out.push(`| ${label} | ${num(m.latency_c20.latency_ms.p50)} / ${num(m.latency_c20.latency_ms.p99)} | ${num(m.closed_c1.latency_ms.p50)} / ${num(m.closed_c1.latency_ms.p99)}`
        + ` | ${num(m.closed_c1.req_s, 0)} | ${num(m.closed_c20.req_s, 0)} | ${key === 'raw' ? '–' : num(m.closed_c20.server_cpu_ms_per_request, 3)} |`);
    }
    const c = r.comparison;
    out.push('', '| Derived | at ' + rate + ' req/s, 20 conn. | 1 conn. closed loop | 20 conn. closed loop |', '|---|---:|---:|---:|');
    const row = (label, pick, digits = 2, closedOnly = false) => out.push(`| ${label} | ${['latency_c20', 'closed_c1', 'closed_c20'].map((k) => (closedOnly && k === 'latency_c20' ? null : pick(c[k]))).map((v) => (typeof v === 'string' ? v : num(v, digits))).join(' | ')} |`);
    row('WASM overhead, ping p50 / p99 ms', (x) => `${num(x.wasm_overhead_ms.ping.p50)} / ${num(x.wasm_overhead_ms.ping.p99)}`);
    row('WASM overhead, two-calls p50 / p99 ms', (x) => `${num(x.wasm_overhead_ms.two_calls.p50)} / ${num(x.wasm_overhead_ms.two_calls.p99)}`);
    row('Per host call p50 ms ((WASM two-calls − WASM ping) / 2)', (x) => x.per_host_call_ms_p50, 3);
    row('Per native read p50 ms (same, native)', (x) => x.per_native_read_ms_p50, 3);
    row('Throughput WASM / native, ping', (x) => x.throughput_ratio_wasm_to_native.ping, 3, true);
    row('Throughput WASM / native, two-calls', (x) => x.throughput_ratio_wasm_to_native.two_calls, 3, true);
    const t = r.target;
    out.push('', `Target (${t.text}): two-calls overhead p50 ${num(t.overhead_two_calls_p50_ms.latency_c20)} ms at ${rate} req/s and ${num(t.overhead_two_calls_p50_ms.closed_c1)} ms with one connection: `
      + `**${t.met ? 'met' : 'not met'}**; stretch goal **${t.stretch_met ? 'met' : 'not met'}**. Result file: \`bench/results/wasm/${r.file}\`.`, '');
  }
  return out.join('\n').trimEnd();
}

export async function writeWasmSection({ check = false } = {}) {
  return writeSection('wasm', renderTable(await loadResults()), { check });
}

await reportCli(import.meta.url, 'wasm', writeWasmSection);
