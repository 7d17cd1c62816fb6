// The machine a benchmark ran on, recorded in every result file (D34).
import os from 'node:os';
import { round } from './load.mjs';

export function machineInfo() {
  const cpus = os.cpus();
  return {
    cpu_model: cpus[0]?.model.trim() ?? 'unknown',
    cpu_count: cpus.length,
    total_memory_gib: round(os.totalmem() / 2 ** 30, 1),
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
  };
}
