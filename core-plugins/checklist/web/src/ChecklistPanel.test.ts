import { expectData, startTestKernel, type TestKernel } from '@paca/kernel/testing';
import { createTestSlotContext, withSlotContext } from '@paca/plugin-sdk/web/testing';
import { flushPromises, mount, type VueWrapper } from '@vue/test-utils';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import ChecklistPanel from './ChecklistPanel.vue';

/** Waits for what the user would see; generous, as the machine running the kernel may be busy. */
const until = <T>(check: () => T | Promise<T>) => vi.waitFor(check, { timeout: 15_000, interval: 40 });

// The checklist panel against a real kernel running the checklist WASM plugin.

let t: TestKernel;
let baseUrl: string;
let project: { id: string; name: string; description: string; task_id_prefix: string; is_public: boolean; version: number; settings: Record<string, unknown> };
const mounted: VueWrapper[] = [];
beforeAll(async () => {
  t = await startTestKernel();
  baseUrl = await t.listen();
  project = expectData(await t.api('POST', '/projects', { token: t.adminToken, body: { name: 'Checklists' } }), 201);
}, 120_000);
afterAll(() => t?.close());
afterEach(() => { mounted.splice(0).forEach((w) => w.unmount()); document.body.innerHTML = ''; });

async function mountPanel(actions = ['checklist:read', 'checklist:write']) {
  const task = expectData(await t.api('POST', `/projects/${project.id}/tasks`, { token: t.adminToken, body: { title: `Task ${Math.random()}` } }), 201);
  const context = createTestSlotContext({ baseUrl, token: t.adminToken, project, task, actions });
  const get = vi.spyOn(context.api, 'get');
  /** Resolves once every read the panel started has answered. */
  const reads = async () => { await Promise.allSettled(get.mock.results.map((r) => r.value)); await flushPromises(); };
  const wrapper = mount(ChecklistPanel, withSlotContext(context, { attachTo: document.body }));
  mounted.push(wrapper);
  await flushPromises();
  const url = `/plugins/checklist/projects/${project.id}/tasks/${task.id}/checklists`;
  const stored = async () => expectData(await t.api('GET', url, { token: t.adminToken })).items as Array<{ id: string; name: string; items: Array<{ id: string; text: string; checked: boolean }> }>;
  return { task, context, wrapper, url, stored, reads, get };
}
const itemTexts = (wrapper: VueWrapper) => wrapper.findAll('[data-item-id] [role="checkbox"]').map((b) => b.attributes('aria-label'));

describe('ChecklistPanel', () => {
  it('starts as one "Add checklist" line, adds items with Enter keeping focus, and persists a toggle', async () => {
    const { wrapper, stored } = await mountPanel();
    await until(() => expect(wrapper.text()).toBe('Add checklist'));

    await wrapper.findAll('button').find((b) => b.text() === 'Add checklist')!.trigger('click');
    await wrapper.find('input[data-new-checklist]').setValue('Definition of done');
    await wrapper.find('form').trigger('submit');
    await until(() => expect(wrapper.find('[data-checklist="Definition of done"]').exists()).toBe(true));

    const input = wrapper.find('input[aria-label="Add an item to Definition of done"]');
    await until(() => expect(document.activeElement).toBe(input.element));
    for (const text of ['Tests pass', 'Docs written']) {
      await input.setValue(text);
      await input.trigger('keydown', { key: 'Enter' });
    }
    expect(itemTexts(wrapper)).toEqual(['Tests pass', 'Docs written']);
    expect((input.element as HTMLInputElement).value).toBe('');
    expect(document.activeElement).toBe(input.element);
    await until(async () => expect((await stored())[0]!.items.map((i) => i.text)).toEqual(['Tests pass', 'Docs written']));
    // The server holding the items is not enough: the panel toggles an item only once it has read
    // the item's own POST answer (until then the row is pending, dimmed and without a delete button).
    await until(() => expect(wrapper.find('button[aria-label="Delete Docs written"]').exists()).toBe(true));

    await wrapper.find('[role="checkbox"][aria-label="Docs written"]').trigger('click');
    expect(wrapper.find('[role="checkbox"][aria-label="Docs written"]').attributes('aria-checked')).toBe('true');
    expect(wrapper.text()).toContain('1/2');
    await until(async () => expect((await stored())[0]!.items.map((i) => i.checked)).toEqual([false, true]));
  });

  it('moves an item with Alt+↓, rolls back a refused toggle with a toast, and follows live events', async () => {
    const { wrapper, url, stored, context, task, get, reads } = await mountPanel();
    const checklist = expectData(await t.api('POST', url, { token: t.adminToken, body: { name: 'Release', items: [{ text: 'Tag' }, { text: 'Publish' }] } }), 201);
    context.emit({ type: 'checklist.created', payload: { task_id: task.id, checklist_id: checklist.id, name: 'Release', item_count: 2 } });
    await until(() => expect(itemTexts(wrapper)).toEqual(['Tag', 'Publish']));
    // The event's reload (the mount's read, then this one) has answered: nothing reloads under the test.
    await until(() => expect(get.mock.calls.length).toBeGreaterThanOrEqual(2));
    await reads();

    await wrapper.find('[role="checkbox"][aria-label="Tag"]').trigger('keydown', { key: 'ArrowDown', altKey: true });
    expect(itemTexts(wrapper)).toEqual(['Publish', 'Tag']);
    await until(async () => expect((await stored())[0]!.items.map((i) => i.text)).toEqual(['Publish', 'Tag']));

    // Someone deletes the item meanwhile: the toggle is refused and undone.
    const tag = (await stored())[0]!.items.find((i) => i.text === 'Tag')!;
    expectData(await t.api('DELETE', `${url}/${checklist.id}/items/${tag.id}`, { token: t.adminToken }), 204);
    await wrapper.find('[role="checkbox"][aria-label="Tag"]').trigger('click');
    await until(() => expect(context.toasts.at(-1)?.kind).toBe('error'));
    expect(wrapper.find('[role="checkbox"][aria-label="Tag"]').attributes('aria-checked')).toBe('false');
  });

  it('renders nothing for a reader when the task has no checklist, and read-only lists otherwise', async () => {
    const { wrapper, context, url, task, reads } = await mountPanel(['checklist:read']);
    await reads();
    expect(wrapper.text()).toBe('');

    const checklist = expectData(await t.api('POST', url, { token: t.adminToken, body: { name: 'Release', items: [{ text: 'Tag', checked: true }] } }), 201);
    context.emit({ type: 'checklist.created', payload: { task_id: task.id, checklist_id: checklist.id, name: 'Release', item_count: 1 } });
    await until(() => expect(itemTexts(wrapper)).toEqual(['Tag']));
    await reads();
    expect(wrapper.text()).toContain('1/1');
    expect(wrapper.find('[role="checkbox"]').attributes('disabled')).toBeDefined();
    expect(wrapper.find('input').exists()).toBe(false);
    expect(wrapper.text()).not.toContain('Add');
    expect(context.toasts).toEqual([]);
  });
});
