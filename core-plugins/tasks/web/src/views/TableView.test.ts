import { expectData, startTestKernel, type TestKernel } from '@paca/kernel/testing';
import { createTestSlotContext, withSlotContext } from '@paca/plugin-sdk/web/testing';
import { flushPromises, mount, type VueWrapper } from '@vue/test-utils';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import TableView from './TableView.vue';

// The table view against a real kernel: sorting, inline edits and their refusals.

let t: TestKernel;
let baseUrl: string;
const mounted: VueWrapper[] = [];
beforeAll(async () => {
  t = await startTestKernel();
  baseUrl = await t.listen();
}, 120_000);
afterAll(() => t?.close());
afterEach(() => { mounted.splice(0).forEach((w) => w.unmount()); document.body.innerHTML = ''; });

type Project = { id: string; name: string; description: string; task_id_prefix: string; is_public: boolean; version: number; settings: Record<string, unknown> };
const WRITE = ['tasks:read', 'tasks:write', 'views:read', 'views:write'];

async function newProject(): Promise<Project> {
  return expectData(await t.api('POST', '/projects', { token: t.adminToken, body: { name: `Table ${Math.random().toString(36).slice(2, 8)}` } }), 201);
}
const createTask = async (projectId: string, body: Record<string, unknown>) =>
  expectData(await t.api('POST', `/projects/${projectId}/tasks`, { token: t.adminToken, body }), 201) as { id: string; key: string; title: string };
const getTask = async (projectId: string, id: string) => expectData(await t.api('GET', `/projects/${projectId}/tasks/${id}`, { token: t.adminToken }));

async function mountTable(project: Project, options: { token?: string; actions?: string[] } = {}) {
  const view = expectData(await t.api('POST', `/projects/${project.id}/views`, { token: t.adminToken, body: { name: 'Table', view_type: 'table', view_context: 'backlog' } }), 201);
  const context = createTestSlotContext({ baseUrl, token: options.token ?? t.adminToken, project, view, actions: options.actions ?? WRITE, params: { projectId: project.id } });
  const wrapper = mount(TableView, withSlotContext(context, { attachTo: document.body }));
  mounted.push(wrapper);
  await vi.waitFor(() => expect(wrapper.find('[aria-busy="true"]').exists()).toBe(false), { timeout: 15_000 });
  await flushPromises();
  return { context, wrapper };
}
const titles = (wrapper: VueWrapper) => wrapper.findAll('[data-row] .task-title').map((cell) => cell.text());

describe('TableView', () => {
  it('sorts by priority, most urgent first, and back', async () => {
    const project = await newProject();
    await createTask(project.id, { title: 'Low', importance: 1 });
    await createTask(project.id, { title: 'Urgent', importance: 4 });
    await createTask(project.id, { title: 'None' });
    await createTask(project.id, { title: 'High', importance: 3 });
    const { wrapper } = await mountTable(project);
    expect(titles(wrapper)).toEqual(['Low', 'Urgent', 'None', 'High']);

    await wrapper.find('[data-sort="importance"]').trigger('click');
    expect(titles(wrapper)).toEqual(['Urgent', 'High', 'Low', 'None']);
    expect(wrapper.find('[data-sort="importance"]').attributes('aria-sort')).toBe('descending');
    await wrapper.find('[data-sort="importance"]').trigger('click');
    expect(titles(wrapper)).toEqual(['None', 'Low', 'High', 'Urgent']);
  });

  it('renames a task inline and persists it', async () => {
    const project = await newProject();
    const task = await createTask(project.id, { title: 'Draft name' });
    const { wrapper, context } = await mountTable(project);

    await wrapper.find(`[data-row="${task.id}"] .task-title`).trigger('dblclick');
    const input = wrapper.find('input[aria-label="Title"]');
    await input.setValue('Final name');
    await input.trigger('keydown', { key: 'Enter' });
    expect(titles(wrapper)).toEqual(['Final name']);
    await vi.waitFor(async () => expect((await getTask(project.id, task.id)).title).toBe('Final name'));
    expect(context.openedTasks).toEqual([]);
  });

  it('rolls a refused rename back with an error toast', async () => {
    const project = await newProject();
    const task = await createTask(project.id, { title: 'Keep me' });
    const user = await t.createUser();
    const roles = expectData(await t.api('GET', `/projects/${project.id}/roles`, { token: t.adminToken }));
    const viewer = roles.items.find((r: { name: string }) => r.name === 'Viewer');
    expectData(await t.api('POST', `/projects/${project.id}/members`, { token: t.adminToken, body: { user_id: user.id, role_ids: [viewer.id] } }), 201);
    const { wrapper, context } = await mountTable(project, { token: user.token });

    await wrapper.find(`[data-row="${task.id}"] .task-title`).trigger('dblclick');
    const input = wrapper.find('input[aria-label="Title"]');
    await input.setValue('Hijacked');
    await input.trigger('keydown', { key: 'Enter' });
    await vi.waitFor(() => expect(context.toasts.some((toast) => toast.kind === 'error')).toBe(true));
    await flushPromises();
    expect(titles(wrapper)).toEqual(['Keep me']);
    expect((await getTask(project.id, task.id)).title).toBe('Keep me');
  });

  it('opens a task on row click', async () => {
    const project = await newProject();
    const task = await createTask(project.id, { title: 'Open' });
    const { wrapper, context } = await mountTable(project);
    await wrapper.find(`[data-row="${task.id}"]`).trigger('click');
    expect(context.openedTasks).toEqual([{ projectId: project.id, task: task.key }]);
  });
});
