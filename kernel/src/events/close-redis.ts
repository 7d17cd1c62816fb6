import type { Redis } from 'ioredis';

/**
 * Closes a Redis connection after the commands already sent have their answers (QUIT), so no
 * caller's pending promise is rejected with "Connection is closed" at shutdown; falls back to a
 * hard disconnect when Redis does not answer in time (or is down).
 */
export async function closeRedis(redis: Redis, timeoutMs = 1_000): Promise<void> {
  if (redis.status === 'end') return;
  if (redis.status !== 'ready') {
    redis.disconnect();
    return;
  }
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timeout'>((resolve) => { timer = setTimeout(() => resolve('timeout'), timeoutMs); });
  const result = await Promise.race([redis.quit().catch(() => 'failed' as const), timedOut]);
  clearTimeout(timer);
  if (result !== 'OK') redis.disconnect();
}
