import { expectData, startTestKernel, type TestKernel } from '@paca/kernel/testing';
import { createTestSlotContext, withSlotContext } from '@paca/plugin-sdk/web/testing';
import { flushPromises, mount, type VueWrapper } from '@vue/test-utils';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Component } from 'vue';
import CustomFieldsSettings from './CustomFieldsSettings.vue';
import StatusesSettings from './StatusesSettings.vue';
import TaskTypesSettings from './TaskTypesSettings.vue';

/** Waits for what the user would see; generous, as the machine running the kernel may be busy. */
const until = <T>(check: () => T | Promise<T>) => vi.waitFor(check, { timeout: 15_000, interval: 40 });

// The tasks plugin's settings tabs against a real kernel: what the user sees, and what the API
// holds after they act.

let t: TestKernel;
let baseUrl: string;
const mounted: VueWrapper[] = [];
beforeAll(async () => {
  t = await startTestKernel();
  baseUrl = await t.listen();
}, 120_000);
afterAll(() => t?.close());
afterEach(() => { mounted.splice(0).forEach((w) => w.unmount()); document.body.innerHTML = ''; });

const WRITE = ['project.settings.task_statuses:write', 'project.settings.task_types:write', 'project.settings.custom_fields:write'];

async function newProject() {
  const project = expectData(await t.api('POST', '/projects', { token: t.adminToken, body: { name: `Settings ${Math.random().toString(36).slice(2, 8)}` } }), 201);
  return project as { id: string; name: string; description: string; task_id_prefix: string; is_public: boolean; version: number; settings: Record<string, unknown> };
}
const statusesOf = async (projectId: string) =>
  expectData(await t.api('GET', `/projects/${projectId}/task-statuses`, { token: t.adminToken })).items as Array<{ id: string; name: string; position: number }>;

async function mountTab(component: Component, options: { actions?: string[] } = {}) {
  const project = await newProject();
  const context = createTestSlotContext({ baseUrl, token: t.adminToken, project, actions: options.actions ?? WRITE });
  const wrapper = mount(component, withSlotContext(context, { attachTo: document.body }));
  mounted.push(wrapper);
  await until(() => expect(wrapper.find('[aria-busy="true"]').exists()).toBe(false));
  await flushPromises();
  return { project, context, wrapper };
}

const rowNames = (wrapper: VueWrapper) => wrapper.findAll('[data-status-row]').map((row) => row.attributes('aria-label')!.split(',')[0]);

describe('StatusesSettings', () => {
  it('lists the board in order and persists a keyboard reorder', async () => {
    const { project, wrapper } = await mountTab(StatusesSettings);
    expect(rowNames(wrapper)).toEqual(['Backlog', 'Refinement', 'Ready', 'To Do', 'In Progress', 'Done']);

    const done = wrapper.findAll('[data-status-row]')[5]!;
    await done.trigger('keydown', { key: 'ArrowUp', altKey: true });
    await flushPromises();
    expect(rowNames(wrapper).slice(4)).toEqual(['Done', 'In Progress']);
    await until(async () => expect((await statusesOf(project.id)).map((s) => s.name)).toEqual(['Backlog', 'Refinement', 'Ready', 'To Do', 'Done', 'In Progress']));
  });

  it('asks where the tasks of a status in use go, and moves them when it is deleted', async () => {
    const { project, context, wrapper } = await mountTab(StatusesSettings);
    const statuses = await statusesOf(project.id);
    const ready = statuses.find((s) => s.name === 'Ready')!;
    const done = statuses.find((s) => s.name === 'Done')!;
    const task = expectData(await t.api('POST', `/projects/${project.id}/tasks`, { token: t.adminToken, body: { title: 'Ship it', status_id: ready.id } }), 201);

    await wrapper.find('button[aria-label="Delete Ready"]').trigger('click');
    const dangerButton = () => wrapper.findAll('[role="alertdialog"] button').find((b) => /delete/i.test(b.text()))!;
    await dangerButton().trigger('click');
    await until(() => expect(wrapper.find('[role="alertdialog"]').text()).toContain('1 task is in “Ready”'));
    expect((await statusesOf(project.id)).some((s) => s.id === ready.id)).toBe(true);

    await wrapper.find('select[aria-label="Move tasks to"]').setValue(done.id);
    await dangerButton().trigger('click');
    await until(() => expect(rowNames(wrapper)).not.toContain('Ready'));
    expect((await statusesOf(project.id)).map((s) => s.name)).not.toContain('Ready');
    expect(expectData(await t.api('GET', `/projects/${project.id}/tasks/${task.id}`, { token: t.adminToken })).status_id).toBe(done.id);
    expect(context.toasts.at(-1)?.title).toBe('Deleted “Ready”; 1 task moved to “Done”');
  });

  it('creates a status with its category, and renders read-only without the write action', async () => {
    const { project, wrapper } = await mountTab(StatusesSettings);
    await wrapper.findAll('button').find((b) => b.text() === 'New status')!.trigger('click');
    await wrapper.find('input[aria-label="Status name"]').setValue('In Review');
    await wrapper.find('form select[aria-label="Category"]').setValue('inprogress');
    await wrapper.find('form').trigger('submit');
    await until(() => expect(rowNames(wrapper)).toContain('In Review'));
    expect((await statusesOf(project.id)).find((s) => s.name === 'In Review')).toMatchObject({ category: 'inprogress', position: 6 });

    const readOnly = await mountTab(StatusesSettings, { actions: [] });
    expect(rowNames(readOnly.wrapper)).toHaveLength(6);
    expect(readOnly.wrapper.find('button[aria-label="Delete Ready"]').exists()).toBe(false);
    expect(readOnly.wrapper.text()).not.toContain('New status');
  });
});

describe('TaskTypesSettings', () => {
  it('creates a type, shows the API refusal when deleting one in use, and deletes an unused one', async () => {
    const { project, context, wrapper } = await mountTab(TaskTypesSettings);
    await until(() => expect(wrapper.text()).toContain('Epic'));
    await wrapper.findAll('button').find((b) => b.text() === 'New type')!.trigger('click');
    await wrapper.find('input[aria-label="Type name"]').setValue('Bug');
    await wrapper.find('form').trigger('submit');
    await until(() => expect(wrapper.find('[data-type-row="Bug"]').exists()).toBe(true));
    const types = expectData(await t.api('GET', `/projects/${project.id}/task-types`, { token: t.adminToken })).items as Array<{ id: string; name: string }>;
    const bug = types.find((x) => x.name === 'Bug')!;

    expectData(await t.api('POST', `/projects/${project.id}/tasks`, { token: t.adminToken, body: { title: 'Crash', task_type_id: bug.id } }), 201);
    await wrapper.find('button[aria-label="Delete Bug"]').trigger('click');
    await wrapper.findAll('[role="alertdialog"] button').find((b) => /Delete/.test(b.text()))!.trigger('click');
    await until(() => expect(wrapper.find('[role="alertdialog"]').text()).toMatch(/1 task is a “Bug”/));
    await wrapper.findAll('[role="alertdialog"] button').find((b) => /Move and delete/.test(b.text()))!.trigger('click');
    await until(() => expect(wrapper.find('[data-type-row="Bug"]').exists()).toBe(false));
    const after = expectData(await t.api('GET', `/projects/${project.id}/task-types`, { token: t.adminToken })).items as Array<{ name: string }>;
    expect(after.map((x) => x.name)).not.toContain('Bug');
    expect(context.toasts.some((x) => x.kind === 'error')).toBe(false);
  });
});

describe('CustomFieldsSettings', () => {
  it('defines a select field with coloured options and deletes it after confirming', async () => {
    const { project, context, wrapper } = await mountTab(CustomFieldsSettings);
    await wrapper.findAll('button').find((b) => b.text() === 'New field')!.trigger('click');
    await wrapper.find('input[aria-label="Field name"]').setValue('Customer tier');
    expect((wrapper.find('input[aria-label="Field key"]').element as HTMLInputElement).value).toBe('customer_tier');
    await wrapper.find('select[aria-label="Field type"]').setValue('select');
    const optionInput = wrapper.find('input[aria-label="New option"]');
    await optionInput.setValue('Gold');
    await optionInput.trigger('keydown', { key: 'Enter' });
    await optionInput.setValue('Silver');
    await optionInput.trigger('keydown', { key: 'Enter' });
    await wrapper.find('form').trigger('submit');
    await until(() => expect(wrapper.find('[data-field-row="customer_tier"]').exists()).toBe(true));
    const fields = expectData(await t.api('GET', `/projects/${project.id}/custom-fields`, { token: t.adminToken })).items as Array<{ field_key: string; field_type: string; options: Array<{ value: string; color: string | null }> }>;
    expect(fields[0]).toMatchObject({ field_key: 'customer_tier', field_type: 'select' });
    expect(fields[0]!.options.map((o) => o.value)).toEqual(['Gold', 'Silver']);
    expect(fields[0]!.options.every((o) => /^#[0-9a-f]{6}$/.test(o.color ?? ''))).toBe(true);

    // Edited in place: renamed, one more option; the key stays.
    await wrapper.find('button[aria-label="Edit Customer tier"]').trigger('click');
    const form = wrapper.find('[data-field-row="customer_tier"] form');
    expect(form.find('input[aria-label="Field key"]').attributes('disabled')).toBeDefined();
    await form.find('input[aria-label="Field name"]').setValue('Tier');
    await form.find('input[aria-label="New option"]').setValue('Bronze');
    await form.trigger('submit');
    await until(() => expect(wrapper.find('[data-field-row="customer_tier"] form').exists()).toBe(false));
    const edited = expectData(await t.api('GET', `/projects/${project.id}/custom-fields`, { token: t.adminToken })).items[0];
    expect(edited).toMatchObject({ field_key: 'customer_tier', display_name: 'Tier', version: 2 });
    expect(edited.options.map((o: { value: string }) => o.value)).toEqual(['Gold', 'Silver', 'Bronze']);

    context.confirmAnswer = true;
    await wrapper.find('button[aria-label="Delete Tier"]').trigger('click');
    await until(() => expect(wrapper.find('[data-field-row="customer_tier"]').exists()).toBe(false));
    await until(async () => expect(expectData(await t.api('GET', `/projects/${project.id}/custom-fields`, { token: t.adminToken })).items).toEqual([]));
  });
});
