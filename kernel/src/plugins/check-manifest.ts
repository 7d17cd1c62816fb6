import path from 'node:path';
import { parseManifest, pluginNamespace, type ManifestIssue, type PluginManifest } from '@paca/plugin-sdk';
import type { Ajv } from 'ajv';
import { PluginInvalidManifest } from './plugin-errors.js';
import type { PluginSource } from './plugin-source.js';

/**
 * The zod schema plus what only the host can judge: namespaces (D16, D17), mount paths (DESIGN 4)
 * and that every JSON schema compiles. Core plugins may use the reference's names and paths.
 */
export function checkManifest(source: PluginSource, ajv: Ajv): PluginManifest {
  const rawId = typeof (source.manifest as { id?: unknown })?.id === 'string' ? (source.manifest as { id: string }).id : null;
  const fallbackId = rawId ?? (source.dir ? path.basename(source.dir) : 'unknown');
  const parsed = parseManifest(source.manifest);
  if (!parsed.success) throw PluginInvalidManifest({ plugin_id: fallbackId, issues: parsed.issues });
  const manifest = parsed.manifest;
  const issues: ManifestIssue[] = [];
  if (source.dir && path.basename(source.dir) !== manifest.id) issues.push({ path: 'id', message: `must equal its folder name ${path.basename(source.dir)}` });
  if (manifest.runtime === 'native' && source.dir === null && !source.definition) issues.push({ path: 'main', message: 'no code was supplied' });

  if (source.origin !== 'core') {
    const ns = pluginNamespace(manifest.id);
    manifest.actions.forEach((a, i) => {
      if (!a.action.startsWith(`${ns}:`)) issues.push({ path: `actions.${i}.action`, message: `must be in the plugin's namespace ${ns}:` });
    });
    manifest.events.forEach((e, i) => {
      if (!e.name.startsWith(`${ns}.`)) issues.push({ path: `events.${i}.name`, message: `must start with ${ns}.` });
    });
    manifest.mcp.tools.forEach((t, i) => {
      if (!t.name.startsWith(`${ns}_`)) issues.push({ path: `mcp.tools.${i}.name`, message: `must start with ${ns}_` });
    });
    manifest.routes.forEach((r, i) => {
      if (r.path !== `/plugins/${manifest.id}` && !r.path.startsWith(`/plugins/${manifest.id}/`)) {
        issues.push({ path: `routes.${i}.path`, message: `must be under /plugins/${manifest.id}/` });
      }
    });
  }

  const compiles = (schema: Record<string, unknown> | undefined, at: string) => {
    if (!schema) return;
    try {
      ajv.compile(schema);
    } catch (error) {
      issues.push({ path: at, message: `is not a valid JSON schema: ${(error as Error).message}` });
    }
  };
  manifest.routes.forEach((r, i) => {
    compiles(r.params, `routes.${i}.params`);
    compiles(r.query, `routes.${i}.query`);
    compiles(r.body, `routes.${i}.body`);
  });
  manifest.events.forEach((e, i) => compiles(e.schema, `events.${i}.schema`));
  manifest.mcp.tools.forEach((t, i) => compiles(t.input_schema, `mcp.tools.${i}.input_schema`));
  if (issues.length > 0) throw PluginInvalidManifest({ plugin_id: manifest.id, issues });
  return manifest;
}
