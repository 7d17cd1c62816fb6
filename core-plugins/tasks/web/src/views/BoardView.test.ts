import { expectData, startTestKernel, type TestKernel } from '@paca/kernel/testing';
import { createTestSlotContext, withSlotContext, type TestSlotContext } from '@paca/plugin-sdk/web/testing';
import { flushPromises, mount, type VueWrapper } from '@vue/test-utils';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import BoardView from './BoardView.vue';

// The board view against a real kernel: columns and cards the user sees, and what the API holds
// after a move, an add or a refusal.

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
  return expectData(await t.api('POST', '/projects', { token: t.adminToken, body: { name: `Board ${Math.random().toString(36).slice(2, 8)}` } }), 201);
}
const statusesOf = async (projectId: string) =>
  expectData(await t.api('GET', `/projects/${projectId}/task-statuses`, { token: t.adminToken })).items as Array<{ id: string; name: string; category: string }>;
const createTask = async (projectId: string, body: Record<string, unknown>) =>
  expectData(await t.api('POST', `/projects/${projectId}/tasks`, { token: t.adminToken, body }), 201) as { id: string; key: string; title: string; status_id: string; version: number };
const getTask = async (projectId: string, id: string) => expectData(await t.api('GET', `/projects/${projectId}/tasks/${id}`, { token: t.adminToken }));
const newBoard = async (projectId: string) =>
  expectData(await t.api('POST', `/projects/${projectId}/views`, { token: t.adminToken, body: { name: 'Board', view_type: 'board', view_context: 'backlog', config: { column_by: 'status' } } }), 201);

async function addViewer(projectId: string): Promise<string> {
  const user = await t.createUser();
  const roles = expectData(await t.api('GET', `/projects/${projectId}/roles`, { token: t.adminToken }));
  const viewer = roles.items.find((r: { name: string }) => r.name === 'Viewer');
  expectData(await t.api('POST', `/projects/${projectId}/members`, { token: t.adminToken, body: { user_id: user.id, role_ids: [viewer.id] } }), 201);
  return user.token;
}

async function mountBoard(project: Project, options: { token?: string; actions?: string[] } = {}) {
  const view = await newBoard(project.id);
  const context = createTestSlotContext({ baseUrl, token: options.token ?? t.adminToken, project, view, actions: options.actions ?? WRITE, params: { projectId: project.id } });
  const wrapper = mount(BoardView, withSlotContext(context, { attachTo: document.body }));
  mounted.push(wrapper);
  await vi.waitFor(() => expect(wrapper.find('[aria-busy="true"]').exists()).toBe(false), { timeout: 15_000 });
  await flushPromises();
  return { context, wrapper, view };
}

const headers = (wrapper: VueWrapper) => wrapper.findAll('[data-column-header]').map((h) => h.find('.font-medium').text());
const cardsIn = (wrapper: VueWrapper, statusId: string) =>
  wrapper.findAll(`[data-column-key="${statusId}"] [data-id]`).map((c) => c.find('.card-title').text());

async function pressShortcut(context: TestSlotContext, keys: string) {
  const shortcut = context.shortcuts.find((s) => s.keys === keys);
  expect(shortcut, keys).toBeDefined();
  shortcut!.run(new KeyboardEvent('keydown'));
  await flushPromises();
}

describe('BoardView', () => {
  it('renders the statuses as columns and the tasks as cards in them', async () => {
    const project = await newProject();
    const statuses = await statusesOf(project.id);
    const todo = statuses.find((s) => s.category === 'todo')!;
    const done = statuses.find((s) => s.category === 'done')!;
    await createTask(project.id, { title: 'Write the brief', status_id: todo.id, importance: 3, tags: ['docs'] });
    await createTask(project.id, { title: 'Ship it', status_id: done.id });
    const { wrapper } = await mountBoard(project);

    expect(headers(wrapper)).toEqual(statuses.map((s) => s.name));
    expect(cardsIn(wrapper, todo.id)).toEqual(['Write the brief']);
    expect(cardsIn(wrapper, done.id)).toEqual(['Ship it']);
    const card = wrapper.find(`[data-column-key="${todo.id}"] [data-id]`);
    expect(card.text()).toContain(`${project.task_id_prefix}-1`);
    expect(card.text()).toContain('docs');
  });

  it('moves a card to the next column with Mod+ArrowRight and persists its status', async () => {
    const project = await newProject();
    const statuses = await statusesOf(project.id);
    const [first, second] = statuses;
    const task = await createTask(project.id, { title: 'Move me', status_id: first!.id });
    const { wrapper, context } = await mountBoard(project);

    (wrapper.find(`[data-id="${task.id}"]`).element as HTMLElement).focus();
    await pressShortcut(context, 'Mod+ArrowRight');
    // Optimistic: the card is in the next column at once.
    expect(cardsIn(wrapper, second!.id)).toEqual(['Move me']);
    expect(cardsIn(wrapper, first!.id)).toEqual([]);
    await vi.waitFor(async () => expect((await getTask(project.id, task.id)).status_id).toBe(second!.id));
    expect(context.toasts.filter((toast) => toast.kind === 'error')).toEqual([]);
  });

  it('persists a dropped card: its status, and its place between the cards of the column', async () => {
    const project = await newProject();
    const [first, second] = await statusesOf(project.id);
    const a = await createTask(project.id, { title: 'A', status_id: second!.id });
    const b = await createTask(project.id, { title: 'B', status_id: second!.id });
    const moving = await createTask(project.id, { title: 'Dropped', status_id: first!.id });
    const { wrapper, view } = await mountBoard(project);

    // What the drag library reports when the card lands between A and B in the second column.
    const target = wrapper.findAllComponents({ name: 'BoardColumn' }).find((c) => c.props('columnKey') === second!.id)!;
    target.vm.$emit('drop', { taskId: moving.id, columnKey: second!.id, laneKey: null, afterId: a.id, beforeId: b.id });
    await flushPromises();
    expect(cardsIn(wrapper, second!.id)).toEqual(['A', 'Dropped', 'B']);
    await vi.waitFor(async () => {
      expect((await getTask(project.id, moving.id)).status_id).toBe(second!.id);
      const positions = expectData(await t.api('GET', `/projects/${project.id}/views/${view.id}/task-positions`, { token: t.adminToken })).items as Array<{ task_id: string }>;
      // The cards above the drop point get positions; B keeps following the placed cards.
      expect(positions.map((p) => p.task_id)).toEqual([a.id, moving.id]);
    });
    // A fresh load shows the same order.
    const context = createTestSlotContext({ baseUrl, token: t.adminToken, project, view, actions: WRITE, params: { projectId: project.id } });
    const again = mount(BoardView, withSlotContext(context, { attachTo: document.body }));
    mounted.push(again);
    await vi.waitFor(() => expect(cardsIn(again, second!.id)).toEqual(['A', 'Dropped', 'B']), { timeout: 15_000 });
  });

  it('rolls a refused move back and says why (a Viewer)', async () => {
    const project = await newProject();
    const [first, second] = await statusesOf(project.id);
    const task = await createTask(project.id, { title: 'Stay here', status_id: first!.id });
    const viewerToken = await addViewer(project.id);
    // The context claims write access; the server knows better.
    const { wrapper, context } = await mountBoard(project, { token: viewerToken });

    (wrapper.find(`[data-id="${task.id}"]`).element as HTMLElement).focus();
    await pressShortcut(context, 'Mod+ArrowRight');
    await vi.waitFor(() => expect(context.toasts.some((toast) => toast.kind === 'error')).toBe(true));
    await flushPromises();
    expect(cardsIn(wrapper, first!.id)).toEqual(['Stay here']);
    expect(cardsIn(wrapper, second!.id)).toEqual([]);
    expect(context.toasts.filter((toast) => toast.kind === 'error')).toHaveLength(1);
    expect(context.toasts[0]!.title).toContain(task.key);
    expect((await getTask(project.id, task.id)).status_id).toBe(first!.id);
  });

  it('offers no drag and no add without tasks:write', async () => {
    const project = await newProject();
    await createTask(project.id, { title: 'Read only' });
    const { wrapper } = await mountBoard(project, { actions: ['tasks:read', 'views:read'] });
    expect(wrapper.findAll('[data-id]')).toHaveLength(1);
    expect(wrapper.find('.add-task').exists()).toBe(false);
    expect(wrapper.findAllComponents({ name: 'BoardColumn' }).every((c) => c.props('canWrite') === false)).toBe(true);
  });

  it('adds tasks inline in a column, staying open for the next', async () => {
    const project = await newProject();
    const statuses = await statusesOf(project.id);
    const inprogress = statuses.find((s) => s.category === 'inprogress')!;
    await createTask(project.id, { title: 'Existing' });
    const { wrapper, context } = await mountBoard(project);

    const column = wrapper.find(`[data-column-key="${inprogress.id}"]`);
    await column.find('.add-task').trigger('click');
    await flushPromises();
    const input = column.find('input[aria-label="New task title"]');
    await input.setValue('Fresh idea');
    await column.find('form').trigger('submit');
    // The card shows in the same tick, before the API answers: dimmed, busy, not openable yet.
    expect(cardsIn(wrapper, inprogress.id)).toEqual(['Fresh idea']);
    const pending = column.find('.task-card[aria-busy="true"]');
    expect(pending.exists()).toBe(true);
    await pending.trigger('click');
    // Then it becomes the created task, with its key, and can be opened.
    const all = await vi.waitFor(async () => {
      const items = expectData(await t.api('GET', `/projects/${project.id}/tasks`, { token: t.adminToken })).items as Array<{ id: string; key: string; title: string; status_id: string }>;
      expect(items.find((x) => x.title === 'Fresh idea')).toBeDefined();
      return items;
    });
    const created = all.find((x) => x.title === 'Fresh idea')!;
    expect(created.status_id).toBe(inprogress.id);
    await vi.waitFor(() => expect(column.find(`[data-id="${created.id}"]`).exists()).toBe(true));
    expect(column.find('.task-card[aria-busy="true"]').exists()).toBe(false);
    expect(column.find(`[data-id="${created.id}"]`).text()).toContain(created.key);
    expect(cardsIn(wrapper, inprogress.id)).toEqual(['Fresh idea']);
    expect(column.find('input[aria-label="New task title"]').exists()).toBe(true);
    expect(context.openedTasks).toEqual([]);
  });

  it('adds tasks faster than the API answers: each shows at once, all are saved, in the order typed', async () => {
    const project = await newProject();
    const statuses = await statusesOf(project.id);
    await createTask(project.id, { title: 'Existing', status_id: statuses[1]!.id });
    const { wrapper, context } = await mountBoard(project);
    const column = wrapper.find(`[data-column-key="${statuses[0]!.id}"]`);
    await column.find('.add-task').trigger('click');
    await flushPromises();
    const input = column.find('input[aria-label="New task title"]');
    // The API answers each create only when the test says so: all three are typed first, then the
    // first one is saved while the other two are still on their way.
    const releases: Array<() => void> = [];
    const put = vi.spyOn(context.api, 'put');
    const post = context.api.post.bind(context.api);
    vi.spyOn(context.api, 'post').mockImplementation(async (...args: Parameters<typeof post>) => {
      await new Promise<void>((resolve) => releases.push(resolve));
      return post(...args);
    });
    for (const title of ['First', 'Second', 'Third']) {
      await input.setValue(title);
      await column.find('form').trigger('submit');
    }
    expect(cardsIn(wrapper, statuses[0]!.id)).toEqual(['First', 'Second', 'Third']);
    releases[0]!();
    await vi.waitFor(() => expect(column.findAll('.task-card[aria-busy="true"]')).toHaveLength(2));
    // The first card takes its place at the bottom (a PUT) while the others are still pending.
    await vi.waitFor(() => expect(put).toHaveBeenCalled());
    await Promise.allSettled(put.mock.results.map((r) => r.value));
    await flushPromises();
    // The rest are sent one after another: answer each as it comes.
    for (const index of [1, 2]) {
      await vi.waitFor(() => expect(releases[index]).toBeDefined());
      releases[index]!();
    }
    await vi.waitFor(() => expect(column.findAll('.task-card[aria-busy="true"]')).toHaveLength(0));
    // No write was refused (a placeholder's id must never reach the API), and the order is kept.
    await flushPromises();
    expect(context.toasts.filter((toast) => toast.kind === 'error')).toEqual([]);
    expect(cardsIn(wrapper, statuses[0]!.id)).toEqual(['First', 'Second', 'Third']);
    const all = expectData(await t.api('GET', `/projects/${project.id}/tasks`, { token: t.adminToken })).items as Array<{ title: string }>;
    expect(all.map((x) => x.title).sort()).toEqual(['Existing', 'First', 'Second', 'Third']);
  });

  it('takes the card back out and says why when the API refuses the new task', async () => {
    const project = await newProject();
    const statuses = await statusesOf(project.id);
    const existing = await createTask(project.id, { title: 'Existing', status_id: statuses[1]!.id });
    const { wrapper, context } = await mountBoard(project);
    const column = wrapper.find(`[data-column-key="${statuses[0]!.id}"]`);
    await column.find('.add-task').trigger('click');
    await flushPromises();
    // A title over the API's limit: shown at once, then refused with the API's message.
    await column.find('input[aria-label="New task title"]').setValue('x'.repeat(600));
    await column.find('form').trigger('submit');
    expect(cardsIn(wrapper, statuses[0]!.id)).toHaveLength(1);
    await vi.waitFor(() => expect(context.toasts.at(-1)?.kind).toBe('error'));
    expect(cardsIn(wrapper, statuses[0]!.id)).toEqual([]);
    const all = expectData(await t.api('GET', `/projects/${project.id}/tasks`, { token: t.adminToken })).items as Array<{ id: string }>;
    expect(all.map((x) => x.id)).toEqual([existing.id]);
  });

  it('moves a card to a sprint, or back to the backlog, from its context menu', async () => {
    const project = await newProject();
    const task = await createTask(project.id, { title: 'Plan me' });
    const sprint = expectData(await t.api('POST', `/projects/${project.id}/sprints`, { token: t.adminToken, body: { name: 'Sprint 7' } }), 201);
    const { wrapper } = await mountBoard(project, { actions: [...WRITE, 'sprints:read', 'sprints:write'] });

    const openMenu = async () => {
      await wrapper.find(`[data-id="${task.id}"]`).trigger('contextmenu', { clientX: 20, clientY: 20 });
      await vi.waitFor(() => expect(document.body.textContent).toContain('Move to sprint'));
    };
    const pick = async (...labels: string[]) => {
      for (const label of labels) {
        const item = [...document.querySelectorAll<HTMLElement>('[role="menuitem"], [role="menuitemradio"], [role="menuitemcheckbox"]')].find((el) => el.textContent?.trim().startsWith(label));
        expect(item, label).toBeDefined();
        item!.click();
        await flushPromises();
      }
    };
    await openMenu();
    await pick('Move to sprint', 'Sprint 7');
    await vi.waitFor(async () => expect((await getTask(project.id, task.id)).sprint_id).toBe(sprint.id));

    await openMenu();
    await pick('Move to sprint', 'Backlog (no sprint)');
    await vi.waitFor(async () => expect((await getTask(project.id, task.id)).sprint_id).toBeNull());
  });

  it('applies a task.updated event from someone else to the card', async () => {
    const project = await newProject();
    const task = await createTask(project.id, { title: 'Old title' });
    const { wrapper, context } = await mountBoard(project);

    const updated = expectData(await t.api('PATCH', `/projects/${project.id}/tasks/${task.id}`, { token: t.adminToken, body: { title: 'New title' } }));
    context.emit({ type: 'task.updated', payload: { task_id: task.id, task_number: 1, changes: [{ field: 'title', old: 'Old title', new: 'New title' }], task: updated } });
    await flushPromises();
    expect(wrapper.find(`[data-id="${task.id}"] .card-title`).text()).toBe('New title');

    context.emit({ type: 'task.deleted', payload: { task_id: task.id, task_number: 1 } });
    await flushPromises();
    expect(wrapper.find(`[data-id="${task.id}"]`).exists()).toBe(false);
  });

  it('opens a card on click and on Enter', async () => {
    const project = await newProject();
    const task = await createTask(project.id, { title: 'Open me' });
    const { wrapper, context } = await mountBoard(project);
    await wrapper.find(`[data-id="${task.id}"]`).trigger('click');
    await wrapper.find(`[data-id="${task.id}"]`).trigger('keydown', { key: 'Enter' });
    expect(context.openedTasks).toEqual([{ projectId: project.id, task: task.key }, { projectId: project.id, task: task.key }]);
  });
});
