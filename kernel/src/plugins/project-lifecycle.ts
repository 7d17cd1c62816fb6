import { pluginSchemaName, type ProjectRef } from '@paca/plugin-sdk';
import type { Knex } from 'knex';
import type { Clock } from '../clock.js';
import { runWithConnection } from './plugin-call-context.js';
import { bindPluginDb } from './plugin-db.js';
import type { PluginRecord, PluginRegistry } from './plugin-registry.js';

const PROJECT_REF_COLUMNS = ['id', 'name', 'task_id_prefix', 'is_public', 'created_by'];

/**
 * Plugins' per-project seeding (D20). `onProjectCreated` hooks run inside the project-create
 * transaction, so a request right after `POST /projects` finds the seeded data;
 * `onProjectEnabled` hooks run for existing projects when a plugin first reaches them (installed,
 * enabled workspace-wide, or switched on for the project). Each plugin provisions a project once:
 * `project_plugins.provisioned_at` records it, under a row lock so replicas never do it twice.
 */
export class ProjectLifecycle {
  constructor(private readonly registry: PluginRegistry, private readonly clock: Clock) {}

  /** Runs every serving plugin's `onProjectCreated` hooks, in dependency order, in the caller's transaction. */
  async created(tx: Knex, project: ProjectRef): Promise<void> {
    for (const record of this.registry.serving()) {
      if (!hasHooks(record)) continue;
      const db = bindPluginDb(tx, pluginSchemaName(record.id));
      for (const hook of record.hooks.created) await runWithConnection(tx, () => hook(db, project));
      const now = this.clock.now();
      await tx('project_plugins').insert({ project_id: project.id, plugin_id: record.id, enabled: true, provisioned_at: now, updated_at: now })
        .onConflict(['project_id', 'plugin_id']).merge({ provisioned_at: now, updated_at: now });
    }
  }

  /** Provisions one project for one plugin unless done before; returns whether hooks ran. */
  async enable(tx: Knex, pluginId: string, projectId: string): Promise<boolean> {
    const record = this.registry.get(pluginId);
    if (!record || !hasHooks(record)) return false;
    const now = this.clock.now();
    await tx.raw('INSERT INTO project_plugins (project_id, plugin_id, enabled, updated_at) VALUES (?, ?, true, ?) ON CONFLICT DO NOTHING', [projectId, pluginId, now]);
    const row = await tx('project_plugins').where({ project_id: projectId, plugin_id: pluginId }).forUpdate().first('provisioned_at');
    if (row?.provisioned_at) return false;
    const project = (await tx('projects').where({ id: projectId }).whereNull('deleted_at').first(PROJECT_REF_COLUMNS)) as ProjectRef | undefined;
    if (!project) return false;
    const db = bindPluginDb(tx, pluginSchemaName(pluginId));
    for (const hook of record.hooks.enabled) await runWithConnection(tx, () => hook(db, project));
    await tx('project_plugins').where({ project_id: projectId, plugin_id: pluginId }).update({ provisioned_at: now, updated_at: now });
    return true;
  }

  /** Every live project this plugin has not provisioned and that has it switched on, one transaction each. */
  async provisionAll(db: Knex, pluginId: string): Promise<number> {
    const record = this.registry.get(pluginId);
    if (!record || !hasHooks(record)) return 0;
    const pending = (await db('projects as p')
      .leftJoin('project_plugins as pp', (j) => j.on('pp.project_id', '=', 'p.id').andOnVal('pp.plugin_id', '=', pluginId))
      .whereNull('p.deleted_at').whereNull('pp.provisioned_at')
      .where((q) => q.whereNull('pp.enabled').orWhere('pp.enabled', true))
      .orderBy('p.created_at').pluck('p.id')) as string[];
    let provisioned = 0;
    for (const projectId of pending) if (await db.transaction((tx) => this.enable(tx, pluginId, projectId))) provisioned++;
    return provisioned;
  }
}

function hasHooks(record: PluginRecord): boolean {
  return record.hooks.created.length > 0 || record.hooks.enabled.length > 0;
}
