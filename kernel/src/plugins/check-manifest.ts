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
  // A plugin on disk is known by its folder until its manifest is valid: an invalid plugin.json that
  // claims another plugin's id must not be reported under (and hidden behind) that plugin.
  const folder = source.dir ? path.basename(source.dir) : null;
  const rawId = typeof (source.manifest as { id?: unknown })?.id === 'string' ? (source.manifest as { id: string }).id : null;
  const reportedId = folder ?? rawId ?? 'unknown';
  const parsed = parseManifest(source.manifest);
  if (!parsed.success) throw PluginInvalidManifest({ plugin_id: reportedId, issues: parsed.issues });
  const manifest = parsed.manifest;
  const issues: ManifestIssue[] = [];
  if (folder && folder !== manifest.id) issues.push({ path: 'id', message: `is ${manifest.id}; must equal its folder name ${folder}` });
  if (manifest.runtime === 'native' && source.dir === null && !source.definition) issues.push({ path: 'main', message: 'no code was supplied' });

  if (source.origin !== 'core') {
    // Only first-party plugins are core (D21): an installed one must stay removable.
    if (!manifest.optional) issues.push({ path: 'optional', message: 'only core plugins (core-plugins/) may be optional: false' });
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
  if (issues.length > 0) throw PluginInvalidManifest({ plugin_id: reportedId, issues });
  return manifest;
}
