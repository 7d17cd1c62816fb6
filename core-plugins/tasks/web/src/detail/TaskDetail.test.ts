import { expectData, startTestKernel, type TestKernel, type TestUser } from '@paca/kernel/testing';
import { createTestSlotContext, withSlotContext, type TestSlotContext } from '@paca/plugin-sdk/web/testing';
import { flushPromises, mount, type VueWrapper } from '@vue/test-utils';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { ProjectSummary } from '@paca/plugin-sdk/web';
import { offerTaskPreview, takeTaskPreview } from '../shared/task-preview.js';
import TaskDetail from './TaskDetail.vue';

// The task detail against a real kernel: what it shows, what its edits persist, and what it
// refuses or explains (conflicts, stale reverts, read-only members).

let t: TestKernel;
let baseUrl: string;
let project: ProjectSummary;
let admin: { id: string; username: string };
let viewer: TestUser;
let mentioned: TestUser;
const statuses: Record<string, { id: string; name: string }> = {};
const mounted: VueWrapper[] = [];

const WRITE = ['tasks:read', 'tasks:write'];

async function addMember(user: { id: string }, roleName: string) {
  const roles = expectData(await t.api('GET', `/projects/${project.id}/roles`, { token: t.adminToken }));
  const role = roles.items.find((r: { name: string }) => r.name === roleName);
  expectData(await t.api('POST', `/projects/${project.id}/members`, { token: t.adminToken, body: { user_id: user.id, role_ids: [role.id] } }), 201);
}

async function createTask(body: Record<string, unknown>) {
  return expectData(await t.api('POST', `/projects/${project.id}/tasks`, { token: t.adminToken, body }), 201) as { id: string; key: string; version: number };
}
const getTask = async (id: string) => expectData(await t.api('GET', `/projects/${project.id}/tasks/${id}`, { token: t.adminToken }));

function open(taskKey: string, options: { token?: string; actions?: string[]; user?: { id: string; username: string } } = {}) {
  const context: TestSlotContext = createTestSlotContext({
    baseUrl, token: options.token ?? t.adminToken, project, actions: options.actions ?? WRITE,
    params: { projectId: project.id, taskId: taskKey }, slot: { plugin_id: 'tasks', slot: 'task.detail', component: 'TaskDetail' },
  });
  context.user.value = { id: (options.user ?? admin).id, username: (options.user ?? admin).username, full_name: '', must_change_password: false };
  const wrapper = mount(TaskDetail, withSlotContext(context, { attachTo: document.body }));
  mounted.push(wrapper);
  return { wrapper, context };
}

/** Waits until the detail shows the task (and the project's settings and feed have loaded). */
async function ready(wrapper: VueWrapper) {
  await vi.waitFor(() => {
    expect(wrapper.find('[data-test="task-key"]').exists()).toBe(true);
    expect(wrapper.find('[data-test="status"]').text()).not.toContain('Unknown');
    expect(wrapper.find('[aria-label="Activity"] [aria-busy]').exists()).toBe(false);
  }, { timeout: 10_000 });
}

/** Opens a picker by its trigger and picks the option with this label (Reka renders it in a portal). */
async function pick(wrapper: VueWrapper, trigger: string, label: string) {
  await wrapper.find(`button[data-test="${trigger}"]`).trigger('click');
  let option: HTMLElement | undefined;
  await vi.waitFor(() => {
    option = [...document.body.querySelectorAll<HTMLElement>('[role="option"]')].find((el) => el.textContent?.trim() === label);
    expect(option).toBeTruthy();
  }, { timeout: 10_000 });
  option!.click();
  await flushPromises();
}

beforeAll(async () => {
  t = await startTestKernel();
  baseUrl = await t.listen();
  project = expectData(await t.api('POST', '/projects', { token: t.adminToken, body: { name: `Detail ${Math.random().toString(36).slice(2, 7)}` } }), 201);
  admin = expectData(await t.api('GET', '/users/me', { token: t.adminToken }));
  viewer = await t.createUser();
  mentioned = await t.createUser();
  await addMember(viewer, 'Viewer');
  await addMember(mentioned, 'Editor');
  const list = expectData(await t.api('GET', `/projects/${project.id}/task-statuses`, { token: t.adminToken }));
  for (const s of list.items) statuses[s.category] = s;
});
afterEach(() => { mounted.splice(0).forEach((w) => w.unmount()); document.body.innerHTML = ''; });
afterAll(() => t?.close());

describe('TaskDetail', () => {
  it('shows the task by key: title, description, status, priority and labels', async () => {
    const task = await createTask({ title: 'Ship the detail', description: 'Some **bold** words', importance: 3, tags: ['frontend'], status_id: statuses.todo!.id });
    const { wrapper } = open(task.key);
    await ready(wrapper);
    expect((wrapper.find('[data-test="title"]').element as HTMLTextAreaElement).value).toBe('Ship the detail');
    expect(wrapper.find('[data-test="task-key"]').text()).toBe(task.key);
    expect(wrapper.find('[data-test="status"]').text()).toBe(statuses.todo!.name);
    expect(wrapper.find('[data-test="priority"]').text()).toBe('High');
    expect(wrapper.find('[aria-label="Properties"]').text()).toContain('frontend');
    await vi.waitFor(() => expect(wrapper.find('[aria-label="Description"] strong').text()).toBe('bold'), { timeout: 10_000 });
    expect(wrapper.find('[data-test="event"]').text()).toContain('created the task');
  });

  it('draws the task a view offered at once, then takes the API’s newer copy', async () => {
    const task = await createTask({ title: 'Seen on the board' });
    const listed = await getTask(task.id);
    // Someone renames it after the board listed it: the preview is stale by one version.
    expectData(await t.api('PATCH', `/projects/${project.id}/tasks/${task.id}`, { token: t.adminToken, body: { title: 'Renamed meanwhile' } }));
    offerTaskPreview(project.id, listed);
    const { wrapper } = open(task.key);
    await flushPromises();
    expect((wrapper.find('[data-test="title"]').element as HTMLTextAreaElement).value).toBe('Seen on the board');
    await vi.waitFor(() => expect((wrapper.find('[data-test="title"]').element as HTMLTextAreaElement).value).toBe('Renamed meanwhile'), { timeout: 10_000 });
    // An offer serves the next open of that task only.
    expect(takeTaskPreview(project.id, task.key)).toBeNull();
  });

  it('says the task was deleted when the offered one no longer exists', async () => {
    const task = await createTask({ title: 'Gone soon' });
    const listed = await getTask(task.id);
    expectData(await t.api('DELETE', `/projects/${project.id}/tasks/${task.id}`, { token: t.adminToken }), 204);
    offerTaskPreview(project.id, listed);
    const { wrapper } = open(task.key);
    await vi.waitFor(() => expect(wrapper.text()).toContain('This task was deleted'), { timeout: 10_000 });
  });

  it('says so when the task does not exist', async () => {
    const { wrapper } = open(`${project.task_id_prefix}-9999`);
    await vi.waitFor(() => expect(wrapper.text()).toContain('Task not found'), { timeout: 10_000 });
  });

  it('changes the priority through the picker and the kernel keeps it', async () => {
    const task = await createTask({ title: 'Prioritise me' });
    const { wrapper, context } = open(task.key);
    await ready(wrapper);
    await pick(wrapper, 'priority', 'Urgent');
    expect(wrapper.find('[data-test="priority"]').text()).toBe('Urgent');
    await vi.waitFor(async () => expect((await getTask(task.id)).importance).toBe(4), { timeout: 10_000 });
    expect((await getTask(task.id)).version).toBe(2);
    expect(context.toasts).toEqual([]);
    // The feed reads the change back in words, not ids.
    await vi.waitFor(() => expect(wrapper.find('[data-test="change"]').text()).toMatch(/changed priority from\s+No priority\s+→\s+Urgent/), { timeout: 5000 });
  });

  it('shows the conflict and their value when someone else changed the same field', async () => {
    const task = await createTask({ title: 'Contested' });
    const { wrapper, context } = open(task.key);
    await ready(wrapper);
    // Someone else sets the priority while this detail still shows version 1 (no live event reaches it).
    expectData(await t.api('PATCH', `/projects/${project.id}/tasks/${task.id}`, { token: t.adminToken, body: { importance: 1, version: 1 } }));
    await pick(wrapper, 'priority', 'Urgent');
    await vi.waitFor(() => expect(wrapper.find('[data-test="conflict"]').text()).toContain('changed by someone else'), { timeout: 10_000 });
    expect(wrapper.find('[data-test="priority"]').text()).toBe('Low');
    expect((await getTask(task.id)).importance).toBe(1);
    expect(context.toasts.map((toast) => toast.title)).toContain('Changed by someone else');
  });

  it('replays an edit on top of someone else’s change to another field', async () => {
    const task = await createTask({ title: 'Two editors' });
    const { wrapper } = open(task.key);
    await ready(wrapper);
    expectData(await t.api('PATCH', `/projects/${project.id}/tasks/${task.id}`, { token: t.adminToken, body: { tags: ['theirs'], version: 1 } }));
    await pick(wrapper, 'priority', 'Medium');
    await vi.waitFor(async () => expect(await getTask(task.id)).toMatchObject({ importance: 2, tags: ['theirs'], version: 3 }), { timeout: 10_000 });
    expect(wrapper.find('[data-test="conflict"]').exists()).toBe(false);
  });

  it('posts a comment that @mentions a member, who is notified', async () => {
    const task = await createTask({ title: 'Needs a review' });
    const { wrapper } = open(task.key);
    await ready(wrapper);
    const composer = wrapper.find('[data-test="composer"]');
    await vi.waitFor(() => expect(composer.find('[contenteditable]').exists()).toBe(true), { timeout: 10_000 });
    const editor = wrapper.findAllComponents({ name: 'MarkdownEditor' }).find((c) => composer.element.contains(c.element));
    editor!.vm.$emit('update:modelValue', `Could you look, @${mentioned.username}?`);
    await flushPromises();
    await composer.find('[data-test="post-comment"]').trigger('click');
    await vi.waitFor(() => expect(wrapper.find('[data-test="comment"]').text()).toContain(`@${mentioned.username}`), { timeout: 10_000 });

    const feed = expectData(await t.api('GET', `/projects/${project.id}/tasks/${task.id}/activities`, { token: t.adminToken }));
    expect(feed.items.find((e: { activity_type: string }) => e.activity_type === 'comment').content.text).toContain(`@${mentioned.username}`);
    await vi.waitFor(async () => {
      const notes = expectData(await t.api('GET', '/users/me/notifications', { token: mentioned.token }));
      expect(notes.items.some((n: { type: string }) => n.type === 'task.mentioned')).toBe(true);
    }, { timeout: 10_000 });
  });

  it('reverts a field change from the feed', async () => {
    const task = await createTask({ title: 'Moved by mistake', status_id: statuses.todo!.id });
    expectData(await t.api('PATCH', `/projects/${project.id}/tasks/${task.id}`, { token: t.adminToken, body: { status_id: statuses.done!.id } }));
    const { wrapper, context } = open(task.key);
    await ready(wrapper);
    expect(wrapper.find('[data-test="status"]').text()).toBe(statuses.done!.name);
    const change = wrapper.find('[data-test="change"]');
    expect(change.text()).toContain(`changed status from ${statuses.todo!.name} → ${statuses.done!.name}`);
    await change.find('[data-test="revert"]').trigger('click');
    await vi.waitFor(async () => expect((await getTask(task.id)).status_id).toBe(statuses.todo!.id), { timeout: 10_000 });
    await vi.waitFor(() => expect(wrapper.find('[data-test="status"]').text()).toBe(statuses.todo!.name), { timeout: 10_000 });
    expect(context.toasts.map((toast) => toast.title)).toContain('Change reverted');
  });

  it('explains a revert that is stale because the field moved on', async () => {
    const task = await createTask({ title: 'Moved twice', status_id: statuses.todo!.id });
    expectData(await t.api('PATCH', `/projects/${project.id}/tasks/${task.id}`, { token: t.adminToken, body: { status_id: statuses.inprogress!.id } }));
    t.clock.advance(1000);
    expectData(await t.api('PATCH', `/projects/${project.id}/tasks/${task.id}`, { token: t.adminToken, body: { status_id: statuses.done!.id } }));
    const { wrapper, context } = open(task.key);
    await ready(wrapper);
    const first = wrapper.findAll('[data-test="change"]').find((row) => row.text().includes(`${statuses.todo!.name} → ${statuses.inprogress!.name}`));
    await first!.find('[data-test="revert"]').trigger('click');
    await vi.waitFor(() => expect(context.toasts.map((toast) => toast.title)).toContain('Cannot revert this change'), { timeout: 10_000 });
    expect(context.toasts.find((toast) => toast.title === 'Cannot revert this change')!.description).toContain('status');
    expect((await getTask(task.id)).status_id).toBe(statuses.done!.id);
  });

  it('applies another user’s change that arrives live', async () => {
    const task = await createTask({ title: 'Live one' });
    const { wrapper, context } = open(task.key);
    await ready(wrapper);
    const updated = expectData(await t.api('PATCH', `/projects/${project.id}/tasks/${task.id}`, { token: t.adminToken, body: { title: 'Renamed elsewhere', version: 1 } }));
    context.emit({ type: 'task.updated', payload: { task_id: task.id, task: updated, changes: [] } });
    await vi.waitFor(() => expect((wrapper.find('[data-test="title"]').element as HTMLTextAreaElement).value).toBe('Renamed elsewhere'), { timeout: 10_000 });
  });

  it('autosaves the description on Mod+S and says Saved', async () => {
    const task = await createTask({ title: 'Describe me' });
    const { wrapper } = open(task.key);
    await ready(wrapper);
    const section = wrapper.find('[aria-label="Description"]');
    await vi.waitFor(() => expect(section.find('[contenteditable]').exists()).toBe(true), { timeout: 10_000 });
    const editor = wrapper.findAllComponents({ name: 'MarkdownEditor' }).find((c) => section.element.contains(c.element))!;
    editor.vm.$emit('update:modelValue', 'The **new** spec');
    await flushPromises();
    expect(section.find('[data-test="save-state"]').text()).toContain('Unsaved');
    editor.vm.$emit('save', 'The **new** spec');
    await vi.waitFor(async () => expect((await getTask(task.id)).description).toBe('The **new** spec'), { timeout: 10_000 });
    await vi.waitFor(() => expect(section.find('[data-test="save-state"]').text()).toBe('Saved'), { timeout: 10_000 });
  });

  it('adds a sub-issue inline and marks it done', async () => {
    const task = await createTask({ title: 'Parent story' });
    const { wrapper } = open(task.key);
    await ready(wrapper);
    await wrapper.find('[aria-label="Add sub-issue"]').trigger('click');
    const input = wrapper.find('input[aria-label="Sub-issue title"]');
    await input.setValue('Write the migration');
    await input.trigger('keydown', { key: 'Enter' });
    await vi.waitFor(() => expect(wrapper.find('[data-test="subtask"]').text()).toMatch(new RegExp(`${project.task_id_prefix}-\\d+`)), { timeout: 10_000 });
    const children = expectData(await t.api('GET', `/projects/${project.id}/tasks?parent_task_id=${task.id}`, { token: t.adminToken })).items;
    expect(children.map((c: { title: string }) => c.title)).toEqual(['Write the migration']);
    await wrapper.find('[data-test="subtask"] button').trigger('click');
    await vi.waitFor(async () => expect((await getTask(children[0].id)).status_id).toBe(statuses.done!.id), { timeout: 10_000 });
    expect(wrapper.find('[aria-label="Sub-issues"]').text()).toContain('1/1');
  });

  it('links a task as blocking this one, and removes the link', async () => {
    const blocker = await createTask({ title: 'Unique blocker task' });
    const task = await createTask({ title: 'Blocked work' });
    const { wrapper } = open(task.key);
    await ready(wrapper);
    await wrapper.find('[aria-label="Add link"]').trigger('click');
    await vi.waitFor(() => expect(document.body.querySelector('[role="radiogroup"]')).toBeTruthy(), { timeout: 10_000 });
    [...document.body.querySelectorAll<HTMLElement>('[role="radio"]')].find((el) => el.textContent === 'Blocked by')!.click();
    const search = document.body.querySelector<HTMLInputElement>('input[aria-label="Find a task"]')!;
    search.value = 'Unique blocker';
    search.dispatchEvent(new Event('input'));
    let option: HTMLElement | undefined;
    await vi.waitFor(() => {
      option = [...document.body.querySelectorAll<HTMLElement>('[role="option"]')].find((el) => el.textContent?.includes('Unique blocker task'));
      expect(option).toBeTruthy();
    }, { timeout: 10_000 });
    option!.click();
    await vi.waitFor(() => expect(wrapper.find('[data-test="link"]').text()).toContain(blocker.key), { timeout: 10_000 });
    expect(wrapper.find('[aria-label="Links"]').text()).toContain('Blocked by');
    const links = expectData(await t.api('GET', `/projects/${project.id}/tasks/${blocker.id}/links`, { token: t.adminToken })).items;
    expect(links).toMatchObject([{ source_task_id: blocker.id, target_task_id: task.id, link_type: 'blocks' }]);
    await wrapper.find(`[aria-label="Remove link to ${blocker.key}"]`).trigger('click');
    await vi.waitFor(async () => expect(expectData(await t.api('GET', `/projects/${project.id}/tasks/${task.id}/links`, { token: t.adminToken })).items).toEqual([]), { timeout: 10_000 });
  });

  it('uploads a file through the presigned flow and lists it', async () => {
    const task = await createTask({ title: 'With a file' });
    // The kernel signs upload URLs for its PUBLIC_URL (port 8080 by default); this one listens elsewhere.
    const realFetch = globalThis.fetch;
    const spy = vi.spyOn(globalThis, 'fetch').mockImplementation((input, init) =>
      realFetch(typeof input === 'string' ? input.replace(/^http:\/\/localhost:8080/, baseUrl) : input, init));
    const { wrapper, context } = open(task.key);
    await ready(wrapper);
    const input = wrapper.find('[data-test="file-input"]');
    const file = new File(['hello, paca'], 'notes.txt', { type: 'text/plain' });
    Object.defineProperty(input.element, 'files', { value: [file], configurable: true });
    await input.trigger('change');
    await vi.waitFor(() => expect(wrapper.find('[data-test="attachment"]').text()).toContain('notes.txt'), { timeout: 10_000 });
    expect(context.toasts).toEqual([]);
    const files = expectData(await t.api('GET', `/projects/${project.id}/tasks/${task.id}/attachments`, { token: t.adminToken })).items;
    expect(files).toMatchObject([{ file_name: 'notes.txt', file_size: 11, upload_status: 'uploaded' }]);
    spy.mockRestore();
  });

  it('shows a Viewer the task without edit controls', async () => {
    const task = await createTask({ title: 'Read only', importance: 2 });
    expectData(await t.api('PATCH', `/projects/${project.id}/tasks/${task.id}`, { token: t.adminToken, body: { importance: 3 } }));
    const { wrapper } = open(task.key, { token: viewer.token, actions: ['tasks:read'], user: viewer });
    await ready(wrapper);
    expect(wrapper.find('h1[data-test="title"]').text()).toBe('Read only');
    expect(wrapper.find('textarea').exists()).toBe(false);
    expect(wrapper.find('button[data-test="priority"]').exists()).toBe(false);
    expect(wrapper.find('[data-test="priority"]').text()).toContain('High');
    expect(wrapper.find('[data-test="composer"]').exists()).toBe(false);
    expect(wrapper.find('[data-test="revert"]').exists()).toBe(false);
    expect(wrapper.find('[aria-label="Add sub-issue"]').exists()).toBe(false);
    expect(wrapper.find('[data-test="file-input"]').exists()).toBe(false);
    expect(wrapper.find('[contenteditable="true"]').exists()).toBe(false);
  });
});
