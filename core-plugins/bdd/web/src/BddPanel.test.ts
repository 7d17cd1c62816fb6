import { expectData, startTestKernel, type TestKernel } from '@paca/kernel/testing';
import { createTestSlotContext, withSlotContext } from '@paca/plugin-sdk/web/testing';
import { flushPromises, mount, type VueWrapper } from '@vue/test-utils';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import BddPanel from './BddPanel.vue';

/** Waits for what the user would see; generous, as the machine running the kernel may be busy. */
const until = <T>(check: () => T | Promise<T>) => vi.waitFor(check, { timeout: 15_000, interval: 40 });

// The scenarios panel against a real kernel running the bdd WASM plugin.

let t: TestKernel;
let baseUrl: string;
let project: { id: string; name: string; description: string; task_id_prefix: string; is_public: boolean; version: number; settings: Record<string, unknown> };
const mounted: VueWrapper[] = [];
beforeAll(async () => {
  t = await startTestKernel();
  baseUrl = await t.listen();
  project = expectData(await t.api('POST', '/projects', { token: t.adminToken, body: { name: 'Scenarios' } }), 201);
}, 120_000);
afterAll(() => t?.close());
afterEach(() => { mounted.splice(0).forEach((w) => w.unmount()); document.body.innerHTML = ''; vi.restoreAllMocks(); });

async function mountPanel(actions = ['bdd:read', 'bdd:write']) {
  const task = expectData(await t.api('POST', `/projects/${project.id}/tasks`, { token: t.adminToken, body: { title: 'Single sign-on' } }), 201);
  const context = createTestSlotContext({ baseUrl, token: t.adminToken, project, task, actions });
  const wrapper = mount(BddPanel, withSlotContext(context, { attachTo: document.body }));
  mounted.push(wrapper);
  await flushPromises();
  const url = `/plugins/bdd/projects/${project.id}/tasks/${task.id}/scenarios`;
  const stored = async () => expectData(await t.api('GET', url, { token: t.adminToken })).items as Array<{ title: string; steps: Array<{ keyword: string; text: string }> }>;
  return { task, context, wrapper, url, stored };
}
const save = (wrapper: VueWrapper, label: string) => wrapper.findAll('button').find((b) => b.text() === label)!.trigger('click');

describe('BddPanel', () => {
  it('adds a scenario written as Gherkin and renders its steps with their keywords', async () => {
    const { wrapper, stored } = await mountPanel();
    await until(() => expect(wrapper.text()).toBe('Add scenario'));
    await wrapper.findAll('button').find((b) => b.text() === 'Add scenario')!.trigger('click');
    await wrapper.find('textarea').setValue('Scenario: Sign in\n  Given a registered user\n  When they sign in\n  And they accept the terms\n  Then they see their projects');
    await save(wrapper, 'Add scenario');
    await until(() => expect(wrapper.find('[data-scenario="Sign in"]').exists()).toBe(true));
    const steps = wrapper.findAll('[data-scenario="Sign in"] li').map((li) => li.findAll('span').map((s) => s.text()));
    expect(steps).toEqual([['Given', 'a registered user'], ['When', 'they sign in'], ['And', 'they accept the terms'], ['Then', 'they see their projects']]);
    expect(wrapper.find('textarea').exists()).toBe(false);
    expect((await stored()).map((s) => s.title)).toEqual(['Sign in']);
  });

  it('shows the API’s message inline for a scenario with steps out of order, and keeps the text', async () => {
    const { wrapper, stored, context } = await mountPanel();
    await until(() => expect(wrapper.text()).toBe('Add scenario'));
    await wrapper.findAll('button').find((b) => b.text() === 'Add scenario')!.trigger('click');
    const gherkin = 'Scenario: Backwards\n  Then done\n  When acting';
    await wrapper.find('textarea').setValue(gherkin);
    await save(wrapper, 'Add scenario');
    await until(() => expect(wrapper.find('[role="alert"]').exists()).toBe(true));
    expect(wrapper.find('[role="alert"]').text()).toBe('Step 2 (When) comes after Then; steps go Given, then When, then Then; no Given step');
    // The step the API names is marked in the text.
    expect(wrapper.findAll('pre .bg-danger-soft').map((line) => line.text())).toEqual(['When acting']);
    expect(wrapper.find('textarea').attributes('aria-invalid')).toBe('true');
    expect((wrapper.find('textarea').element as HTMLTextAreaElement).value).toBe(gherkin);
    expect(context.toasts).toEqual([]);
    expect(await stored()).toEqual([]);
  });

  it('exports the task’s scenarios as its .feature file', async () => {
    const { wrapper, url, task, context } = await mountPanel(['bdd:read']);
    expectData(await t.api('POST', url, { token: t.adminToken, body: { gherkin: 'Scenario: Sign in\n  Given a user\n  When they sign in\n  Then they are in' } }), 201);
    context.emit({ type: 'bdd.scenario.created', payload: { task_id: task.id } });
    await until(() => expect(wrapper.find('[data-scenario="Sign in"]').exists()).toBe(true));
    expect(wrapper.find('button[aria-label="Add scenario"]').exists()).toBe(false);

    const blobs: Blob[] = [];
    vi.spyOn(URL, 'createObjectURL').mockImplementation((blob) => { blobs.push(blob as Blob); return 'blob:feature'; });
    vi.spyOn(URL, 'revokeObjectURL').mockImplementation(() => undefined);
    const downloads: string[] = [];
    vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(function (this: HTMLAnchorElement) { downloads.push(this.download); });
    await wrapper.find('button[aria-label="Export .feature"]').trigger('click');
    await until(() => expect(blobs).toHaveLength(1));
    expect(downloads).toEqual([`${task.key}.feature`]);
    expect(await blobs[0]!.text()).toBe(`@${task.key}\nFeature: Single sign-on\n\n  Scenario: Sign in\n    Given a user\n    When they sign in\n    Then they are in\n`);
  });
});
