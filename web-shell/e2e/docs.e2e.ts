import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, launch, open, screenshot, signIn, signInAsAdmin, type Session } from './browser.js';

// Docs with two writers: Ann writes a doc, Ben saves a second version (a different author, so it
// is a new snapshot without waiting out the 60 s merge window), then the history shows the diff
// and restoring the first version brings its body back.

const TEMP = 'temporary-pass-1';
const PASSWORD = 'docs-password-1';
const stamp = Date.now().toString(36);
const ann = { username: `cara${stamp}`, fullName: 'Cara Lind' };
const ben = { username: `dev${stamp}`, fullName: 'Dev Patel' };
const FIRST = 'The first draft of the release notes.';
const SECOND = 'Ben rewrote the notes completely.';

let browser: Browser;
let annS: Session;
let benS: Session;
let projectId = '';
let docId = '';

interface Doc { id: string; title: string; content: string; snapshot_number: number; version: number }

async function newUser(admin: Page, user: { username: string; fullName: string }): Promise<Session> {
  await api(admin, 'POST', '/admin/users', { username: user.username, full_name: user.fullName, password: TEMP });
  const session = await open(browser);
  await signIn(session.page, user.username, TEMP);
  await session.page.fill('input[name=current_password]', TEMP);
  await session.page.fill('input[name=new_password]', PASSWORD);
  await session.page.fill('input[name=repeat_password]', PASSWORD);
  await session.page.getByRole('button', { name: 'Save password' }).click();
  await session.page.waitForURL(/\/home/);
  // The new session cookie reaches the API client a moment after the shell has moved on.
  for (let i = 0; i < 25 && (await session.page.request.get('/api/v1/users/me')).status() !== 200; i++) await session.page.waitForTimeout(200);
  return session;
}

const getDoc = (page: Page) => api<Doc>(page, 'GET', `/projects/${projectId}/docs/${docId}`);
const body = (page: Page) => page.getByRole('textbox', { name: 'Write, or paste Markdown…' });
const saveStatus = (page: Page) => page.locator('[data-test=save-status]').textContent();

beforeAll(async () => {
  browser = await launch();
  const admin = await open(browser);
  await signInAsAdmin(admin.page);
  annS = await newUser(admin.page, ann);
  benS = await newUser(admin.page, ben);
  await admin.context.close();
  // Setup through the API: Ann's project, Ben an Editor in it.
  const project = await api<{ id: string }>(annS.page, 'POST', '/projects', { name: `Docs ${stamp}`, task_id_prefix: 'DOC' });
  projectId = project.id;
  type Role = { id: string; name: string };
  const roles = await api<{ items: Role[] } | Role[]>(annS.page, 'GET', `/projects/${projectId}/roles`);
  const editor = (Array.isArray(roles) ? roles : roles.items).find((r) => r.name === 'Editor')!;
  const benUser = await api<{ id: string }>(benS.page, 'GET', '/users/me');
  await api(annS.page, 'POST', `/projects/${projectId}/members`, { user_id: benUser.id, role_ids: [editor.id] });
});
afterAll(async () => { await browser?.close(); });

describe('docs', () => {
  it('writes a doc from the empty docs page', async () => {
    const { page, errors } = annS;
    await page.goto(`/projects/${projectId}/docs`);
    await page.locator('[data-test=create-first]').click();
    await page.waitForURL(/\/docs\/[0-9a-f-]{36}/);
    docId = /\/docs\/([0-9a-f-]{36})/.exec(page.url())![1]!;
    const title = page.locator('[data-test=doc-title]');
    await title.fill('Release notes');
    await body(page).click();
    await page.keyboard.type(FIRST);
    await page.keyboard.press('Control+s');
    await expect.poll(async () => (await getDoc(page)).content.trim(), { timeout: 8000 }).toBe(FIRST);
    await expect.poll(() => saveStatus(page)).toContain('Saved');
    expect((await getDoc(page)).title).toBe('Release notes');
    await screenshot(page, 'docs-doc');
    expect(errors).toEqual([]);
  });

  it('a second writer saves a new version', async () => {
    const { page, errors } = benS;
    const before = await getDoc(page);
    await page.goto(`/projects/${projectId}/docs/${docId}`);
    await expect.poll(() => body(page).textContent()).toContain(FIRST);
    await body(page).click();
    await page.keyboard.press('Control+a');
    await page.keyboard.type(SECOND);
    await page.keyboard.press('Control+s');
    await expect.poll(async () => (await getDoc(page)).content.trim(), { timeout: 8000 }).toBe(SECOND);
    await expect.poll(() => saveStatus(page)).toContain('Saved');
    expect((await getDoc(page)).snapshot_number).toBe(before.snapshot_number + 1);
    expect(errors).toEqual([]);
  });

  it('opens the history, shows the diff, and restores the first version', async () => {
    const { page, errors } = annS;
    await page.goto(`/projects/${projectId}/docs/${docId}`);
    await expect.poll(() => body(page).textContent()).toContain(SECOND);
    const current = await getDoc(page);
    await page.locator('[data-test=history-toggle]').click();
    const history = page.locator('[data-test=history]');
    // Opening the history compares the two newest versions.
    await expect.poll(() => history.locator('h2').textContent()).toContain(`Changes from #${current.snapshot_number - 1} to #${current.snapshot_number}`);
    const diff = history.locator('[data-test=diff]');
    await expect.poll(() => diff.textContent()).toContain('Ben rewrote');
    expect(await diff.textContent()).toContain('first draft');
    await screenshot(page, 'docs-history-diff');

    await history.locator('[data-test=restore]').click();
    await page.getByRole('dialog').getByRole('button', { name: 'Restore' }).click();
    await expect.poll(async () => (await getDoc(page)).content.trim()).toBe(FIRST);
    const restored = await getDoc(page);
    expect(restored.snapshot_number).toBe(current.snapshot_number + 1);
    await expect.poll(() => history.locator('[data-snapshot]').first().textContent()).toContain(`restored #${current.snapshot_number - 1}`);
    await screenshot(page, 'docs-history-restored');
    await page.getByRole('button', { name: 'Close history' }).click();
    await expect.poll(() => body(page).textContent()).toContain(FIRST);
    expect(errors).toEqual([]);
  });

  it('looks right in dark mode and on a phone', async () => {
    for (const variant of [{ dark: true }, { phone: true }]) {
      const s = await open(browser, variant);
      await signIn(s.page, ann.username, PASSWORD);
      await s.page.goto(`/projects/${projectId}/docs/${docId}`);
      await expect.poll(() => body(s.page).textContent()).toContain(FIRST);
      await screenshot(s.page, `docs-doc${variant.dark ? '-dark' : ''}${variant.phone ? '-phone' : ''}`);
      expect(s.errors).toEqual([]);
      await s.context.close();
    }
  });
});
