// How busy the rest of the machine was during a run (Linux only; null elsewhere): CPU time spent by
// processes other than the load generator and the servers under test, as a percentage of the
// machine's total CPU time (steal included). PostgreSQL's own processes count as "other".
import { readFileSync } from 'node:fs';

function read(file) {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return null;
  }
}

export function cpuSample(pids) {
  const stat = read('/proc/stat');
  if (!stat) return null;
  const fields = stat.split('\n')[0].trim().split(/\s+/).slice(1, 9).map(Number);
  const [, , , idle, iowait] = fields;
  const total = fields.reduce((a, b) => a + b, 0);
  let ours = 0;
  for (const pid of pids) {
    const own = read(`/proc/${pid}/stat`);
    if (!own) continue;
    const rest = own.slice(own.lastIndexOf(')') + 2).split(' ');
    ours += Number(rest[11]) + Number(rest[12]); // utime + stime, all threads
  }
  return { total, busy: total - idle - iowait, ours };
}

export function otherCpuPercent(before, after) {
  if (!before || !after || after.total <= before.total) return null;
  const other = (after.busy - before.busy) - (after.ours - before.ours);
  return Number(((100 * Math.max(0, other)) / (after.total - before.total)).toFixed(1));
}
