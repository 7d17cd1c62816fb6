import type { PluginManifest, WebSlot } from '@paca/plugin-sdk';
import type { PluginRecord } from './plugin-registry.js';

/** What an admin sees of a plugin: state, the coded load error if any, and its manifest. */
export function adminPluginView(record: PluginRecord) {
  const m = record.manifest;
  return {
    id: record.id,
    name: m?.name ?? record.id,
    description: m?.description ?? '',
    version: m?.version ?? null,
    runtime: m?.runtime ?? null,
    origin: record.origin,
    optional: m?.optional ?? true,
    enabled: record.enabled,
    status: record.status,
    error: record.error ? { code: record.error.code, message: record.error.message, details: record.error.details ?? null } : null,
    requires: m?.requires ?? {},
    actions: m?.actions.map((a) => a.action) ?? [],
    routes: m?.routes.map((r) => ({ name: r.name, method: r.method, path: `/api/v1${r.path}`, action: r.action ?? null })) ?? [],
    mcp_tools: m?.mcp.tools.map((t) => t.name) ?? [],
    manifest: m,
  };
}

/** What any signed-in client sees of a serving plugin: enough to render its slots (DESIGN 6). */
export function pluginView(manifest: PluginManifest, options: { enabledInProject?: boolean; slots: WebSlot[] }) {
  return {
    id: manifest.id,
    name: manifest.name,
    description: manifest.description,
    version: manifest.version,
    optional: manifest.optional,
    enabled: true,
    ...(options.enabledInProject === undefined ? {} : { enabled_in_project: options.enabledInProject }),
    actions: manifest.actions.map((a) => ({ action: a.action, description: a.description, scope: a.scope })),
    web: manifest.web ? {
      entry: manifest.web.entry,
      styles: manifest.web.styles,
      // Where the shell imports the module and links its styles from (served by the kernel's web routes).
      module_url: `/plugins/${manifest.id}/${manifest.web.entry}`,
      style_urls: manifest.web.styles.map((style) => `/plugins/${manifest.id}/${style}`),
      slots: options.slots,
    } : null,
    mcp_tools: manifest.mcp.tools.map((t) => t.name),
  };
}
