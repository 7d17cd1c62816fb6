import { expectData, startTestKernel, type TestKernel } from '@paca/kernel/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectHttp, connectStdio, type McpSession } from './mcp-client.fixture.js';

/*
 * A realistic agent session (issue 10's acceptance flow), over stdio and over `/mcp`: a lead sets
 * up a project through MCP, then a project agent pinned to it works the tasks — everything by the
 * names an agent writes (project prefix, task keys, doc paths) — and the state is read back
 * through REST.
 */

for (const transport of ['stdio', 'http'] as const) describe(`an agent’s session over ${transport}`, () => {
  let t: TestKernel;
  let baseUrl: string;
  let lead: McpSession | undefined;
  let agent: McpSession | undefined;
  /** `agentId` is checked by the stdio bin at start; `/mcp` has no such setting (the key is the agent). */
  const connect = (key: string, options: { agentId?: string; project?: string } = {}) => (transport === 'http'
    ? connectHttp(baseUrl, key, options.project ? { project: options.project } : {})
    : connectStdio({
      PACA_API_URL: baseUrl, PACA_API_KEY: key, PACA_TOOLS_POLL_MS: '0',
      ...(options.agentId ? { PACA_AGENT_ID: options.agentId } : {}), ...(options.project ? { PACA_PROJECT_ID: options.project } : {}),
    }));

  beforeAll(async () => {
    t = await startTestKernel();
    baseUrl = await t.listen();
  });
  afterAll(async () => {
    await lead?.close();
    await agent?.close();
    await t?.close();
  });

  it('sets up a project, files and moves tasks, comments, plans a sprint, writes and finds docs', async () => {
    const leadKey = expectData(await t.api('POST', '/users/me/api-keys', { token: t.adminToken, body: { name: 'mcp' } }), 201).key;
    lead = await connect(leadKey);

    // The lead: a project, a workflow status, and an agent on the project's Editor role.
    const project = await lead.data('create_project', { name: 'Agent Flow', taskIdPrefix: 'FLOW', description: 'Where the **bot** works' });
    expect(project).toMatchObject({ name: 'Agent Flow', task_id_prefix: 'FLOW' });
    const review = await lead.data('create_task_status', { projectId: 'FLOW', name: 'Review', category: 'inprogress' });
    const roles = (await lead.data('list_project_roles', { projectId: 'Agent Flow' })).items as Array<{ id: string; name: string }>;
    const bot = await lead.data('create_agent', { projectId: 'FLOW', handle: 'flow-bot', name: 'Flow Bot', roleIds: [roles.find((r) => r.name === 'Editor')!.id] });
    const botKey = expectData(await t.api('POST', `/projects/${project.id}/agents/${bot.id}/api-keys`, { token: t.adminToken, body: { name: 'mcp' } }), 201).key;

    // The agent, pinned to the project by its prefix: projectId is filled in for it.
    agent = await connect(botKey, { agentId: bot.id, project: 'FLOW' });
    const description = '## Goal\nExplain **MCP** setup.\n\n- [ ] Claude Desktop\n- [ ] VS Code';
    const guide = await agent.data('create_task', { title: 'Write the MCP guide', description });
    const shots = await agent.data('create_task', { title: 'Take screenshots', description: 'For the *guide*', parentTaskId: 'FLOW-1' });
    expect([guide.key, shots.key]).toEqual(['FLOW-1', 'FLOW-2']);
    await agent.data('update_task', { taskId: 'FLOW-1', statusId: review.id });
    await agent.data('add_task_comment', { taskId: 'flow-1', content: 'Draft is up for **review**' });
    const sprint = await agent.data('create_sprint', { name: 'Docs sprint', goal: 'Ship the guide', startDate: '2026-12-01', endDate: '2026-12-14' });
    await agent.data('move_tasks_to_sprint', { sprintId: sprint.id, taskIds: ['FLOW-1', 'FLOW-2'] });
    await agent.data('write_doc', { path: 'Guides/MCP/Setup', content: '# Setup\n\nSet `PACA_API_KEY`, then run **paca-mcp**.' });

    const foundTasks = await agent.data('search_tasks', { query: 'screenshots' });
    expect(foundTasks.items.map((task: { key: string }) => task.key)).toEqual(['FLOW-2']);
    const byDescription = await agent.data('search_tasks', { query: 'Claude Desktop' });
    expect(byDescription.items.map((task: { key: string }) => task.key)).toEqual(['FLOW-1']);
    const foundDocs = await agent.data('search_docs', { query: 'paca_api_key' });
    expect(JSON.stringify(foundDocs)).toContain('Guides/MCP/Setup');
    const read = await agent.data('read_doc', { path: 'guides/mcp/setup' });
    expect(read).toMatchObject({ title: 'Setup' });

    // What REST reads afterwards.
    const api = (url: string, query?: Record<string, string>) => t.api('GET', url, { token: t.adminToken, ...(query ? { query } : {}) }).then((r) => expectData(r));
    const stored = await api(`/projects/${project.id}/tasks/${guide.id}`);
    expect(stored).toMatchObject({ title: 'Write the MCP guide', description, status_id: review.id, sprint_id: sprint.id });
    expect(await api(`/projects/${project.id}/tasks/${shots.id}`)).toMatchObject({ parent_task_id: guide.id, sprint_id: sprint.id });
    const activities = await api(`/projects/${project.id}/tasks/${guide.id}/activities`);
    expect(JSON.stringify(activities)).toContain('Draft is up for **review**');
    const members = (await api(`/projects/${project.id}/members`)).items as Array<{ id: string; agent_id: string | null }>;
    expect(members.find((m) => m.id === stored.reporter_id)).toMatchObject({ agent_id: bot.id });
    const statuses = (await api(`/projects/${project.id}/task-statuses`)).items as Array<{ name: string; category: string }>;
    expect(statuses).toContainEqual(expect.objectContaining({ name: 'Review', category: 'inprogress' }));
    const sprints = (await api(`/projects/${project.id}/sprints`)).items as Array<{ id: string; name: string; goal: string }>;
    expect(sprints).toContainEqual(expect.objectContaining({ id: sprint.id, name: 'Docs sprint', goal: 'Ship the guide' }));
    const doc = await api(`/projects/${project.id}/docs/by-path`, { path: 'Guides/MCP/Setup' });
    expect(doc).toMatchObject({ title: 'Setup', content: '# Setup\n\nSet `PACA_API_KEY`, then run **paca-mcp**.' });

    // The pin holds for the agent: another project is out of reach even by name.
    const elsewhere = await lead.data('create_project', { name: 'Elsewhere', taskIdPrefix: 'ELSE' });
    // The bot is no member there, so the project is not even found for it.
    const escaped = await agent.call('create_task', { projectId: 'ELSE', title: 'Escaped' });
    expect(escaped.isError).toBe(true);
    expect(escaped.text).toMatch(/^PROJECT_NOT_FOUND: /);
    expect((await api(`/projects/${elsewhere.id}/tasks`)).items).toEqual([]);
  });
});
