import { expectData, expectToolsMapToRoutes, readManifest, type ListedTool } from '@paca/kernel/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSprintsWorld, type SprintsWorld } from './sprints-world.fixture.js';

// The sprints plugin's MCP tools (D31): the reference's names, each mapped to one of its routes, listed by permission.

const manifest = readManifest(new URL('../plugin.json', import.meta.url));
/** paca-features 6.2 "Sprints", plus D29's start and the planning moves the issue asks for. */
const EXPECTED = [
  'list_sprints', 'get_sprint', 'create_sprint', 'update_sprint', 'delete_sprint', 'complete_sprint',
  'start_sprint', 'move_tasks_to_sprint', 'move_tasks_to_backlog', 'get_sprint_burndown', 'get_sprint_velocity',
];

describe('sprints MCP tools (D31)', () => {
  let w: SprintsWorld;
  const toolsFor = async (token: string) =>
    (expectData(await w.t.api('GET', '/mcp/tools', { token, query: { project_id: w.projectId } })).tools as ListedTool[]).filter((t) => t.owner === 'sprints');

  beforeAll(async () => { w = await startSprintsWorld(); });
  afterAll(async () => { await w?.t.close(); });

  it('lists every tool to an Editor, mapped to the plugin’s routes', async () => {
    const tools = await toolsFor(w.editor.token);
    expect(tools.map((t) => t.name).sort()).toEqual([...EXPECTED].sort());
    expect(tools.every((t) => t.toolset === 'sprints')).toBe(true);
    expectToolsMapToRoutes(manifest, tools);
    const complete = tools.find((t) => t.name === 'complete_sprint')!;
    expect(complete.args.moveToSprintId).toEqual({ in: 'body', name: 'move_to_sprint_id' });
  });

  it('lists only the read tools to a Viewer', async () => {
    expect((await toolsFor(w.viewer.token)).map((t) => t.name).sort()).toEqual(['get_sprint', 'get_sprint_burndown', 'get_sprint_velocity', 'list_sprints']);
  });
});
