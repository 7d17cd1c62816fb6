import { expectData, startTestKernel, type TestKernel } from '@paca/kernel/testing';
import { PACA_SLOT_RENDERER } from '@paca/plugin-sdk/web';
import { createTestSlotContext, withSlotContext } from '@paca/plugin-sdk/web/testing';
import { flushPromises, mount, type VueWrapper } from '@vue/test-utils';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { defineComponent, h } from 'vue';
import { addDays, utcDay } from './model.js';
import SprintsPage from './SprintsPage.vue';

// The sprints page against a real kernel: the list's order and figures, one sprint's header,
// burndown (one point per day) and its views rendered through the project.view outlet.

let t: TestKernel;
let baseUrl: string;
const mounted: VueWrapper[] = [];
/** The machine is shared: give the kernel round trips time. */
const until = <T>(check: () => T | Promise<T>) => vi.waitFor(check, { timeout: 10_000, interval: 50 });
beforeAll(async () => {
  t = await startTestKernel();
  baseUrl = await t.listen();
}, 120_000);
afterAll(() => t?.close());
afterEach(() => { mounted.splice(0).forEach((w) => w.unmount()); document.body.innerHTML = ''; });

const WRITE = ['sprints:read', 'sprints:write', 'tasks:read', 'tasks:write', 'views:read', 'views:write'];
type Project = { id: string; name: string; description: string; task_id_prefix: string; is_public: boolean; version: number; settings: Record<string, unknown> };

const call = async (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', path: string, body?: unknown) => {
  const response = await t.api(method, path, { token: t.adminToken, ...(body ? { body } : {}) });
  return expectData(response, response.status === 201 ? 201 : 200);
};
const newProject = async () => (await call('POST', '/projects', { name: `Sprints ${Math.random().toString(36).slice(2, 8)}` })) as Project;

/** Renders each `project.view` outlet as a marker naming the view, as the shell's renderer would render the tasks plugin's view. */
const outlet = defineComponent({
  props: { name: String, viewType: String, view: Object },
  setup: (props) => () => h('div', { 'data-outlet': props.name, 'data-view-type': props.viewType }, (props.view as { name?: string } | null)?.name ?? ''),
});

async function mountPage(project: Project, path = '') {
  const context = createTestSlotContext({ baseUrl, token: t.adminToken, project, actions: WRITE, params: { projectId: project.id, path } });
  const options = withSlotContext(context, { attachTo: document.body });
  const wrapper = mount(SprintsPage, { ...options, global: { provide: { ...options.global.provide, [PACA_SLOT_RENDERER as symbol]: { outlet } } } });
  mounted.push(wrapper);
  await until(() => expect(wrapper.find('[aria-busy="true"]').exists()).toBe(false));
  await flushPromises();
  return { context, wrapper };
}

describe('SprintsPage list', () => {
  it('offers "Create sprint" when there are none', async () => {
    const project = await newProject();
    const { wrapper } = await mountPage(project);
    expect(wrapper.text()).toContain('No sprints yet');
    await wrapper.findAll('button').find((b) => b.text().includes('Create sprint'))!.trigger('click');
    await until(() => expect(wrapper.findAll('[data-testid="sprint-row"]').map((r) => r.text())).toEqual([expect.stringContaining('Sprint 1')]));
  });

  it('lists active, then planned, then completed sprints with progress and velocity, and opens one', async () => {
    const project = await newProject();
    const done = ((await call('GET', `/projects/${project.id}/task-statuses`)).items as Array<{ id: string; category: string }>).find((s) => s.category === 'done')!;
    const s1 = await call('POST', `/projects/${project.id}/sprints`, { name: 'Old' });
    const s2 = await call('POST', `/projects/${project.id}/sprints`, { name: 'Current' });
    await call('POST', `/projects/${project.id}/sprints`, { name: 'Next' });
    await call('POST', `/projects/${project.id}/tasks`, { title: 'a', story_points: 3, sprint_id: s1.id, status_id: done.id });
    await call('POST', `/projects/${project.id}/tasks`, { title: 'b', story_points: 5, sprint_id: s2.id, status_id: done.id });
    await call('POST', `/projects/${project.id}/tasks`, { title: 'c', story_points: 3, sprint_id: s2.id });
    await call('POST', `/projects/${project.id}/sprints/${s1.id}/start`, {});
    await call('POST', `/projects/${project.id}/sprints/${s1.id}/complete`, {});
    await call('POST', `/projects/${project.id}/sprints/${s2.id}/start`, {});

    const { wrapper, context } = await mountPage(project);
    const rows = wrapper.findAll('[data-testid="sprint-row"]');
    expect(rows.map((r) => r.find('[data-testid="sprint-row-name"]').text())).toEqual(['Current', 'Next', 'Old']);
    expect(rows[0]!.find('[data-testid="sprint-figures"]').text()).toBe('5/8 pts');
    expect(rows[2]!.find('[data-testid="sprint-figures"]').text()).toBe('3/3 pts');
    expect(wrapper.find('[data-testid="velocity"]').text()).toContain('avg 3 pts');

    await rows[0]!.trigger('click');
    expect(context.navigations).toEqual([`/projects/${project.id}/sprints/${s2.id}`]);
  });
});

describe('SprintsPage one sprint', () => {
  it('shows the header, one burndown point per day of a started sprint, and the sprint views as tabs', async () => {
    const project = await newProject();
    const sprint = await call('POST', `/projects/${project.id}/sprints`, { name: 'Sprint Four', goal: 'Ship the import' });
    await call('POST', `/projects/${project.id}/tasks`, { title: 'x', story_points: 5, sprint_id: sprint.id });
    await call('POST', `/projects/${project.id}/tasks`, { title: 'y', story_points: 3, sprint_id: sprint.id });
    const today = utcDay();
    // Started with a start date three days ago: the burndown has four days so far (start … today).
    await call('POST', `/projects/${project.id}/sprints/${sprint.id}/start`, { start_date: addDays(today, -3), end_date: addDays(today, 7) });

    const { wrapper } = await mountPage(project, sprint.id);
    expect(wrapper.find('[data-testid="sprint-name"]').text()).toBe('Sprint Four');
    expect(wrapper.find('[data-testid="sprint-status"]').text()).toBe('Active');
    expect(wrapper.find('[data-testid="sprint-goal"]').text()).toBe('Ship the import');
    expect(wrapper.find('[data-testid="complete-sprint"]').exists()).toBe(true);

    const burndown = await call('GET', `/projects/${project.id}/sprints/${sprint.id}/burndown`);
    expect(burndown.days).toHaveLength(4);
    expect(wrapper.findAll('[data-testid="burndown"] circle[data-day]')).toHaveLength(4);
    expect(wrapper.find('[data-line="ideal"]').exists()).toBe(true);
    expect(wrapper.find('[data-testid="burndown"]').text()).toContain('8 points left of 8');

    // The two seeded views (Board, Table) as tabs; the first renders through the outlet.
    expect(wrapper.findAll('[role="tab"]').map((tab) => tab.text())).toEqual(['Board', 'Table']);
    expect(wrapper.find('[data-outlet="project.view"]').attributes('data-view-type')).toBe('board');
    await wrapper.findAll('[role="tab"]')[1]!.trigger('click');
    expect(wrapper.find('[data-outlet="project.view"]').attributes('data-view-type')).toBe('table');
  });

  it('creates a board view for a sprint that has none, and starts a planned sprint from its header', async () => {
    const project = await newProject();
    const sprint = await call('POST', `/projects/${project.id}/sprints`);
    // The API keeps a scope's last view; a sprint without any (e.g. from an import) is made in the database.
    await t.kernel.database.knex('plugin_tasks.views').where({ sprint_id: sprint.id }).delete();

    const { wrapper, context } = await mountPage(project, sprint.id);
    expect(wrapper.text()).toContain('The burndown starts when the sprint starts.');
    expect(wrapper.findAll('[role="tab"]').map((tab) => tab.text())).toEqual(['Board']);
    const after = (await call('GET', `/projects/${project.id}/views?context=sprint&sprint_id=${sprint.id}`)).items as Array<{ view_type: string }>;
    expect(after.map((v) => v.view_type)).toEqual(['board']);

    await wrapper.find('[data-testid="start-sprint"]').trigger('click');
    await until(() => expect(document.querySelector('[data-testid="start-sprint-submit"]')).not.toBeNull());
    (document.querySelector('[data-testid="start-sprint-submit"]') as HTMLButtonElement).click();
    await until(() => expect(wrapper.find('[data-testid="sprint-status"]').text()).toBe('Active'));
    expect(context.toasts).toEqual([{ kind: 'success', title: 'Sprint 1 started' }]);
    expect((await call('GET', `/projects/${project.id}/sprints/${sprint.id}`)).status).toBe('active');
    await until(() => expect(wrapper.findAll('[data-testid="burndown"] circle[data-day]')).toHaveLength(1));
  });
});
