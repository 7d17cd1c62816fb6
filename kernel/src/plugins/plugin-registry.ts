import type { PacaError, PluginManifest, ProjectHook } from '@paca/plugin-sdk';
import type { Knex } from 'knex';
import type { LiveProject } from '../http/router.js';
import { loadLiveProject } from '../http/router.js';
import type { GrantedRole, RoleGrantSource } from '../iam/iam-service.js';
import { PluginNotEnabled, PluginNotFound } from './plugin-errors.js';
import type { PluginOrigin } from './plugin-source.js';

export type PluginStatus = 'active' | 'failed' | 'uninstalled';

/** One plugin as the host knows it: loaded and serving, or failed with the coded error that says why. */
export interface PluginRecord {
  id: string;
  origin: PluginOrigin;
  /** Its folder (web files are served from it); null for in-memory test plugins. */
  dir: string | null;
  /** Null when the manifest itself was unreadable or invalid. */
  manifest: PluginManifest | null;
  status: PluginStatus;
  error: PacaError | null;
  /** Workspace-wide switch (D21), mirrored from the `plugins` table. */
  enabled: boolean;
  hooks: { created: ProjectHook[]; enabled: ProjectHook[] };
  /** Position in dependency order; dependants come later. */
  order: number;
  /** Migrations this boot applied. */
  migrationsApplied: string[];
}

/** How long another node's enable/disable may take to reach this one. */
const ENABLED_TTL_MS = 2_000;

/**
 * The host's state: every plugin it found, whether each serves, and the per-request gate (D21).
 * Workspace-wide switches are cached briefly and re-read, so replicas agree within seconds; a
 * switch made on this node applies at once.
 */
export class PluginRegistry implements RoleGrantSource {
  private readonly records = new Map<string, PluginRecord>();
  /** Failed records that share an id with another record (listed, never served). */
  private readonly shadowed: PluginRecord[] = [];
  private enabledReadAt = 0;
  private refreshing: Promise<void> | null = null;
  private disabled: { pairs: ReadonlySet<string>; readAt: number } | null = null;

  constructor(private readonly db: Knex) {}

  /**
   * Records a plugin. Two records under one id (a duplicate, or a broken manifest claiming a
   * loaded plugin's id) are both kept: the loaded one answers `get`, both are listed.
   */
  add(record: PluginRecord): void {
    const existing = this.records.get(record.id);
    if (!existing) {
      this.records.set(record.id, record);
    } else if (existing.status === 'active' || record.error?.code === 'PLUGIN_NAME_TAKEN') {
      this.shadowed.push(record);
    } else {
      this.shadowed.push(existing);
      this.records.set(record.id, record);
    }
  }

  get(id: string): PluginRecord | undefined {
    return this.records.get(id);
  }

  /** Every plugin found, in dependency order (failed ones last, by id). */
  list(): PluginRecord[] {
    return [...this.records.values(), ...this.shadowed].filter((r) => r.status !== 'uninstalled')
      .sort((a, b) => a.order - b.order || a.id.localeCompare(b.id));
  }

  /** Loaded and switched on workspace-wide, in dependency order. */
  serving(): PluginRecord[] {
    return this.list().filter((r) => r.status === 'active' && r.enabled);
  }

  isServing(id: string): boolean {
    const record = this.records.get(id);
    return record?.status === 'active' && record.enabled;
  }

  grants(role: GrantedRole): Array<{ pluginId: string; actions: readonly string[] }> {
    const result: Array<{ pluginId: string; actions: readonly string[] }> = [];
    for (const record of this.serving()) {
      const actions = record.manifest!.role_grants[role];
      if (actions && actions.length > 0) result.push({ pluginId: record.id, actions });
    }
    return result;
  }

  setEnabled(id: string, enabled: boolean): void {
    const record = this.records.get(id);
    if (record) record.enabled = enabled;
  }

  /**
   * The gate of every plugin route: 404 `PLUGIN_NOT_FOUND` once uninstalled, 404
   * `PLUGIN_NOT_ENABLED` when switched off workspace-wide or for the route's project.
   */
  async assertServing(id: string, params: Record<string, string>, project: LiveProject | null): Promise<void> {
    await this.refreshEnabled();
    const record = this.records.get(id);
    if (!record || record.status === 'uninstalled') throw PluginNotFound({ plugin_id: id });
    if (!this.isServing(id)) throw PluginNotEnabled({ plugin_id: id });
    if (params.projectId) {
      // Routes that are not gated (public or authenticated) did not load the project yet.
      const live = project ?? await loadLiveProject(this.db, params.projectId).catch(() => null);
      if (live && live.disabled_plugins.includes(id)) throw PluginNotEnabled({ plugin_id: id });
    }
  }

  /**
   * Re-reads workspace-wide switches when the cached copy is older than the TTL. A handler inside a
   * transaction passes it as `db`: on PGlite the pool's only connection is that transaction's, so a
   * read through the pool would wait for it forever.
   */
  async refreshEnabled(db?: Knex): Promise<void> {
    if (this.clockMs() - this.enabledReadAt < ENABLED_TTL_MS) return;
    if (db) return this.readEnabled(db);
    this.refreshing ??= this.readEnabled(this.db).finally(() => {
      this.refreshing = null;
    });
    await this.refreshing;
  }

  private async readEnabled(db: Knex): Promise<void> {
    const rows = (await db('plugins').select('id', 'enabled')) as Array<{ id: string; enabled: boolean }>;
    const present = new Set(rows.map((r) => r.id));
    for (const row of rows) this.setEnabled(row.id, row.enabled);
    // Uninstalled on another node: stop serving here too.
    for (const record of this.records.values()) if (record.manifest && !present.has(record.id) && record.status === 'active') record.status = 'uninstalled';
    this.enabledReadAt = this.clockMs();
  }

  /**
   * Per-project switches for role-grant evaluation (D16), cached like the workspace-wide ones so
   * a request does not pay a query for them; routes still check the live project (the gate).
   * The table holds a row per switched-off pair only, so the set stays small.
   */
  async disabledPairs(db: Knex): Promise<ReadonlySet<string>> {
    if (this.disabled && this.clockMs() - this.disabled.readAt < ENABLED_TTL_MS) return this.disabled.pairs;
    const rows = (await db('project_plugins').where({ enabled: false }).select('project_id', 'plugin_id')) as Array<{ project_id: string; plugin_id: string }>;
    this.disabled = { pairs: new Set(rows.map((r) => `${r.project_id}/${r.plugin_id}`)), readAt: this.clockMs() };
    return this.disabled.pairs;
  }

  /** A per-project switch changed on this node: apply it at once. */
  forgetDisabledPairs(): void {
    this.disabled = null;
  }

  /** Wall time, not the kernel clock: tests freeze the kernel clock, replicas must still converge. */
  private clockMs(): number {
    return Date.now();
  }
}
