// The change driver: `rate` changes per second, spread evenly (change i is due at start + i/rate,
// not a burst per second), open loop — a slow answer does not delay the next change, so the
// offered rate stays fixed and a kernel that falls behind shows it in the achieved rate.
import http from 'node:http';
import { percentile, round } from '../lib/load.mjs';

// node:http with keep-alive rather than fetch: the driver shares the machine with what it
// measures, and undici's fetch costs about twice the CPU per request.
const agent = new http.Agent({ keepAlive: true });

/** One HTTP request; resolves with `{ status, body }` (body as text). */
export function request(url, { method = 'GET', headers = {}, body } = {}) {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, agent, headers }, (res) => {
      const chunks = [];
      res.on('data', (chunk) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode, body: Buffer.concat(chunks).toString() }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

/**
 * Sends `count` changes; `send(i)` issues change i and resolves with its `request()` answer.
 * `onAllSent` is called right after the last change is sent (the end of the measured window);
 * resolves once every change has been answered.
 */
export async function drive({ rate, count, send, onAllSent = () => {} }) {
  const intervalMs = 1000 / rate;
  const started = performance.now();
  const answers = [];
  const latencies = [];
  let ok = 0;
  const failures = {};
  for (let i = 0; i < count; i++) {
    const due = started + i * intervalMs;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    const sentAt = performance.now();
    answers.push(send(i).then(({ status }) => {
      latencies.push(performance.now() - sentAt);
      if (status >= 200 && status < 300) ok += 1;
      else failures[status] = (failures[status] ?? 0) + 1;
    }, (error) => {
      failures[error.code ?? error.message] = (failures[error.code ?? error.message] ?? 0) + 1;
    }));
  }
  const sendSeconds = (performance.now() - started) / 1000;
  onAllSent();
  await Promise.all(answers);
  latencies.sort((a, b) => a - b);
  return {
    sent: count,
    ok,
    failures,
    // Over the sending window, which ends with the last change sent (count - 1 intervals).
    achieved_rate: round(count > 1 ? (count - 1) / sendSeconds : count, 1),
    response_ms: { p50: round(percentile(latencies, 50), 2), p99: round(percentile(latencies, 99), 2), max: round(latencies.at(-1) ?? null, 2) },
  };
}
