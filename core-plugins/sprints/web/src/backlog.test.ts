import { expectData, startTestKernel, type TestKernel } from '@paca/kernel/testing';
import { createTestSlotContext, withSlotContext } from '@paca/plugin-sdk/web/testing';
import { flushPromises, mount, type VueWrapper } from '@vue/test-utils';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import BacklogPage from './BacklogPage.vue';
import TaskGroup from './components/TaskGroup.vue';

// The backlog page against a real kernel: groups and rows as the user sees them, and what the
// API holds after a move, a start and a completion.

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

const WRITE = ['sprints:read', 'sprints:write', 'tasks:read', 'tasks:write', 'views:read'];
type Project = { id: string; name: string; description: string; task_id_prefix: string; is_public: boolean; version: number; settings: Record<string, unknown> };

const call = async (method: 'GET' | 'POST' | 'PATCH', path: string, body?: unknown, status = method === 'POST' ? undefined : 200) => {
  const response = await t.api(method, path, { token: t.adminToken, ...(body ? { body } : {}) });
  return status === undefined ? expectData(response, response.status === 201 ? 201 : 200) : expectData(response, status);
};
const newProject = async () => (await call('POST', '/projects', { name: `Backlog ${Math.random().toString(36).slice(2, 8)}` })) as Project;
const task = (projectId: string, body: Record<string, unknown>) => call('POST', `/projects/${projectId}/tasks`, body);
const sprint = (projectId: string, body?: Record<string, unknown>) => call('POST', `/projects/${projectId}/sprints`, body);
const getTask = (projectId: string, id: string) => call('GET', `/projects/${projectId}/tasks/${id}`);
const getSprint = (projectId: string, id: string) => call('GET', `/projects/${projectId}/sprints/${id}`);

async function mountBacklog(project: Project, actions = WRITE) {
  const context = createTestSlotContext({ baseUrl, token: t.adminToken, project, actions });
  const wrapper = mount(BacklogPage, withSlotContext(context, { attachTo: document.body }));
  mounted.push(wrapper);
  await until(() => expect(wrapper.find('[data-testid="backlog"]').exists()).toBe(true));
  await flushPromises();
  return { context, wrapper };
}

const groupTitles = (w: VueWrapper) => w.findAll('[data-testid="group-title"]').map((e) => e.text());
const rowsOf = (w: VueWrapper, key: string) => w.findAll(`[data-group="${key}"] [data-testid="task-title"]`).map((e) => e.text());

describe('BacklogPage', () => {
  it('lists the open sprints, then the backlog, with rows and totals', async () => {
    const project = await newProject();
    const s1 = await sprint(project.id);
    const s2 = await sprint(project.id, { name: 'Hardening' });
    await task(project.id, { title: 'Login form', story_points: 3, sprint_id: s1.id });
    await task(project.id, { title: 'Password reset', story_points: 5, sprint_id: s1.id });
    await task(project.id, { title: 'Audit log' });
    await task(project.id, { title: 'Dark mode', story_points: 2 });

    const { wrapper, context } = await mountBacklog(project);
    expect(groupTitles(wrapper)).toEqual(['Sprint 1', 'Hardening', 'Backlog']);
    expect(rowsOf(wrapper, s1.id)).toEqual(['Login form', 'Password reset']);
    expect(rowsOf(wrapper, s2.id)).toEqual([]);
    expect(rowsOf(wrapper, 'none')).toEqual(['Audit log', 'Dark mode']);
    expect(wrapper.find(`[data-group="${s1.id}"] [data-testid="group-totals"]`).text()).toMatch(/2 tasks · 8 pts/);
    expect(wrapper.find('[data-group="none"] [data-testid="group-totals"]').text()).toMatch(/2 tasks · 2 pts/);

    await wrapper.find(`[data-group="none"] [data-task-id]`).trigger('click');
    expect(context.openedTasks).toEqual([{ projectId: project.id, task: `${project.task_id_prefix}-3` }]);
  });

  it('shows the empty state with "Create sprint", which creates Sprint 1', async () => {
    const project = await newProject();
    const { wrapper } = await mountBacklog(project);
    expect(wrapper.find('[data-testid="no-sprints"]').text()).toContain('No sprints yet');
    expect(wrapper.text()).toContain('The backlog is empty');
    await wrapper.find('[data-testid="no-sprints"] button').trigger('click');
    await until(() => expect(groupTitles(wrapper)).toEqual(['Sprint 1', 'Backlog']));
    const list = await call('GET', `/projects/${project.id}/sprints`);
    expect(list.items.map((s: { name: string }) => s.name)).toEqual(['Sprint 1']);
  });

  it('moves a task into a sprint with Mod+ArrowUp and persists sprint_id and the order', async () => {
    const project = await newProject();
    const s1 = await sprint(project.id);
    const a = await task(project.id, { title: 'Alpha', sprint_id: s1.id });
    const b = await task(project.id, { title: 'Bravo' });
    await task(project.id, { title: 'Charlie' });
    const { wrapper } = await mountBacklog(project);

    await wrapper.find(`[data-task-id="${b.id}"]`).trigger('keydown', { key: 'ArrowUp', ctrlKey: true });
    expect(rowsOf(wrapper, s1.id)).toEqual(['Alpha', 'Bravo']);
    expect(rowsOf(wrapper, 'none')).toEqual(['Charlie']);
    await until(async () => expect((await getTask(project.id, b.id)).sprint_id).toBe(s1.id));

    // Up again inside the sprint: Bravo before Alpha, stored in the backlog view's positions.
    await wrapper.find(`[data-task-id="${b.id}"]`).trigger('keydown', { key: 'ArrowUp', ctrlKey: true });
    expect(rowsOf(wrapper, s1.id)).toEqual(['Bravo', 'Alpha']);
    await flushPromises();
    await until(async () => {
      const views = await call('GET', `/projects/${project.id}/views?context=backlog`);
      const view = views.items.find((v: { view_type: string }) => v.view_type === 'table');
      const positions = (await call('GET', `/projects/${project.id}/views/${view.id}/task-positions`)).items as Array<{ task_id: string; group_key: string; position: string }>;
      const inSprint = positions.filter((p) => p.group_key === s1.id).sort((x, y) => (x.position < y.position ? -1 : 1)).map((p) => p.task_id);
      expect(inSprint).toEqual([b.id, a.id]);
    });

    // A fresh page shows the stored order.
    mounted.splice(0).forEach((w) => w.unmount());
    const again = await mountBacklog(project);
    expect(rowsOf(again.wrapper, s1.id)).toEqual(['Bravo', 'Alpha']);
  });

  it('persists a drop from the backlog into a sprint (the drag events SortableJS sends)', async () => {
    const project = await newProject();
    const s1 = await sprint(project.id);
    await task(project.id, { title: 'Alpha', sprint_id: s1.id });
    const b = await task(project.id, { title: 'Bravo' });
    const { wrapper } = await mountBacklog(project);
    const groups = wrapper.findAllComponents(TaskGroup);
    const [sprintGroup, backlogGroup] = [groups.find((g) => g.props('groupKey') === s1.id)!, groups.find((g) => g.props('groupKey') === 'none')!];
    const alpha = sprintGroup.props('tasks')[0];
    const bravo = backlogGroup.props('tasks')[0];
    // What vue-draggable-plus does on a drop of Bravo above Alpha: start, both lists updated, end.
    backlogGroup.vm.$emit('dragStart', b.id);
    sprintGroup.vm.$emit('update:tasks', [bravo, alpha]);
    backlogGroup.vm.$emit('update:tasks', []);
    backlogGroup.vm.$emit('dragEnd', true);
    await flushPromises();
    expect(rowsOf(wrapper, s1.id)).toEqual(['Bravo', 'Alpha']);
    await until(async () => expect((await getTask(project.id, b.id)).sprint_id).toBe(s1.id));
    mounted.splice(0).forEach((w) => w.unmount());
    const again = await mountBacklog(project);
    expect(rowsOf(again.wrapper, s1.id)).toEqual(['Bravo', 'Alpha']);
  });

  it('rolls a refused move back and says why', async () => {
    const project = await newProject();
    const s1 = await sprint(project.id);
    const b = await task(project.id, { title: 'Bravo' });
    const { wrapper, context } = await mountBacklog(project);
    // The sprint is deleted behind the page's back: the move is refused.
    await t.api('DELETE', `/projects/${project.id}/sprints/${s1.id}`, { token: t.adminToken });
    await wrapper.find(`[data-task-id="${b.id}"]`).trigger('keydown', { key: 'ArrowUp', ctrlKey: true });
    await until(() => expect(context.toasts.some((toast) => toast.kind === 'error')).toBe(true));
    expect(rowsOf(wrapper, 'none')).toEqual(['Bravo']);
    expect((await getTask(project.id, b.id)).sprint_id).toBeNull();
  });

  it('adds a task inline in the backlog (Mod+Enter)', async () => {
    const project = await newProject();
    const { wrapper, context } = await mountBacklog(project);
    context.shortcuts.find((s) => s.keys === 'Mod+Enter')!.run(new KeyboardEvent('keydown'));
    await flushPromises();
    const input = wrapper.find('[data-testid="add-task-input"]');
    await input.setValue('Write the changelog');
    await wrapper.find('[data-group="none"] form').trigger('submit');
    expect(rowsOf(wrapper, 'none')).toEqual(['Write the changelog']);
    await until(async () => {
      const list = await call('GET', `/projects/${project.id}/tasks?sprint_id=null`);
      expect(list.items.map((x: { title: string }) => x.title)).toEqual(['Write the changelog']);
    });
    await until(() => expect(wrapper.find('[data-group="none"] [data-task-id^="pending-"]').exists()).toBe(false));
    expect(rowsOf(wrapper, 'none')).toEqual(['Write the changelog']);
  });

  it('edits a planned sprint’s name, goal and dates from its menu, and shows the API’s refusal', async () => {
    const project = await newProject();
    const s1 = await sprint(project.id);
    const { wrapper } = await mountBacklog(project);

    const trigger = wrapper.find(`[data-group="${s1.id}"] button[aria-label="Sprint actions"]`);
    await trigger.trigger('keydown', { key: 'Enter' });
    let edit: HTMLElement | undefined;
    await until(() => {
      edit = [...document.querySelectorAll<HTMLElement>('[role="menuitem"]')].find((el) => el.textContent?.trim() === 'Edit sprint');
      expect(edit).toBeDefined();
    });
    edit!.click();
    await until(() => expect(document.querySelector('[data-testid="edit-sprint-form"]')).not.toBeNull());
    const field = (name: string, value: string) => {
      const el = document.querySelector(`[data-testid="edit-sprint-form"] [name="${name}"]`) as HTMLInputElement | HTMLTextAreaElement;
      el.value = value;
      el.dispatchEvent(new Event('input'));
    };
    const save = () => (document.querySelector('[data-testid="edit-sprint-submit"]') as HTMLButtonElement).click();

    // The end before the start is caught in the form; nothing is sent.
    field('start_date', '2026-12-14');
    field('end_date', '2026-12-01');
    save();
    await until(() => expect(document.querySelector('[data-testid="edit-sprint-form"] [role="alert"]')?.textContent).toContain('end date is before'));
    expect((await getSprint(project.id, s1.id)).version).toBe(s1.version);

    field('name', 'Sign-in sprint');
    field('goal', 'Ship sign-in');
    field('end_date', '2026-12-28');
    save();
    await until(async () => expect(await getSprint(project.id, s1.id)).toMatchObject({
      name: 'Sign-in sprint', goal: 'Ship sign-in', start_date: '2026-12-14', end_date: '2026-12-28', status: 'planned',
    }));
    await until(() => expect(groupTitles(wrapper)).toContain('Sign-in sprint'));
  });

  it('starts a sprint from the dialog, then completes it moving unfinished tasks to the next sprint', async () => {
    const project = await newProject();
    const s1 = await sprint(project.id);
    const s2 = await sprint(project.id);
    const statuses = (await call('GET', `/projects/${project.id}/task-statuses`)).items as Array<{ id: string; category: string }>;
    const done = statuses.find((s) => s.category === 'done')!;
    const finished = await task(project.id, { title: 'Finished', story_points: 2, sprint_id: s1.id, status_id: done.id });
    const open = await task(project.id, { title: 'Open', story_points: 3, sprint_id: s1.id });
    const { wrapper } = await mountBacklog(project);

    await wrapper.find(`[data-group="${s1.id}"] [data-testid="start-sprint"]`).trigger('click');
    await until(() => expect(document.querySelector('[data-testid="start-sprint-form"]')).not.toBeNull());
    expect(document.body.textContent).toContain('2 tasks, 5 points will be committed.');
    const goal = document.querySelector('textarea[name="goal"]') as HTMLTextAreaElement;
    goal.value = 'Ship sign-in';
    goal.dispatchEvent(new Event('input'));
    (document.querySelector('[data-testid="start-sprint-submit"]') as HTMLButtonElement).click();
    await until(async () => expect((await getSprint(project.id, s1.id)).status).toBe('active'));
    const started = await getSprint(project.id, s1.id);
    expect(started.goal).toBe('Ship sign-in');
    expect(started.committed).toEqual({ story_points: 5, task_count: 2 });
    await until(() => expect(wrapper.find(`[data-group="${s1.id}"] [data-testid="complete-sprint"]`).exists()).toBe(true));

    await wrapper.find(`[data-group="${s1.id}"] [data-testid="complete-sprint"]`).trigger('click');
    await until(() => expect(document.body.textContent).toContain('1 of 2 tasks done.'));
    const select = document.querySelector('select[name="target_sprint"]') as HTMLSelectElement;
    expect(select.value).toBe(s2.id);
    (document.querySelector('[data-testid="complete-sprint-submit"]') as HTMLButtonElement).click();
    await until(async () => expect((await getSprint(project.id, s1.id)).status).toBe('completed'));
    expect((await getTask(project.id, open.id)).sprint_id).toBe(s2.id);
    expect((await getTask(project.id, finished.id)).sprint_id).toBe(s1.id);
    await until(() => expect(groupTitles(wrapper)).toEqual(['Sprint 2', 'Backlog']));
    expect(rowsOf(wrapper, s2.id)).toEqual(['Open']);
  });

  it('completes into the backlog when chosen, and reloads on live events', async () => {
    const project = await newProject();
    const s1 = await sprint(project.id);
    const open = await task(project.id, { title: 'Open', sprint_id: s1.id });
    await call('POST', `/projects/${project.id}/sprints/${s1.id}/start`, {});
    const { wrapper, context } = await mountBacklog(project);
    await wrapper.find(`[data-group="${s1.id}"] [data-testid="complete-sprint"]`).trigger('click');
    await until(() => expect(document.body.textContent).toContain('0 of 1 tasks done.'));
    (document.querySelector('input[name="target"][value="backlog"]') as HTMLInputElement).click();
    (document.querySelector('[data-testid="complete-sprint-submit"]') as HTMLButtonElement).click();
    await until(async () => expect((await getTask(project.id, open.id)).sprint_id).toBeNull());
    await until(() => expect(rowsOf(wrapper, 'none')).toEqual(['Open']));

    await task(project.id, { title: 'From elsewhere' });
    context.emit({ type: 'task.created', payload: {} });
    await until(() => expect(rowsOf(wrapper, 'none')).toEqual(['Open', 'From elsewhere']));
  });
});
