import { expectData, startTestKernel, type TestKernel } from '@paca/kernel/testing';
import { PACA_SLOT_RENDERER } from '@paca/plugin-sdk/web';
import { createTestSlotContext, withSlotContext } from '@paca/plugin-sdk/web/testing';
import { flushPromises, mount, type VueWrapper } from '@vue/test-utils';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { defineComponent, h } from 'vue';
import TasksPage from './TasksPage.vue';

// The views page against a real kernel: its tabs, the default board, new views, and the view
// handed to the project.view slot (a stand-in renderer records what the shell would render).

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
const newProject = async (): Promise<Project> =>
  expectData(await t.api('POST', '/projects', { token: t.adminToken, body: { name: `Views ${Math.random().toString(36).slice(2, 8)}` } }), 201);
const viewsOf = async (projectId: string) =>
  expectData(await t.api('GET', `/projects/${projectId}/views`, { token: t.adminToken, query: { context: 'backlog' } })).items as Array<{ id: string; name: string; view_type: string; config: Record<string, unknown> }>;

/** Renders `project.view` as a line naming the view type and view, like the shell's outlet would pick a component. */
const Outlet = defineComponent({
  props: { name: String, viewType: String, view: Object },
  setup: (props) => () => h('p', { 'data-outlet': props.viewType }, `${props.viewType}:${(props.view as { name?: string } | null)?.name}:${JSON.stringify((props.view as { query?: unknown })?.query ?? {})}`),
});

async function mountPage(project: Project, actions = ['tasks:read', 'tasks:write', 'views:read', 'views:write']) {
  const context = createTestSlotContext({ baseUrl, token: t.adminToken, project, actions, params: { projectId: project.id } });
  const options = withSlotContext(context, { attachTo: document.body });
  const wrapper = mount(TasksPage, { ...options, global: { provide: { ...options.global.provide, [PACA_SLOT_RENDERER as symbol]: { outlet: Outlet } } } });
  mounted.push(wrapper);
  await vi.waitFor(() => expect(wrapper.find('[data-outlet]').exists()).toBe(true), { timeout: 15_000 });
  await flushPromises();
  return { context, wrapper };
}
const tabs = (wrapper: VueWrapper) => wrapper.findAll('[role="tab"]').map((tab) => tab.text());

describe('TasksPage', () => {
  it('makes a default Board for someone who may, shows it, and hands the filters to the view', async () => {
    const project = await newProject();
    const { wrapper } = await mountPage(project);
    // The sprints plugin seeds a Backlog table; the page adds the board it is named after.
    expect(tabs(wrapper)).toEqual(['Backlog', 'Board']);
    expect(wrapper.find('[role="tab"][aria-selected="true"]').text()).toBe('Board');
    expect(wrapper.find('[data-outlet]').text()).toMatch(/^board:Board:/);
    expect((await viewsOf(project.id)).map((v) => `${v.name}:${v.view_type}`)).toEqual(['Backlog:table', 'Board:board']);

    await wrapper.find('input[aria-label="Search tasks"]').setValue('login');
    expect(wrapper.find('[data-outlet]').text()).toContain('"search":"login"');
  });

  it('switches views from the tabs and with Mod+] / Mod+[', async () => {
    const project = await newProject();
    const { wrapper, context } = await mountPage(project);
    await wrapper.findAll('[role="tab"]')[0]!.trigger('click');
    expect(wrapper.find('[data-outlet]').text()).toMatch(/^table:Backlog:/);
    context.shortcuts.find((s) => s.keys === 'Mod+]')!.run(new KeyboardEvent('keydown'));
    await flushPromises();
    expect(wrapper.find('[data-outlet]').text()).toMatch(/^board:Board:/);
    context.shortcuts.find((s) => s.keys === 'Mod+[')!.run(new KeyboardEvent('keydown'));
    await flushPromises();
    expect(wrapper.find('[data-outlet]').text()).toMatch(/^table:Backlog:/);
  });

  it('creates nothing for a reader, and shows what exists', async () => {
    const project = await newProject();
    const { wrapper } = await mountPage(project, ['tasks:read', 'views:read']);
    expect(tabs(wrapper)).toEqual(['Backlog']);
    expect((await viewsOf(project.id)).map((v) => v.name)).toEqual(['Backlog']);
    expect(wrapper.find('.new-view').exists()).toBe(false);
  });

  it('saves a shared setting to the view config', async () => {
    const project = await newProject();
    const { wrapper } = await mountPage(project);
    // ViewSettings emits the change the Display popover makes.
    wrapper.findComponent({ name: 'ViewSettings' }).vm.$emit('change', { column_by: 'priority' }, 'shared');
    await flushPromises();
    expect(wrapper.find('[data-outlet]').text()).toMatch(/^board:Board:/);
    await vi.waitFor(async () => expect((await viewsOf(project.id)).find((v) => v.name === 'Board')?.config.column_by).toBe('priority'));
  });
});
