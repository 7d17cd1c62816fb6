// One autocannon run, with latencies taken from every response rather than from autocannon's
// histogram: its histogram has 1 ms resolution, and with `overallRate` it applies a coordinated
// omission correction whose expected interval is `ceil(1 / per-connection rate)` = 1 ms, which
// back-fills a synthetic sample for every millisecond of every response (a 20 ms response is
// recorded as 20, 19, … 1 ms). We pass `ignoreCoordinatedOmission` and keep the raw values.
import autocannon from 'autocannon';

/** Nearest-rank percentile of an ascending array. */
export function percentile(sorted, p) {
  if (sorted.length === 0) return null;
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(rank, sorted.length) - 1];
}

export function median(values) {
  const present = values.filter((v) => typeof v === 'number' && Number.isFinite(v)).sort((a, b) => a - b);
  if (present.length === 0) return null;
  const mid = Math.floor(present.length / 2);
  return present.length % 2 ? present[mid] : (present[mid - 1] + present[mid]) / 2;
}

export const round = (value, digits = 2) => (value === null || value === undefined ? null : Number(value.toFixed(digits)));

/**
 * How a fixed offered rate is produced (D34: autocannon `overallRate`, 200 req/s over 20
 * connections). autocannon's rate limit is per connection and per second, and all connections
 * share one timer: each connection sends its quota back to back as soon as a second starts. With
 * one instance (`burst`) the whole second's quota therefore arrives at once from 20 connections,
 * so every second begins with 20 requests queued and latencies approach those at saturation.
 * `staggered` (the default) runs one autocannon instance per connection, each with its share of
 * `overallRate`, started 1000/connections ms apart: the same rate, connections and tool, with the
 * connections' seconds spread over the second instead of aligned.
 */
export const SCHEDULES = {
  staggered: 'one autocannon instance per connection, each with overallRate = rate / connections, started 1000 / connections ms apart (each connection sends its share of a second back to back; connections are phase-shifted)',
  burst: 'one autocannon instance with overallRate = rate over all connections (all connections send their share at the start of each second)',
};

/**
 * Runs autocannon. `target` is autocannon options (`url`, `method`, `headers`, `body`, `requests`);
 * `rate` is the overall offered rate in req/s, or null for saturation (one instance, closed loop).
 */
export async function runLoad({ target, connections, durationS, rate, schedule = 'staggered' }) {
  const latencies = [];
  const statusCounts = {};
  const onResponse = (_client, statusCode, _bytes, responseTime) => {
    statusCounts[statusCode] = (statusCounts[statusCode] ?? 0) + 1;
    if (statusCode >= 200 && statusCode < 300) latencies.push(responseTime);
  };
  const common = { ...target, duration: durationS, pipelining: 1, timeout: 10 };
  const launch = (options) => {
    const instance = autocannon({ ...common, ...options });
    instance.on('response', onResponse);
    return instance;
  };
  let results;
  if (rate && schedule === 'staggered') {
    const shares = Array.from({ length: connections }, (_, i) => Math.floor(rate / connections) + (i < rate % connections ? 1 : 0))
      .filter((share) => share > 0);
    const gapMs = 1000 / shares.length;
    results = await Promise.all(shares.map((share, i) => new Promise((resolve) => setTimeout(resolve, i * gapMs))
      .then(() => launch({ connections: 1, overallRate: share, ignoreCoordinatedOmission: true }))));
  } else if (rate) {
    results = [await launch({ connections, overallRate: rate, ignoreCoordinatedOmission: true })];
  } else {
    results = [await launch({ connections })];
  }
  latencies.sort((a, b) => a - b);
  const responses = Object.values(statusCounts).reduce((a, b) => a + b, 0);
  const ok = latencies.length;
  const sum = (key) => results.reduce((total, r) => total + r[key], 0);
  // Each instance's successful responses over its own duration, summed.
  const okRate = results.reduce((total, r) => total + r['2xx'] / r.duration, 0);
  const mean = ok ? latencies.reduce((a, b) => a + b, 0) / ok : null;
  return {
    duration_s: round(Math.max(...results.map((r) => r.duration)), 2),
    responses,
    ok_2xx: ok,
    non_2xx: responses - ok,
    errors: sum('errors'),
    timeouts: sum('timeouts'),
    status_codes: statusCounts,
    rate_2xx: round(okRate, 1),
    latency_ms: {
      p50: round(percentile(latencies, 50), 3),
      p90: round(percentile(latencies, 90), 3),
      p99: round(percentile(latencies, 99), 3),
      max: round(latencies.at(-1) ?? null, 3),
      mean: round(mean, 3),
    },
  };
}
