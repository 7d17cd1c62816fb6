import type { Component } from 'vue';

const modules = new Map<string, Promise<Record<string, Component>>>();

/**
 * Imports a plugin's web module once (its bare imports resolve through the page's import map)
 * and links its stylesheets before the first component renders.
 */
export function loadPluginModule(pluginId: string, moduleUrl: string, styleUrls: string[]): Promise<Record<string, Component>> {
  let loading = modules.get(pluginId);
  if (!loading) {
    const styles = Promise.all(styleUrls.map((href) => new Promise<void>((resolve) => {
      if (document.querySelector(`link[data-plugin-style="${CSS.escape(href)}"]`)) return resolve();
      const link = document.createElement('link');
      link.rel = 'stylesheet';
      link.href = href;
      link.dataset.pluginStyle = href;
      // A missing stylesheet must not keep the plugin from rendering.
      link.onload = () => resolve();
      link.onerror = () => resolve();
      document.head.appendChild(link);
    })));
    loading = Promise.all([import(/* @vite-ignore */ moduleUrl) as Promise<Record<string, Component>>, styles]).then(([module]) => module);
    loading.catch(() => modules.delete(pluginId));
    modules.set(pluginId, loading);
  }
  return loading;
}
