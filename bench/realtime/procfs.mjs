// CPU and memory of the processes in a run, read from /proc (Linux only; figures are null
// elsewhere). CPU is reported as a percentage of one core (100 = one core fully busy), the
// machine's as a percentage of all its cores.
import { execFileSync } from 'node:child_process';
import { cpuSample, otherCpuPercent, processCpuTicks as cpuTicks, readProc as read } from '../lib/cpu.mjs';
import { round } from '../lib/load.mjs';

const CLOCK_TICKS = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** Resident set size in MB (VmRSS); null once the process is gone. */
export function rssMb(pid) {
  const status = read(`/proc/${pid}/status`);
  const match = status?.match(/^VmRSS:\s+(\d+)\s+kB/m);
  return match ? Number(match[1]) / 1024 : null;
}

/** The machine's CPU counters (all cores): total and busy ticks, steal counted as busy. */
function machineTicks() {
  const stat = read('/proc/stat');
  if (!stat) return null;
  const fields = stat.split('\n')[0].trim().split(/\s+/).slice(1, 9).map(Number);
  const total = fields.reduce((a, b) => a + b, 0);
  return { total, busy: total - fields[3] - fields[4] };
}

/**
 * Samples a set of named process groups (`{ kernel_1: [pid], workers: [pid, …] }`) over one
 * measured window: CPU from the counters at start and stop, RSS every `rssEveryMs`.
 */
export function startSampler(groups, { rssEveryMs = 250 } = {}) {
  const pids = [...new Set(Object.values(groups).flat())];
  const startedAt = process.hrtime.bigint();
  const machineBefore = machineTicks();
  const otherBefore = cpuSample(pids);
  const before = new Map(pids.map((pid) => [pid, cpuTicks(pid)]));
  const rss = new Map(pids.map((pid) => [pid, []]));
  const sampleRss = () => {
    for (const pid of pids) {
      const value = rssMb(pid);
      if (value !== null) rss.get(pid).push(value);
    }
  };
  sampleRss();
  const timer = setInterval(sampleRss, rssEveryMs);

  return function stop() {
    clearInterval(timer);
    sampleRss();
    const seconds = Number(process.hrtime.bigint() - startedAt) / 1e9;
    const machineAfter = machineTicks();
    const otherAfter = cpuSample(pids);
    const percentOf = (pid) => {
      const a = before.get(pid);
      const b = cpuTicks(pid);
      return a === null || b === null ? null : (100 * (b - a)) / CLOCK_TICKS / seconds;
    };
    const cpu = {};
    const memory = {};
    for (const [name, members] of Object.entries(groups)) {
      const each = members.map(percentOf);
      const known = each.filter((v) => v !== null);
      cpu[name] = known.length ? round(known.reduce((a, b) => a + b, 0), 1) : null;
      if (members.length > 1) cpu[`${name}_each`] = each.map((v) => round(v, 1));
      const samples = members.map((pid) => rss.get(pid));
      if (samples.every((s) => s.length > 0)) {
        // Summed over the group's processes, sample by sample (they are taken together).
        const length = Math.min(...samples.map((s) => s.length));
        const sums = Array.from({ length }, (_, i) => samples.reduce((total, s) => total + s[i], 0));
        memory[name] = { mean: round(sums.reduce((a, b) => a + b, 0) / sums.length, 1), max: round(Math.max(...sums), 1) };
      }
    }
    let machine = null;
    if (machineBefore && machineAfter && machineAfter.total > machineBefore.total) {
      machine = {
        busy_percent: round((100 * (machineAfter.busy - machineBefore.busy)) / (machineAfter.total - machineBefore.total), 1),
        // What the machine spent on processes not sampled here (other users of the machine,
        // PostgreSQL's background processes), as a share of all cores (bench/lib/cpu.mjs).
        other_percent: otherCpuPercent(otherBefore, otherAfter),
      };
    }
    return { seconds: round(seconds, 2), cpu_percent_of_one_core: cpu, rss_mb: memory, machine };
  };
}
