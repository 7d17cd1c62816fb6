// How busy the rest of the machine was during a run (Linux only; null elsewhere): CPU time spent by
// processes other than the load generator and the servers under test, as a percentage of the
// machine's total CPU time (steal included). PostgreSQL's own processes count as "other".
import { readFileSync } from 'node:fs';

/** A /proc file's text, or null (not Linux, or the process is gone). */
export function readProc(file) {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return null;
  }
}

/** utime + stime of a process (all its threads), in clock ticks; null once it is gone. */
export function processCpuTicks(pid) {
  const own = readProc(`/proc/${pid}/stat`);
  if (!own) return null;
  const rest = own.slice(own.lastIndexOf(')') + 2).split(' ');
  return Number(rest[11]) + Number(rest[12]);
}

export function cpuSample(pids) {
  const stat = readProc('/proc/stat');
  if (!stat) return null;
  const fields = stat.split('\n')[0].trim().split(/\s+/).slice(1, 9).map(Number);
  const [, , , idle, iowait] = fields;
  const total = fields.reduce((a, b) => a + b, 0);
  let ours = 0;
  for (const pid of pids) ours += processCpuTicks(pid) ?? 0;
  return { total, busy: total - idle - iowait, ours };
}

export function otherCpuPercent(before, after) {
  if (!before || !after || after.total <= before.total) return null;
  const other = (after.busy - before.busy) - (after.ours - before.ours);
  return Number(((100 * Math.max(0, other)) / (after.total - before.total)).toFixed(1));
}
