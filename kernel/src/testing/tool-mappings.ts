import { readFileSync } from 'node:fs';
import { expect } from 'vitest';

/*
 * D31's mapping rules, checked for every tool a plugin declares as `GET /mcp/tools` lists it:
 * each tool names one of the plugin's routes, fills every path parameter, sends each argument to
 * a query or body field the route accepts, drops none, and marks reads read-only.
 */

interface ManifestRoute {
  name: string;
  method: string;
  path: string;
  query?: { properties?: Record<string, unknown> };
  body?: { properties?: Record<string, unknown> };
}

/** A tool as the catalogue (`GET /mcp/tools`) returns it. */
export interface ListedTool {
  name: string;
  owner: string;
  toolset: string;
  description: string;
  annotations: { readOnlyHint?: boolean; destructiveHint?: boolean; idempotentHint?: boolean };
  input_schema: { properties: Record<string, { description?: string }>; required?: string[] };
  route: { name: string; method: string; path: string };
  args: Record<string, { in: 'path' | 'query' | 'body'; name: string }>;
}

export interface PluginManifestFile {
  routes: ManifestRoute[];
  mcp: { tools: Array<{ name: string; route: string }> };
}

/** A plugin's plugin.json, read from beside its sources (`new URL('../plugin.json', import.meta.url)`). */
export const readManifest = (url: URL): PluginManifestFile => JSON.parse(readFileSync(url, 'utf8')) as PluginManifestFile;

export function expectToolsMapToRoutes(manifest: PluginManifestFile, tools: readonly ListedTool[]): void {
  const routes = new Map(manifest.routes.map((r) => [r.name, r]));
  for (const tool of tools) {
    const route = routes.get(tool.route.name);
    expect(route, tool.name).toBeDefined();
    expect(tool.route.method, tool.name).toBe(route!.method);
    expect(tool.route.path.endsWith(route!.path), `${tool.name}: ${tool.route.path}`).toBe(true);
    const pathParams = [...route!.path.matchAll(/:(\w+)/g)].map((match) => match[1]);
    const suppliedPath = Object.values(tool.args).filter((a) => a.in === 'path').map((a) => a.name);
    expect(suppliedPath.sort(), tool.name).toEqual(pathParams.sort());
    for (const [arg, mapping] of Object.entries(tool.args)) {
      expect(tool.input_schema.properties[arg], `${tool.name}.${arg}`).toBeDefined();
      expect(arg, tool.name).toMatch(/^[a-z][A-Za-z0-9]*$/);
      if (mapping.in === 'query') expect(route!.query?.properties?.[mapping.name], `${tool.name}.${arg} → ?${mapping.name}`).toBeDefined();
      if (mapping.in === 'body') expect(route!.body?.properties?.[mapping.name], `${tool.name}.${arg} → body.${mapping.name}`).toBeDefined();
    }
    // Every argument reaches the route: none is declared and silently dropped.
    expect(Object.keys(tool.input_schema.properties).sort(), tool.name).toEqual(Object.keys(tool.args).sort());
    expect(tool.description.length, tool.name).toBeLessThanOrEqual(400);
    expect(tool.annotations.readOnlyHint, tool.name).toBe(route!.method === 'GET');
  }
}
