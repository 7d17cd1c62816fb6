import type { ProjectSummary } from '@paca/plugin-sdk/web';
import { defineStore } from 'pinia';
import { ref } from 'vue';
import { api } from '../lib/api.js';
import { usePlugins } from './plugins.js';

export interface ProjectListItem extends ProjectSummary {
  created_at: string;
  updated_at: string;
}

/** The projects the user can read, and the one whose frame is open with the actions held there. */
export const useProjects = defineStore('shell.projects', () => {
  const list = ref<ProjectListItem[]>([]);
  const listLoaded = ref(false);
  const current = ref<ProjectSummary | null>(null);
  const actions = ref<ReadonlySet<string>>(new Set());
  const error = ref<unknown>(null);

  async function loadList(): Promise<void> {
    const page = await api.get<{ items: ProjectListItem[] }>('/projects', { page_size: 100 });
    list.value = page.items;
    listLoaded.value = true;
  }

  /** Opens a project frame: the project, the caller's actions in it and its plugins' slots. */
  async function open(projectId: string): Promise<void> {
    error.value = null;
    if (current.value?.id !== projectId) current.value = null;
    try {
      const [project, permissions] = await Promise.all([
        api.get<ProjectSummary>(`/projects/${projectId}`),
        api.get<{ actions: string[] }>(`/projects/${projectId}/members/me/permissions`).catch(() => ({ actions: [] as string[] })),
        usePlugins().loadProject(projectId),
      ]);
      current.value = project;
      actions.value = new Set(permissions.actions);
    } catch (failure) {
      error.value = failure;
      current.value = null;
    }
  }

  function replace(project: ProjectSummary): void {
    if (current.value?.id === project.id) current.value = project;
    list.value = list.value.map((p) => (p.id === project.id ? { ...p, ...project } : p));
  }

  return { list, listLoaded, current, actions, error, loadList, open, replace };
});
