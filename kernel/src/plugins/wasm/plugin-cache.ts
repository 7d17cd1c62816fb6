import type { Redis } from 'ioredis';

/** `cache.*` for WASM plugins: best effort, per plugin and scope; a miss is always a valid answer. */
export interface PluginCache {
  get(pluginId: string, scope: string, key: string): Promise<unknown>;
  /** `ttlSeconds` 0 = until evicted. */
  set(pluginId: string, scope: string, key: string, value: unknown, ttlSeconds: number): Promise<void>;
  delete(pluginId: string, scope: string, key: string): Promise<void>;
}

const MAX_VALUE_BYTES = 256 * 1024;

// Length-prefixed parts: no plugin can forge another's key with a clever separator.
const cacheKey = (namespace: string, pluginId: string, scope: string, key: string) =>
  `${namespace}plugin-cache:${pluginId.length}:${pluginId}:${scope.length}:${scope}:${key}`;

/** Services mode: shared by every kernel node. Redis being down means misses, never failures. */
export class RedisPluginCache implements PluginCache {
  constructor(private readonly redis: Redis, private readonly namespace: string) {}

  async get(pluginId: string, scope: string, key: string): Promise<unknown> {
    try {
      const value = await this.redis.get(cacheKey(this.namespace, pluginId, scope, key));
      return value === null ? null : JSON.parse(value);
    } catch {
      return null;
    }
  }

  async set(pluginId: string, scope: string, key: string, value: unknown, ttlSeconds: number): Promise<void> {
    const json = JSON.stringify(value);
    if (Buffer.byteLength(json) > MAX_VALUE_BYTES) return;
    const name = cacheKey(this.namespace, pluginId, scope, key);
    await (ttlSeconds > 0 ? this.redis.set(name, json, 'EX', ttlSeconds) : this.redis.set(name, json)).catch(() => undefined);
  }

  async delete(pluginId: string, scope: string, key: string): Promise<void> {
    await this.redis.del(cacheKey(this.namespace, pluginId, scope, key)).catch(() => undefined);
  }
}

/** Embedded mode: one process, so an in-memory map with expiry and a size bound. */
export class MemoryPluginCache implements PluginCache {
  private readonly entries = new Map<string, { json: string; expiresAt: number | null }>();

  constructor(private readonly now: () => number, private readonly maxEntries = 10_000) {}

  async get(pluginId: string, scope: string, key: string): Promise<unknown> {
    const name = cacheKey('', pluginId, scope, key);
    const entry = this.entries.get(name);
    if (!entry) return null;
    if (entry.expiresAt !== null && entry.expiresAt <= this.now()) {
      this.entries.delete(name);
      return null;
    }
    return JSON.parse(entry.json);
  }

  async set(pluginId: string, scope: string, key: string, value: unknown, ttlSeconds: number): Promise<void> {
    const json = JSON.stringify(value);
    if (Buffer.byteLength(json) > MAX_VALUE_BYTES) return;
    const name = cacheKey('', pluginId, scope, key);
    this.entries.delete(name);
    // Oldest first out when full (Map keeps insertion order).
    if (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(name, { json, expiresAt: ttlSeconds > 0 ? this.now() + ttlSeconds * 1000 : null });
  }

  async delete(pluginId: string, scope: string, key: string): Promise<void> {
    this.entries.delete(cacheKey('', pluginId, scope, key));
  }
}
