import { expectData, expectError, expectToolsMapToRoutes, readManifest, type ListedTool } from '@paca/kernel/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTasksWorld, type TasksWorld } from './tasks-world.fixture.js';

/*
 * The tasks plugin's MCP tools (D31): declared in plugin.json, each mapped to one of its routes,
 * listed by `GET /mcp/tools` according to what the caller may do in the project.
 */

const manifest = readManifest(new URL('../plugin.json', import.meta.url));

/** The reference's task tool names (paca-features 6.2) that agent prompts rely on. */
const REFERENCE_TOOL_NAMES = [
  'list_tasks', 'get_task', 'get_task_by_number', 'create_task', 'update_task', 'delete_task', 'search_tasks',
  'list_task_types', 'create_task_type', 'update_task_type', 'delete_task_type', 'set_default_task_type',
  'list_task_statuses', 'create_task_status', 'update_task_status', 'delete_task_status', 'set_default_task_status',
  'list_views', 'create_view', 'reorder_views', 'get_view', 'update_view', 'delete_view', 'list_task_positions', 'move_task',
  'list_custom_fields', 'create_custom_field', 'get_custom_field', 'update_custom_field', 'delete_custom_field',
  'list_task_attachments', 'get_attachment_download_url', 'read_task_attachment', 'delete_task_attachment',
  'list_task_activities', 'add_task_comment', 'update_task_comment', 'delete_task_comment',
  'list_task_links', 'create_task_link', 'delete_task_link',
];
const WRITE_TOOLS = ['create_task', 'update_task', 'delete_task', 'add_task_comment', 'revert_task_activity', 'create_task_link', 'delete_task_attachment'];
const SETTINGS_TOOLS = ['create_task_status', 'delete_task_status', 'reorder_task_statuses', 'create_task_type', 'create_custom_field'];

describe('tasks MCP tools (D31)', () => {
  let world: TasksWorld;
  let allTools: ListedTool[];
  const names = (data: { tools: ListedTool[] }) => data.tools.map((tool) => tool.name);
  const toolsFor = async (token: string, query: Record<string, string>) => expectData(await world.t.api('GET', '/mcp/tools', { token, query })) as { tools: ListedTool[] };

  beforeAll(async () => {
    world = await startTasksWorld();
    allTools = (await toolsFor(world.admin.token, { project_id: world.projectId })).tools.filter((tool) => tool.owner === 'tasks');
  });
  afterAll(async () => {
    await world?.t.close();
  });

  it('loads the plugin with its tools and keeps the reference tool names', async () => {
    const plugins = expectData(await world.t.api('GET', '/admin/plugins', { token: world.admin.token }));
    expect(plugins.plugins.find((p: { id: string }) => p.id === 'tasks')).toMatchObject({ status: 'active' });
    expect(allTools.map((tool) => tool.name).sort()).toEqual(manifest.mcp.tools.map((tool) => tool.name).sort());
    expect(allTools.map((tool) => tool.name)).toEqual(expect.arrayContaining([...REFERENCE_TOOL_NAMES, 'revert_task_activity', 'list_my_tasks']));
  });

  it('maps every tool to a route of the plugin, with path params supplied and query/body names the route accepts', () => {
    expectToolsMapToRoutes(manifest, allTools);
  });

  it('maps the composite and renamed tools to the routes the agent expects', () => {
    const tool = (name: string) => allTools.find((t) => t.name === name)!;
    expect(tool('get_task').route.name).toBe('tasks.context');
    expect(tool('search_tasks')).toMatchObject({ route: { name: 'tasks.list' }, args: { query: { in: 'query', name: 'search' }, searchContent: { in: 'query', name: 'search_content' } } });
    expect(tool('read_task_attachment').route.name).toBe('attachments.read');
    expect(tool('move_task')).toMatchObject({ route: { name: 'task-positions.move' }, args: { taskId: { in: 'path', name: 'taskId' }, groupKey: { in: 'body', name: 'group_key' } } });
    expect(tool('delete_task_status').args.moveToStatusId).toEqual({ in: 'query', name: 'move_to_status_id' });
    expect(tool('update_task').args).toMatchObject({ storyPoints: { in: 'body', name: 'story_points' }, assigneeIds: { in: 'body', name: 'assignee_ids' }, typeId: { in: 'body', name: 'task_type_id' } });
    expect(tool('list_my_tasks')).toMatchObject({ route: { name: 'me.tasks' } });
    expect(tool('list_my_tasks').input_schema.properties.projectId).toBeUndefined();
    // The argument descriptions carry what an agent gets wrong most: member ids, Markdown, null clears, id forms.
    const argument = (name: string, arg: string) => tool(name).input_schema.properties[arg]?.description ?? '';
    expect(argument('create_task', 'assigneeIds')).toMatch(/MEMBER ids/);
    expect(argument('create_task', 'description')).toMatch(/Markdown/);
    expect(tool('update_task').description).toMatch(/null clears/);
    expect(argument('add_task_comment', 'content')).toMatch(/Markdown/);
    expect(argument('get_task', 'taskId')).toMatch(/PREFIX-N/);
    expect(argument('get_task', 'projectId')).toMatch(/prefix/);
  });

  it('lists every tool to an Admin, task writes to an Editor, and reads only to a Viewer', async () => {
    expect(allTools.length).toBe(manifest.mcp.tools.length);

    const forEditor = names(await toolsFor(world.editor.token, { project_id: world.projectId }));
    expect(forEditor).toEqual(expect.arrayContaining([...WRITE_TOOLS, 'list_tasks', 'get_task', 'move_task', 'create_view']));
    for (const name of SETTINGS_TOOLS) expect(forEditor, name).not.toContain(name);

    const forViewer = names(await toolsFor(world.viewer.token, { project_id: world.projectId }));
    const readTools = allTools.filter((tool) => tool.annotations.readOnlyHint).map((tool) => tool.name);
    expect(forViewer).toEqual(expect.arrayContaining(readTools));
    const viewerTasksTools = forViewer.filter((name) => allTools.some((tool) => tool.name === name));
    expect(viewerTasksTools.sort()).toEqual(readTools.sort());
    for (const name of [...WRITE_TOOLS, ...SETTINGS_TOOLS, 'move_task', 'create_view']) expect(forViewer, name).not.toContain(name);
  });

  it('hides a project\'s tools from an outsider but lists the cross-project one', async () => {
    expectError(await world.t.api('GET', '/mcp/tools', { token: world.outsider.token, query: { project_id: world.projectId } }), 404, 'PROJECT_NOT_FOUND');
    const anywhere = names(await toolsFor(world.outsider.token, {}));
    expect(anywhere).toContain('list_my_tasks');
    expect(anywhere).not.toContain('list_tasks');
    expect(anywhere).not.toContain('create_task');
  });

  it('filters by toolset', async () => {
    const views = await toolsFor(world.editor.token, { project_id: world.projectId, toolset: 'views' });
    expect(views.tools.every((tool) => tool.toolset === 'views')).toBe(true);
    expect(names(views).sort()).toEqual(['create_view', 'delete_view', 'get_view', 'list_task_positions', 'list_views', 'move_task', 'reorder_views', 'update_view']);

    const settings = names(await toolsFor(world.admin.token, { project_id: world.projectId, toolset: 'task-settings' }));
    expect(settings).toEqual(expect.arrayContaining(SETTINGS_TOOLS));
    expect(settings).not.toContain('list_tasks');
    expect(names(await toolsFor(world.editor.token, { project_id: world.projectId, toolset: 'task-settings' }))).toEqual([]);

    const both = names(await toolsFor(world.viewer.token, { project_id: world.projectId, toolset: 'tasks,views' }));
    expect(both).toEqual(expect.arrayContaining(['list_tasks', 'list_task_statuses', 'list_views']));
    expect(both).not.toContain('list_projects');
  });
});
