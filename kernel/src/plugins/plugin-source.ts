import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, URL } from 'node:url'; // not the global one (happy-dom replaces it in web tests)
import type { PluginDefinition } from '@paca/plugin-sdk';

export type PluginOrigin = 'core' | 'installed';

/**
 * A plugin as found, before validation: its raw manifest and where its code lives. Tests and
 * `startTestKernel({ plugins })` pass `definition` directly instead of a folder.
 */
export interface PluginSource {
  origin: PluginOrigin;
  /** The plugin's folder (entry modules and WASM resolve against it); null for in-memory test plugins. */
  dir: string | null;
  manifest: unknown;
  definition?: PluginDefinition;
}

/** A folder that could not even yield a manifest (unreadable, not JSON). */
export interface DiscoveryFailure {
  pluginId: string;
  origin: PluginOrigin;
  message: string;
}

/** First-party plugins ship in the repository's `core-plugins/` (DESIGN 2). */
export const DEFAULT_CORE_PLUGINS_DIR = fileURLToPath(new URL('../../../core-plugins/', import.meta.url));

/** Every `<dir>/<id>/plugin.json` under `root`; a missing root holds no plugins. */
export async function discoverPlugins(root: string, origin: PluginOrigin): Promise<{ sources: PluginSource[]; failures: DiscoveryFailure[] }> {
  let entries: string[];
  try {
    entries = (await readdir(root, { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => e.name).sort();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { sources: [], failures: [] };
    throw error;
  }
  const sources: PluginSource[] = [];
  const failures: DiscoveryFailure[] = [];
  for (const name of entries) {
    const dir = path.join(root, name);
    let text: string;
    try {
      text = await readFile(path.join(dir, 'plugin.json'), 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue; // not a plugin folder (node_modules, web/ build output)
      failures.push({ pluginId: name, origin, message: `plugin.json is unreadable: ${(error as Error).message}` });
      continue;
    }
    try {
      sources.push({ origin, dir, manifest: JSON.parse(text) });
    } catch (error) {
      failures.push({ pluginId: name, origin, message: `plugin.json is not valid JSON: ${(error as Error).message}` });
    }
  }
  return { sources, failures };
}
