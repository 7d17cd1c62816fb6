import type { Knex } from 'knex';
import type { Principal } from '../auth/principal.js';
import type { Clock } from '../clock.js';
import { PluginDisabled, PluginEnabled, PluginUninstalled } from '../events/kernel-events.js';
import type { Outbox } from '../events/outbox.js';
import { PluginDependencyDisabled, PluginIsCore, PluginNotFound, PluginNotLoaded, PluginRequiredBy } from './plugin-errors.js';
import { dropPluginSchema } from './plugin-migrations.js';
import type { PluginRecord, PluginRegistry } from './plugin-registry.js';
import type { ProjectLifecycle } from './project-lifecycle.js';

/**
 * Switching plugins on and off (D21), workspace-wide and per project, and uninstalling them.
 * Core plugins (`optional: false`) never switch off; a plugin another one requires cannot switch
 * off under it, and one cannot switch on while something it requires is off.
 */
export class PluginEnablement {
  constructor(private readonly registry: PluginRegistry, private readonly lifecycle: ProjectLifecycle,
    private readonly events: Outbox, private readonly clock: Clock) {}

  known(pluginId: string): PluginRecord {
    const record = this.registry.get(pluginId);
    if (!record || record.status === 'uninstalled') throw PluginNotFound({ plugin_id: pluginId });
    return record;
  }

  /**
   * Every switch and uninstall holds one lock and decides from the rows it then reads, not from
   * this replica's memory: two replicas switching a plugin and its dependency at once serialise.
   */
  private async lockedSwitches(tx: Knex.Transaction, pluginId: string): Promise<Map<string, boolean>> {
    await tx.raw("SELECT pg_advisory_xact_lock(hashtext('paca.plugins'))");
    const rows = (await tx('plugins').select('id', 'enabled')) as Array<{ id: string; enabled: boolean }>;
    const switches = new Map(rows.map((r) => [r.id, r.enabled]));
    // Uninstalled on another replica since this one last looked.
    if (!switches.has(pluginId)) throw PluginNotFound({ plugin_id: pluginId });
    return switches;
  }

  /** Workspace-wide switch; enabling provisions every project the plugin has not seen yet. */
  async setEnabled(tx: Knex.Transaction, pluginId: string, enabled: boolean, actor: Principal): Promise<PluginRecord> {
    const record = this.known(pluginId);
    const switches = await this.lockedSwitches(tx, pluginId);
    // Before the no-op check: a failed plugin's switch is usually still on, and "enabled" must not read as serving.
    if (enabled && record.status !== 'active') throw PluginNotLoaded({ plugin_id: pluginId, load_error: record.error?.code ?? 'unknown' });
    if (switches.get(pluginId) === enabled) return record;
    if (enabled) {
      const off = Object.keys(record.manifest!.requires).find((d) => !switches.get(d));
      if (off) throw PluginDependencyDisabled({ plugin_id: pluginId, dependency: off });
    } else {
      this.assertMayDisable(record, (other) => switches.get(other.id) === true);
    }
    await tx('plugins').where({ id: pluginId }).update({ enabled, updated_at: this.clock.now() });
    await this.events.emit(tx, enabled ? PluginEnabled : PluginDisabled, {
      projectId: null, actor, payload: { plugin_id: pluginId, project_id: null, version: record.manifest?.version ?? '' },
    });
    // Applied here once committed; other replicas re-read within seconds (PluginRegistry).
    tx.executionPromise.then(() => this.registry.setEnabled(pluginId, enabled), () => undefined);
    // Projects created while it was off get its seed data now, atomically with the switch (D20).
    if (enabled) await this.lifecycle.provisionAll(tx, pluginId);
    return record;
  }

  /** Per-project switch for optional plugins; the answer is the plugin's state in the project. */
  async setProjectEnabled(tx: Knex.Transaction, projectId: string, pluginId: string, enabled: boolean, actor: Principal): Promise<boolean> {
    const record = this.known(pluginId);
    await this.lockedSwitches(tx, pluginId);
    const now = this.clock.now();
    await tx.raw('INSERT INTO project_plugins (project_id, plugin_id, enabled, updated_at) VALUES (?, ?, true, ?) ON CONFLICT DO NOTHING', [projectId, pluginId, now]);
    const row = await tx('project_plugins').where({ project_id: projectId, plugin_id: pluginId }).forUpdate().first('enabled');
    if (enabled && record.status !== 'active') throw PluginNotLoaded({ plugin_id: pluginId, load_error: record.error?.code ?? 'unknown' });
    if (row.enabled === enabled) return enabled;
    const disabledHere = new Set((await tx('project_plugins').where({ project_id: projectId, enabled: false }).pluck('plugin_id')) as string[]);
    if (enabled) {
      const off = Object.keys(record.manifest?.requires ?? {}).find((d) => disabledHere.has(d));
      if (off) throw PluginDependencyDisabled({ plugin_id: pluginId, dependency: off });
    } else {
      this.assertMayDisable(record, (other) => !disabledHere.has(other.id));
    }
    await tx('project_plugins').where({ project_id: projectId, plugin_id: pluginId }).update({ enabled, updated_at: now });
    tx.executionPromise.then(() => this.registry.forgetDisabledPairs(), () => undefined);
    if (enabled && this.registry.isServing(pluginId)) await this.lifecycle.enable(tx, pluginId, projectId);
    await this.events.emit(tx, enabled ? PluginEnabled : PluginDisabled, {
      projectId, actor, payload: { plugin_id: pluginId, project_id: projectId, version: record.manifest?.version ?? '' },
    });
    return enabled;
  }

  /**
   * Uninstall (D21): the row and per-project switches go; the schema, its data and the plugin's
   * secrets stay unless `purge`. Files under DATA_DIR are the caller's to remove after commit.
   */
  async uninstall(tx: Knex.Transaction, pluginId: string, purge: boolean, actor: Principal): Promise<PluginRecord> {
    const record = this.known(pluginId);
    if (record.origin === 'core' || record.manifest?.optional === false) throw PluginIsCore({ plugin_id: pluginId });
    await this.lockedSwitches(tx, pluginId);
    this.assertMayDisable(record, () => true);
    await tx('project_plugins').where({ plugin_id: pluginId }).delete();
    await tx('plugins').where({ id: pluginId }).delete();
    if (purge) {
      await dropPluginSchema(tx, pluginId);
      await tx('plugin_secrets').where({ plugin_id: pluginId }).delete();
    }
    await this.events.emit(tx, PluginUninstalled, {
      projectId: null, actor, payload: { plugin_id: pluginId, version: record.manifest?.version ?? '', purged: purge },
    });
    tx.executionPromise.then(() => { record.status = 'uninstalled'; }, () => undefined);
    return record;
  }

  private assertMayDisable(record: PluginRecord, stillOn: (other: PluginRecord) => boolean): void {
    if (record.manifest?.optional === false) throw PluginIsCore({ plugin_id: record.id });
    const dependants = this.registry.list()
      .filter((other) => other.status === 'active' && other.manifest?.requires[record.id] !== undefined && stillOn(other))
      .map((other) => other.id);
    if (dependants.length > 0) throw PluginRequiredBy({ plugin_id: record.id, required_by: dependants });
  }
}
