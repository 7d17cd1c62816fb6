import { expectData, startTestKernel, type TestKernel, type TestUser } from '@paca/kernel/testing';
import type { ProjectSummary } from '@paca/plugin-sdk/web';
import { createTestSlotContext, withSlotContext, type TestSlotContext } from '@paca/plugin-sdk/web/testing';
import { flushPromises, mount, type VueWrapper } from '@vue/test-utils';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import DocsPage from './DocsPage.vue';

// The docs page against a real kernel: tree, create, autosave, conflicts, history diff and restore.

let t: TestKernel;
let baseUrl: string;
let project: ProjectSummary;
let writer: TestUser;
let adminId: string;
const mounted: VueWrapper[] = [];
/** Waits for what a user would see (the editor module loads lazily; the kernel answers over HTTP). */
const until = <T>(check: () => T | Promise<T>) => vi.waitFor(check, { timeout: 8000, interval: 40 });

const url = (rest = '') => `/projects/${project.id}/docs${rest}`;
const api = async (method: string, path: string, body?: unknown, token = t.adminToken, status = method === 'POST' ? 201 : 200) =>
  expectData(await t.api(method, path, { token, ...(body === undefined ? {} : { body }) }), status);

beforeAll(async () => {
  // The editor module loads lazily in the page; load it once up front so the first test is not its import time.
  await import('@paca/plugin-sdk/web/editor');
  t = await startTestKernel();
  baseUrl = await t.listen();
  project = await api('POST', '/projects', { name: `Docs web ${Math.random().toString(36).slice(2, 7)}` });
  writer = await t.createUser();
  const roles = await api('GET', `/projects/${project.id}/roles`);
  const editor = roles.items.find((r: { name: string }) => r.name === 'Editor');
  await api('POST', `/projects/${project.id}/members`, { user_id: writer.id, role_ids: [editor.id] });
  adminId = (await api('GET', '/users/me')).id;
});
afterEach(() => { while (mounted.length) mounted.pop()!.unmount(); });
afterAll(() => t?.close());

function mountPage(options: { path?: string; actions?: string[]; autosaveMs?: number } = {}): { wrapper: VueWrapper; context: TestSlotContext } {
  const context = createTestSlotContext({
    baseUrl, token: t.adminToken, project,
    actions: options.actions ?? ['docs:read', 'docs:write'],
    slot: { plugin_id: 'docs', slot: 'project.nav', component: 'DocsPage', slug: 'docs' },
    params: { projectId: project.id, ...(options.path ? { path: options.path } : {}) },
  });
  context.user.value = { id: adminId, username: 'admin', full_name: 'Admin', must_change_password: false };
  const wrapper = mount(DocsPage, withSlotContext(context, { props: { autosaveMs: options.autosaveMs ?? 300 }, attachTo: document.body }));
  mounted.push(wrapper);
  return { wrapper, context };
}

const createDoc = (body: Record<string, unknown>, token = t.adminToken) => api('POST', url(), body, token);
const getDoc = (id: string) => api('GET', url(`/${id}`));

/** The open doc's editor, once the lazily loaded Tiptap module has rendered. */
async function editorOf(wrapper: VueWrapper) {
  let found: VueWrapper<any> | undefined;
  await until(() => {
    found = (wrapper.findAllComponents({ name: 'MarkdownEditor' }) as VueWrapper<any>[]).find((c) => c.props('placeholder') === 'Write, or paste Markdown…');
    if (!found) throw new Error(`no doc editor yet: ${wrapper.html().slice(0, 600)}`);
  });
  return found!;
}

describe('docs page', () => {
  it('renders folders and docs; a folder expands to show its docs', async () => {
    const folder = await api('POST', url('/folders'), { name: 'Specs' });
    await createDoc({ title: 'API design', folder_id: folder.id });
    await createDoc({ title: 'Readme at root' });
    const { wrapper } = mountPage();
    await until(() => expect(wrapper.find('[data-test=tree]').text()).toContain('Specs'));
    expect(wrapper.find('[data-test=tree]').text()).toContain('Readme at root');
    expect(wrapper.find('[data-test=tree]').text()).not.toContain('API design');
    await wrapper.find(`[data-folder="${folder.id}"]`).trigger('click');
    expect(wrapper.find('[data-test=tree]').text()).toContain('API design');
  });

  it('creates a doc that persists and opens it at its URL', async () => {
    const { wrapper, context } = mountPage();
    await until(() => expect(wrapper.find('[data-test=new-doc]').exists()).toBe(true));
    await wrapper.find('[data-test=new-doc]').trigger('click');
    await until(() => expect(context.navigations.at(-1)).toMatch(new RegExp(`/projects/${project.id}/docs/[0-9a-f-]{36}$`)));
    const id = context.navigations.at(-1)!.split('/').pop()!;
    expect((await getDoc(id)).title).toMatch(/^Untitled/);
    await until(() => expect((wrapper.find('[data-test=doc-title]').element as HTMLTextAreaElement).value).toMatch(/^Untitled/));
  });

  it('creates a folder inline and shows a taken name as an inline error', async () => {
    await api('POST', url('/folders'), { name: 'Runbooks' });
    const { wrapper } = mountPage();
    await until(() => expect(wrapper.find('[data-test=tree]').text()).toContain('Runbooks'));
    await wrapper.find('[data-test=new-folder]').trigger('click');
    const input = wrapper.find('[data-test=new-folder-input]');
    await input.setValue('runbooks');
    await input.trigger('keydown', { key: 'Enter' });
    await until(() => expect(wrapper.find('[data-test=inline-error]').text()).toContain('already exists'));
    await input.setValue('Meeting notes');
    await input.trigger('keydown', { key: 'Enter' });
    await until(async () => {
      const folders = (await api('GET', url('/folders'))).items.map((f: { name: string }) => f.name);
      expect(folders).toContain('Meeting notes');
    });
    await until(() => expect(wrapper.find('[data-test=new-folder-input]').exists()).toBe(false));
  });

  it('autosaves the body after a pause and persists it', async () => {
    const doc = await createDoc({ title: 'Autosave me', content: 'First line' });
    const { wrapper } = mountPage({ path: doc.id, autosaveMs: 400 });
    const editor = await editorOf(wrapper);
    editor.vm.$emit('update:modelValue', 'First line\n\nSecond line');
    await flushPromises();
    expect(wrapper.find('[data-test=save-status]').text()).toBe('Edited');
    expect((await getDoc(doc.id)).content).toBe('First line');
    await until(() => expect(wrapper.find('[data-test=save-status]').text()).toBe('Saved'));
    const saved = await getDoc(doc.id);
    expect(saved.content).toBe('First line\n\nSecond line');
    expect(saved.version).toBe(doc.version + 1);
  });

  it('shows the conflict when someone else saved in between, and loads theirs', async () => {
    const doc = await createDoc({ title: 'Contested', content: 'Original' });
    const { wrapper } = mountPage({ path: doc.id, autosaveMs: 200 });
    const editor = await editorOf(wrapper);
    await api('PATCH', url(`/${doc.id}`), { content: 'Their edit', version: doc.version }, writer.token);
    editor.vm.$emit('update:modelValue', 'My edit');
    await until(() => expect(wrapper.find('[data-test=conflict]').exists()).toBe(true));
    expect(wrapper.find('[data-test=conflict]').text()).toContain('Changed by someone else');
    expect(wrapper.find('[data-test=save-status]').text()).toBe('Conflict');
    expect((await getDoc(doc.id)).content).toBe('Their edit');
    await wrapper.find('[data-test=load-theirs]').trigger('click');
    await until(() => expect(wrapper.find('[data-test=conflict]').exists()).toBe(false));
    expect(editor.props('modelValue')).toBe('Their edit');
  });

  it('overwrites theirs with mine when asked', async () => {
    const doc = await createDoc({ title: 'Contested again', content: 'Original' });
    const { wrapper } = mountPage({ path: doc.id, autosaveMs: 200 });
    const editor = await editorOf(wrapper);
    await api('PATCH', url(`/${doc.id}`), { content: 'Their edit', version: doc.version }, writer.token);
    editor.vm.$emit('update:modelValue', 'Mine wins');
    await until(() => expect(wrapper.find('[data-test=overwrite]').exists()).toBe(true));
    await wrapper.find('[data-test=overwrite]').trigger('click');
    await until(async () => expect((await getDoc(doc.id)).content).toBe('Mine wins'));
    expect(wrapper.find('[data-test=conflict]').exists()).toBe(false);
  });

  it('shows a taken title inline and still saves the body', async () => {
    await createDoc({ title: 'Taken title' });
    const doc = await createDoc({ title: 'Free title', content: 'x' });
    const { wrapper } = mountPage({ path: doc.id, autosaveMs: 200 });
    const editor = await editorOf(wrapper);
    const title = wrapper.find('[data-test=doc-title]');
    await title.setValue('Taken title');
    editor.vm.$emit('update:modelValue', 'body kept');
    await title.trigger('keydown', { key: 'Enter' });
    await until(() => expect(wrapper.find('[data-test=title-error]').text()).toContain('already exists'));
    await until(async () => expect((await getDoc(doc.id)).content).toBe('body kept'));
    expect((await getDoc(doc.id)).title).toBe('Free title');
  });

  it('diffs two snapshots side by side and restores an old one as a new snapshot', async () => {
    const doc = await createDoc({ title: 'Plan', content: '# Plan\n\nIntro\n\n- one\n' });
    // Another author's save is a snapshot of its own (saves by one author within a minute merge).
    await api('PATCH', url(`/${doc.id}`), { content: '# Plan\n\nIntroduction\n\n- one\n- two\n', version: doc.version }, writer.token);
    const { wrapper, context } = mountPage({ path: doc.id });
    await editorOf(wrapper);
    await wrapper.find('[data-test=history-toggle]').trigger('click');
    await until(() => expect(wrapper.find('[data-test=diff]').exists()).toBe(true));
    const removed = wrapper.findAll('[data-kind=removed]').map((c) => c.text());
    const added = wrapper.findAll('[data-kind=added]').map((c) => c.text());
    expect(removed).toEqual(['Removed: Intro']);
    expect(added).toEqual(['Added: Introduction', 'Added: - two']);
    expect(wrapper.find('[data-test=history]').text()).toContain('Changes from #1 to #2');

    // Deselect #2: #1 alone is shown and can be restored.
    await wrapper.find('[data-snapshot="2"]').trigger('click');
    await until(() => expect(wrapper.find('[data-test=restore]').text()).toContain('Restore #1'));
    await wrapper.find('[data-test=restore]').trigger('click');
    await until(() => expect(context.toasts.map((x) => x.title)).toContain('Restored version #1'));
    const history = (await api('GET', url(`/${doc.id}/snapshots`))).items;
    expect(history).toHaveLength(3);
    expect(history[0]).toMatchObject({ snapshot_number: 3, restored_from: 1 });
    const third = await api('GET', url(`/${doc.id}/snapshots/3`));
    expect(third.content).toBe('# Plan\n\nIntro\n\n- one\n');
    expect((await getDoc(doc.id)).content).toBe('# Plan\n\nIntro\n\n- one\n');
    await until(() => expect(wrapper.find('[data-snapshot="3"]').exists()).toBe(true));
  });

  it('searches titles and bodies and shows snippets', async () => {
    await createDoc({ title: 'Deploy guide', content: 'Run the zebrafish migration before deploying.' });
    const { wrapper } = mountPage();
    await until(() => expect(wrapper.find('[data-test=search]').exists()).toBe(true));
    await wrapper.find('[data-test=search]').setValue('zebrafish');
    await until(() => expect(wrapper.find('[data-test=search-results]').text()).toContain('Deploy guide'));
    expect(wrapper.find('[data-test=snippet]').text()).toContain('zebrafish migration');
    await wrapper.find('[data-test=search]').setValue('no-such-words-here');
    await until(() => expect(wrapper.find('[data-test=no-results]').exists()).toBe(true));
  });

  it('moves a doc into a folder by drag and drop', async () => {
    const folder = await api('POST', url('/folders'), { name: 'Archive' });
    const doc = await createDoc({ title: 'Old notes' });
    const { wrapper } = mountPage();
    await until(() => expect(wrapper.find(`[data-doc="${doc.id}"]`).exists()).toBe(true));
    await wrapper.find(`[data-doc="${doc.id}"]`).trigger('dragstart');
    await wrapper.find(`[data-folder="${folder.id}"]`).trigger('dragover');
    await wrapper.find(`[data-folder="${folder.id}"]`).trigger('drop');
    await until(async () => expect((await getDoc(doc.id)).folder_id).toBe(folder.id));
  });

  it('adds a comment and deletes your own', async () => {
    const doc = await createDoc({ title: 'Discussed' });
    const { wrapper } = mountPage({ path: doc.id });
    let box: VueWrapper<any> | undefined;
    await until(() => {
      box = (wrapper.findAllComponents({ name: 'MarkdownEditor' }) as VueWrapper<any>[]).find((c) => c.props('placeholder') === 'Leave a comment…');
      expect(box?.exists()).toBe(true);
    });
    box!.vm.$emit('update:modelValue', 'Looks **good**');
    await flushPromises();
    await wrapper.find('[data-test=post-comment]').trigger('click');
    await until(() => expect(wrapper.findAll('[data-test=comment]')).toHaveLength(1));
    const feed = (await api('GET', url(`/${doc.id}/activities`))).items.filter((a: { activity_type: string }) => a.activity_type === 'comment');
    expect(feed[0].content.text).toBe('Looks **good**');
    await wrapper.find('[data-test=delete-comment]').trigger('click');
    await until(() => expect(wrapper.findAll('[data-test=comment]')).toHaveLength(0));
    await until(async () => {
      const left = (await api('GET', url(`/${doc.id}/activities`))).items.filter((a: { activity_type: string }) => a.activity_type === 'comment');
      expect(left).toHaveLength(0);
    });
  });

  it('reloads the open doc when someone else saves and nothing is being typed', async () => {
    const doc = await createDoc({ title: 'Live', content: 'before' });
    const { wrapper, context } = mountPage({ path: doc.id });
    const editor = await editorOf(wrapper);
    const saved = await api('PATCH', url(`/${doc.id}`), { content: 'after', version: doc.version }, writer.token);
    context.emit({ type: 'doc.updated', payload: { doc_id: doc.id, version: saved.version, fields: ['content'] } });
    await until(() => expect(editor.props('modelValue')).toBe('after'));
  });

  it('shows the empty state with the action that fills it', async () => {
    const empty = await api('POST', '/projects', { name: `Empty docs ${Math.random().toString(36).slice(2, 7)}` });
    const context = createTestSlotContext({ baseUrl, token: t.adminToken, project: empty, actions: ['docs:read', 'docs:write'], params: { projectId: empty.id } });
    const wrapper = mount(DocsPage, withSlotContext(context));
    mounted.push(wrapper);
    await until(() => expect(wrapper.find('[data-test=empty]').text()).toContain('No docs yet'));
    await wrapper.find('[data-test=create-first]').trigger('click');
    await until(async () => expect((await api('GET', `/projects/${empty.id}/docs`)).items).toHaveLength(1));
  });
});
