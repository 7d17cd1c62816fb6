import type { SlotDeclaration } from '@paca/plugin-sdk/web';
import { defineStore } from 'pinia';
import { ref } from 'vue';
import { api } from '../lib/api.js';

export interface PluginWeb {
  entry: string;
  module_url: string;
  style_urls: string[];
  slots: Array<Omit<SlotDeclaration, 'plugin_id'>>;
}

export interface ServingPlugin {
  id: string;
  name: string;
  description: string;
  version: string;
  optional: boolean;
  enabled_in_project?: boolean;
  web: PluginWeb | null;
}

/** The serving plugins and the slots the caller may see, workspace-wide and per project. */
export const usePlugins = defineStore('shell.plugins', () => {
  const workspace = ref<ServingPlugin[]>([]);
  const byProject = ref<Record<string, ServingPlugin[]>>({});

  async function loadWorkspace(): Promise<void> {
    workspace.value = (await api.get<{ plugins: ServingPlugin[] }>('/plugins')).plugins;
  }

  async function loadProject(projectId: string): Promise<ServingPlugin[]> {
    const { plugins } = await api.get<{ plugins: ServingPlugin[] }>('/plugins', { project_id: projectId });
    byProject.value = { ...byProject.value, [projectId]: plugins };
    return plugins;
  }

  /** Contributions to `slot`, in order; in a project only from plugins switched on there. */
  function slots(slot: string, projectId?: string | null): SlotDeclaration[] {
    const plugins = projectId ? (byProject.value[projectId] ?? []).filter((p) => p.enabled_in_project !== false) : workspace.value;
    return plugins
      .flatMap((plugin) => (plugin.web?.slots ?? []).filter((s) => s.slot === slot).map((s) => ({ ...s, plugin_id: plugin.id })))
      .sort((a, b) => a.order - b.order || a.plugin_id.localeCompare(b.plugin_id));
  }

  function plugin(id: string, projectId?: string | null): ServingPlugin | undefined {
    return (projectId ? byProject.value[projectId] : undefined)?.find((p) => p.id === id) ?? workspace.value.find((p) => p.id === id);
  }

  return { workspace, byProject, loadWorkspace, loadProject, slots, plugin };
});
