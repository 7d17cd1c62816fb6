import { expectData, expectError, expectToolsMapToRoutes, readManifest, type ListedTool } from '@paca/kernel/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDocsWorld, type DocsWorld } from './docs-world.fixture.js';

/*
 * The docs plugin's MCP tools (D31, reference 6.2 "Docs", "Search", "Doc activity"): declared in
 * plugin.json, each mapped to one of its routes, listed according to what the caller may do.
 */

const manifest = readManifest(new URL('../plugin.json', import.meta.url));

const REFERENCE_TOOL_NAMES = [
  'list_docs', 'read_doc', 'write_doc', 'delete_doc', 'move_doc', 'search_docs', 'list_doc_snapshots', 'get_doc_snapshot',
  'list_doc_activities', 'add_doc_comment', 'update_doc_comment', 'delete_doc_comment',
];
const WRITE_TOOLS = ['write_doc', 'delete_doc', 'move_doc', 'restore_doc_snapshot', 'add_doc_comment', 'update_doc_comment', 'delete_doc_comment'];

describe('docs MCP tools (D31)', () => {
  let w: DocsWorld;
  let allTools: ListedTool[];
  const toolsFor = async (token: string, query: Record<string, string>) =>
    (expectData(await w.t.api('GET', '/mcp/tools', { token, query })) as { tools: ListedTool[] }).tools.filter((tool) => tool.owner === 'docs');
  const tool = (name: string) => allTools.find((t) => t.name === name)!;

  beforeAll(async () => {
    w = await startDocsWorld();
    allTools = await toolsFor(w.admin.token, { project_id: w.projectId });
  });
  afterAll(() => w?.t.close());

  it('loads the plugin with every declared tool, under the reference names, in the docs toolset', async () => {
    const plugins = expectData(await w.t.api('GET', '/admin/plugins', { token: w.admin.token }));
    expect(plugins.plugins.find((p: { id: string }) => p.id === 'docs')).toMatchObject({ status: 'active' });
    expect(allTools.map((t) => t.name).sort()).toEqual(manifest.mcp.tools.map((t) => t.name).sort());
    expect(allTools.map((t) => t.name)).toEqual(expect.arrayContaining([...REFERENCE_TOOL_NAMES, 'restore_doc_snapshot']));
    expect(new Set(allTools.map((t) => t.toolset))).toEqual(new Set(['docs']));
  });

  it('maps every tool to a route of the plugin, with path params supplied and query/body names the route accepts', () => {
    expectToolsMapToRoutes(manifest, allTools);
  });

  it('maps the path-style tools to the routes and REST names an agent expects', () => {
    expect(tool('list_docs')).toMatchObject({ route: { name: 'docs.tree' }, args: { path: { in: 'query', name: 'path' } } });
    expect(tool('read_doc')).toMatchObject({ route: { name: 'docs.by-path.get' }, args: { path: { in: 'query', name: 'path' }, docId: { in: 'query', name: 'doc_id' } } });
    expect(tool('write_doc')).toMatchObject({ route: { name: 'docs.by-path.put' }, args: { path: { in: 'body', name: 'path' }, content: { in: 'body', name: 'content' } } });
    expect(tool('move_doc').args).toEqual({
      projectId: { in: 'path', name: 'projectId' }, sourcePath: { in: 'body', name: 'source_path' }, destPath: { in: 'body', name: 'dest_path' },
    });
    expect(tool('search_docs').args).toMatchObject({ query: { in: 'query', name: 'q' }, limit: { in: 'query', name: 'limit' } });
    expect(tool('get_doc_snapshot').args.snapshotNumber).toEqual({ in: 'path', name: 'number' });
    expect(tool('delete_doc').annotations).toMatchObject({ destructiveHint: true });
    expect(tool('write_doc').input_schema.required).toEqual(['projectId', 'path', 'content']);
    expect(tool('add_doc_comment').input_schema.properties.content?.description).toMatch(/Markdown/);
    expect(tool('read_doc').input_schema.properties.path?.description).toMatch(/\//);
  });

  it('lists writes to Editors and only reads to Viewers; nothing of the project to outsiders', async () => {
    const forEditor = (await toolsFor(w.editor.token, { project_id: w.projectId })).map((t) => t.name);
    expect(forEditor.sort()).toEqual(allTools.map((t) => t.name).sort());
    const forViewer = (await toolsFor(w.viewer.token, { project_id: w.projectId })).map((t) => t.name);
    expect(forViewer.sort()).toEqual(allTools.filter((t) => t.annotations.readOnlyHint).map((t) => t.name).sort());
    for (const name of WRITE_TOOLS) expect(forViewer).not.toContain(name);
    expectError(await w.t.api('GET', '/mcp/tools', { token: w.outsider.token, query: { project_id: w.projectId } }), 404, 'PROJECT_NOT_FOUND');
    expect(await toolsFor(w.outsider.token, {})).toEqual([]);
  });
});
