import type { PluginManifest } from '@paca/plugin-sdk';
import type { Knex } from 'knex';
import type { Clock } from '../clock.js';
import { affectedRows } from '../db/database.js';
import type { SecretBox } from '../secrets/secret-box.js';
import { PluginSecretUndeclared } from './plugin-errors.js';

/**
 * The secrets a plugin's manifest declares (API tokens, webhook keys), set by admins and read by
 * the plugin alone. Values are sealed under ENCRYPTION_KEY, bound to plugin and key, and never
 * returned by the API.
 */
export class PluginSecrets {
  constructor(private readonly box: SecretBox, private readonly clock: Clock) {}

  private static context(pluginId: string, key: string): string {
    return `plugin:${pluginId}:secret:${key}`;
  }

  private static assertDeclared(manifest: PluginManifest, key: string): void {
    if (!manifest.secrets.some((s) => s.key === key)) throw PluginSecretUndeclared({ plugin_id: manifest.id, key });
  }

  async get(db: Knex, manifest: PluginManifest, key: string): Promise<string | null> {
    PluginSecrets.assertDeclared(manifest, key);
    const row = await db('plugin_secrets').where({ plugin_id: manifest.id, key }).first('ciphertext');
    return row ? this.box.open(row.ciphertext, PluginSecrets.context(manifest.id, key)) : null;
  }

  async set(db: Knex, manifest: PluginManifest, key: string, value: string, actorId: string | null): Promise<void> {
    PluginSecrets.assertDeclared(manifest, key);
    const now = this.clock.now();
    const ciphertext = this.box.seal(value, PluginSecrets.context(manifest.id, key));
    await db('plugin_secrets').insert({ plugin_id: manifest.id, key, ciphertext, updated_by: actorId, updated_at: now })
      .onConflict(['plugin_id', 'key']).merge({ ciphertext, updated_by: actorId, updated_at: now });
  }

  async remove(db: Knex, manifest: PluginManifest, key: string): Promise<boolean> {
    PluginSecrets.assertDeclared(manifest, key);
    return affectedRows(await db('plugin_secrets').where({ plugin_id: manifest.id, key }).delete()) > 0;
  }

  /** Which declared secrets are set (never their values). */
  async status(db: Knex, manifest: PluginManifest) {
    const rows = (await db('plugin_secrets').where({ plugin_id: manifest.id }).select('key', 'updated_at')) as Array<{ key: string; updated_at: Date }>;
    const set = new Map(rows.map((r) => [r.key, r.updated_at]));
    return manifest.secrets.map((s) => ({
      key: s.key, description: s.description, required: s.required, set: set.has(s.key),
      updated_at: set.has(s.key) ? new Date(set.get(s.key)!).toISOString() : null,
    }));
  }
}
