import { readFileSync } from 'node:fs';
import { expectData, expectError, startTestKernel, type TestKernel, type TestUser } from '@paca/kernel/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import definition from './index.js';

// The plugin as a user, an admin or an MCP client sees it: a kernel booted with Hello on a fresh
// database, driven through the HTTP API.

const manifest = JSON.parse(readFileSync(new URL('../plugin.json', import.meta.url), 'utf8')) as unknown;
const messagesUrl = (projectId: string) => `/plugins/hello/projects/${projectId}/messages`;
const texts = (page: { items: Array<{ text: string }> }) => page.items.map((m) => m.text);

let t: TestKernel;
let editor: TestUser;
let viewer: TestUser;
let projectId: string;

async function addMember(project: string, user: TestUser, roleName: 'Editor' | 'Viewer') {
  const roles = expectData(await t.api('GET', `/projects/${project}/roles`, { token: t.adminToken }));
  const role = roles.items.find((r: { name: string }) => r.name === roleName);
  expectData(await t.api('POST', `/projects/${project}/members`, { token: t.adminToken, body: { user_id: user.id, role_ids: [role.id] } }), 201);
}

const createProject = async (name: string) =>
  expectData(await t.api('POST', '/projects', { token: t.adminToken, body: { name } }), 201).id as string;

beforeAll(async () => {
  t = await startTestKernel({ plugins: [{ manifest, definition }] });
  editor = await t.createUser();
  viewer = await t.createUser();
  projectId = await createProject('Hello world');
  await addMember(projectId, editor, 'Editor');
  await addMember(projectId, viewer, 'Viewer');
  // Apply the member welcomes now, so later assertions on this project do not race the relay.
  await t.kernel.events.consumers.catchUp();
});
afterAll(() => t?.close());

describe('hello plugin', () => {
  it('welcomes a new project before POST /projects returns (onProjectCreated)', async () => {
    const id = await createProject('Fresh start');
    expect(texts(expectData(await t.api('GET', messagesUrl(id), { token: t.adminToken })))).toEqual(['Welcome to Fresh start!']);
  });

  it('lets an Editor post; the message is listed, attributed and announced by an event', async () => {
    t.clock.advance(1_000);
    const posted = expectData(await t.api('POST', messagesUrl(projectId), { token: editor.token, body: { text: 'Hi all' } }), 201);
    expect(posted).toMatchObject({ text: 'Hi all', author: { type: 'user', id: editor.id } });

    const page = expectData(await t.api('GET', messagesUrl(projectId), { token: viewer.token }));
    expect(page.items[0]).toEqual(posted);

    const event = await t.kernel.database.knex('events').where({ type: 'hello.message_posted', project_id: projectId }).first();
    expect(event.payload).toEqual({ message_id: posted.id, text: 'Hi all' });
    expect(event.actor_id).toBe(editor.id);
  });

  it('refuses a Viewer write with 403 and stores nothing', async () => {
    expectError(await t.api('POST', messagesUrl(projectId), { token: viewer.token, body: { text: 'not allowed' } }), 403, 'FORBIDDEN');
    expectError(await t.api('POST', messagesUrl(projectId), { body: { text: 'anonymous' } }), 401, 'AUTH_UNAUTHENTICATED');
    const page = expectData(await t.api('GET', messagesUrl(projectId), { token: t.adminToken, query: { limit: '100' } }));
    expect(texts(page)).not.toContain('not allowed');
  });

  it('answers bad input with 422 VALIDATION_FAILED from the manifest schemas', async () => {
    const empty = await t.api('POST', messagesUrl(projectId), { token: editor.token, body: { text: '' } });
    expectError(empty, 422, 'VALIDATION_FAILED');
    expect(empty.json.error_details.issues[0].path).toBe('text');
    expectError(await t.api('POST', messagesUrl(projectId), { token: editor.token, body: { text: 'x', pinned: true } }), 422, 'VALIDATION_FAILED');
    expectError(await t.api('GET', messagesUrl(projectId), { token: editor.token, query: { limit: '0' } }), 422, 'VALIDATION_FAILED');
    expectError(await t.api('GET', messagesUrl(projectId), { token: editor.token, query: { cursor: 'nonsense' } }), 422, 'HELLO_INVALID_CURSOR');
  });

  it('pages newest first with next_cursor', async () => {
    const id = await createProject('Paged');
    for (const text of ['one', 'two', 'three']) {
      t.clock.advance(1_000);
      expectData(await t.api('POST', messagesUrl(id), { token: t.adminToken, body: { text } }), 201);
    }
    const first = expectData(await t.api('GET', messagesUrl(id), { token: t.adminToken, query: { limit: '2' } }));
    expect(texts(first)).toEqual(['three', 'two']);
    const second = expectData(await t.api('GET', messagesUrl(id), { token: t.adminToken, query: { limit: '2', cursor: first.next_cursor } }));
    expect(texts(second)).toEqual(['one', 'Welcome to Paged!']);
    expect(second.next_cursor).toBeNull();
  });

  it('posts a welcome for each new member through its subscription, once per event', async () => {
    const id = await createProject('Team');
    await addMember(id, await t.createUser(), 'Viewer');
    await t.kernel.events.consumers.catchUp();
    await t.kernel.events.consumers.catchUp();
    const page = expectData(await t.api('GET', messagesUrl(id), { token: t.adminToken }));
    expect(texts(page).sort()).toEqual(['A new member joined the project.', 'Welcome to Team!']);
  });

  it('lists its MCP tool for those who may write, and hides it from a Viewer (D31)', async () => {
    const names = (data: { tools: Array<{ name: string }> }) => data.tools.map((tool) => tool.name);
    const forEditor = expectData(await t.api('GET', '/mcp/tools', { token: editor.token, query: { project_id: projectId } }));
    expect(names(forEditor)).toContain('hello_post_message');
    expect(forEditor.tools.find((tool: { name: string }) => tool.name === 'hello_post_message')).toMatchObject({
      owner: 'hello', toolset: 'hello',
      route: { name: 'hello.messages.create', method: 'POST', path: '/api/v1/plugins/hello/projects/:projectId/messages' },
      args: { projectId: { in: 'path', name: 'projectId' }, text: { in: 'body', name: 'text' } },
    });
    const forViewer = expectData(await t.api('GET', '/mcp/tools', { token: viewer.token, query: { project_id: projectId } }));
    expect(names(forViewer)).not.toContain('hello_post_message');
  });

  it('answers 404 PLUGIN_NOT_ENABLED in a project that switched it off, and keeps its data for when it is back', async () => {
    const id = await createProject('Quiet room');
    const switchTo = async (enabled: boolean) =>
      expectData(await t.api('PUT', `/projects/${id}/plugins/hello`, { token: t.adminToken, body: { enabled } }));
    expect(texts(expectData(await t.api('GET', messagesUrl(id), { token: t.adminToken })))).toEqual(['Welcome to Quiet room!']);
    await switchTo(false);
    expectError(await t.api('GET', messagesUrl(id), { token: t.adminToken }), 404, 'PLUGIN_NOT_ENABLED');
    expectError(await t.api('POST', messagesUrl(id), { token: t.adminToken, body: { text: 'anyone?' } }), 404, 'PLUGIN_NOT_ENABLED');
    await switchTo(true);
    // Seed hooks run once per project: switching back on does not welcome it twice.
    expect(texts(expectData(await t.api('GET', messagesUrl(id), { token: t.adminToken })))).toEqual(['Welcome to Quiet room!']);
  });

  it('welcomes projects that existed before it was installed (onProjectEnabled), once', async () => {
    await t.restart({ plugins: [] });
    const older = await createProject('Before Hello');
    await t.restart({ plugins: [{ manifest, definition }] });
    expect(texts(expectData(await t.api('GET', messagesUrl(older), { token: t.adminToken })))).toEqual(['Welcome to Before Hello!']);
    await t.restart();
    expect(texts(expectData(await t.api('GET', messagesUrl(older), { token: t.adminToken })))).toEqual(['Welcome to Before Hello!']);
  });
});
