import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, launch, open, screenshot, signIn, signInAsAdmin, type Session } from './browser.js';

// The board as two people use it: inline add, drag and drop that persists, the task drawer
// (title, priority, assignee, a comment that @mentions a teammate, revert from the activity feed)
// and a move in one browser showing up in the other's within a second.

const TEMP = 'temporary-pass-1';
const PASSWORD = 'board-password-1';
const stamp = Date.now().toString(36);
const ann = { username: `ann${stamp}`, fullName: 'Ann Ito' };
const ben = { username: `ben${stamp}`, fullName: 'Ben Okafor' };

let browser: Browser;
let annS: Session;
let benS: Session;
let projectId = '';

interface Task { id: string; key: string; title: string; status_id: string; importance: number; assignee_ids: string[] }

/** A new user who signs in and chooses their password (the forced first-login change). */
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

/** Drags with real pointer moves, as SortableJS needs (down, a few small moves, then the target). */
async function drag(page: Page, from: Locator, to: Locator): Promise<void> {
  const a = (await from.boundingBox())!;
  const b = (await to.boundingBox())!;
  await page.mouse.move(a.x + a.width / 2, a.y + a.height / 2);
  await page.mouse.down();
  await page.mouse.move(a.x + a.width / 2 + 8, a.y + a.height / 2 + 8, { steps: 4 });
  await page.mouse.move(b.x + b.width / 2, b.y + Math.min(24, b.height / 2), { steps: 20 });
  await page.waitForTimeout(100);
  await page.mouse.up();
}

const column = (page: Page, key: string) => page.locator(`[data-column-key="${key}"]`);
const dropZone = (page: Page, key: string) => page.locator(`[data-column-key="${key}"] [data-column="${key}"]`).last();
const card = (scope: Page | Locator, title: string) => scope.locator('.task-card', { hasText: title });
const columnKeys = (page: Page) => page.locator('[data-column-key]').evaluateAll((els) => els.map((e) => (e as HTMLElement).dataset.columnKey!));
const tasks = async (page: Page) => (await api<{ items: Task[] }>(page, 'GET', `/projects/${projectId}/tasks?page_size=100`)).items;
const taskNamed = async (page: Page, title: string) => (await tasks(page)).find((t) => t.title === title)!;

beforeAll(async () => {
  browser = await launch();
  const admin = await open(browser);
  await signInAsAdmin(admin.page);
  annS = await newUser(admin.page, ann);
  benS = await newUser(admin.page, ben);
  await admin.context.close();
});
afterAll(async () => { await browser?.close(); });

describe('the board', () => {
  it('creates a project and adds tasks from the board’s inline add', async () => {
    const { page, errors } = annS;
    await page.getByRole('button', { name: 'Create project' }).click();
    await page.fill('input[name=name]', `Board ${stamp}`);
    await page.fill('input[name=task_id_prefix]', 'BRD');
    await page.getByRole('button', { name: 'Create project' }).last().click();
    await page.waitForURL(/\/projects\/[0-9a-f-]+\/board/);
    projectId = /\/projects\/([0-9a-f-]+)\//.exec(page.url())![1]!;

    // Ben joins as an Editor (setup through the API).
    const roles = await api<{ items: Array<{ id: string; name: string }> } | Array<{ id: string; name: string }>>(page, 'GET', `/projects/${projectId}/roles`);
    const roleList = Array.isArray(roles) ? roles : roles.items;
    const editor = roleList.find((r) => r.name === 'Editor')!;
    const benUser = await api<{ id: string }>(benS.page, 'GET', '/users/me');
    await api(page, 'POST', `/projects/${projectId}/members`, { user_id: benUser.id, role_ids: [editor.id] });

    // The empty board offers the one action that fills it.
    await page.getByRole('button', { name: 'Create task' }).click();
    const input = page.getByRole('textbox', { name: 'New task title' });
    for (const title of ['Write the spec', 'Build the parser', 'Ship the release']) {
      await input.fill(title);
      await input.press('Enter');
      await expect.poll(() => card(page, title).count()).toBe(1);
    }
    await page.keyboard.press('Escape');
    // A new card shows before its POST answers: wait for the last one to be saved.
    await expect.poll(async () => (await tasks(page)).length).toBe(3);
    await expect.poll(() => page.locator('.task-card[aria-busy="true"]').count()).toBe(0);
    const listed = await tasks(page);
    expect(listed.map((t) => t.title).sort()).toEqual(['Build the parser', 'Ship the release', 'Write the spec']);
    const keys = await columnKeys(page);
    // Added in the first column: all three carry its status.
    expect(new Set(listed.map((t) => t.status_id))).toEqual(new Set([keys[0]]));
    await screenshot(page, 'board-tasks');
    expect(errors).toEqual([]);
  });

  it('drags a card to another column with the mouse; it stays there after a reload', async () => {
    const { page, errors } = annS;
    const keys = await columnKeys(page);
    expect(keys.length).toBeGreaterThanOrEqual(3);
    await drag(page, card(page, 'Write the spec'), dropZone(page, keys[1]!));
    await expect.poll(async () => (await taskNamed(page, 'Write the spec')).status_id, { timeout: 5000 }).toBe(keys[1]);
    await page.reload();
    await expect.poll(() => card(column(page, keys[1]!), 'Write the spec').count()).toBe(1);
    expect(await card(column(page, keys[0]!), 'Write the spec').count()).toBe(0);
    await screenshot(page, 'board-after-drag');
    expect(errors).toEqual([]);
  });

  it('edits a task in the drawer, mentions a teammate, and reverts a change from the activity feed', async () => {
    const { page, errors } = annS;
    await card(page, 'Build the parser').click();
    const drawer = page.getByRole('complementary', { name: 'Task detail' });
    const title = drawer.getByRole('textbox', { name: 'Title' });
    await expect.poll(() => title.inputValue()).toBe('Build the parser');

    // Title: type, Enter commits.
    await title.fill('Build the Markdown parser');
    await title.press('Enter');
    await expect.poll(async () => (await taskNamed(page, 'Build the Markdown parser'))?.title).toBe('Build the Markdown parser');

    // Priority: pick High.
    await drawer.locator('[data-test=priority]').first().click();
    await page.getByRole('option', { name: 'High' }).click();
    await expect.poll(async () => (await taskNamed(page, 'Build the Markdown parser')).importance).toBe(3);
    await expect.poll(() => page.getByRole('option', { name: 'High' }).count()).toBe(0); // the picker closed on pick

    // Assignee: Ben.
    await drawer.locator('[data-test=assignees]').first().click();
    await page.getByRole('option', { name: ben.fullName }).click();
    await expect.poll(async () => (await taskNamed(page, 'Build the Markdown parser')).assignee_ids.length).toBe(1);
    // A multiple picker stays open: Escape closes it, and only it (the drawer stays).
    await page.keyboard.press('Escape');
    await expect.poll(() => page.getByRole('option', { name: ben.fullName }).count()).toBe(0);
    await expect.poll(() => drawer.isVisible()).toBe(true);
    await expect.poll(() => drawer.locator('[data-test=assignees]').first().textContent()).toContain(ben.fullName);

    // A comment that @mentions Ben through the autocomplete.
    const composer = drawer.getByRole('textbox', { name: 'Leave a comment… (@ to mention)' });
    await composer.click();
    await page.keyboard.type('Could you review this, ');
    await page.keyboard.type(`@${ben.username.slice(0, 4)}`);
    await page.locator('.paca-mention-popup', { hasText: `@${ben.username}` }).waitFor();
    await page.keyboard.press('Enter');
    await page.keyboard.type('please?');
    await drawer.locator('[data-test=post-comment]').click();
    await expect.poll(() => drawer.locator('[data-test=comment]').last().textContent()).toContain(`@${ben.username}`);
    await expect.poll(async () => (await api<{ items: Array<{ type: string; data: Record<string, unknown> }> }>(benS.page, 'GET', '/users/me/notifications')).items.map((n) => n.type))
      .toContain('task.mentioned');
    await screenshot(page, 'task-drawer');

    // Revert the priority change from the feed: the old value is back, in the UI and the API.
    const change = drawer.locator('[data-test=change]', { hasText: /priority/i }).last();
    await change.hover();
    await change.locator('[data-test=revert]').click();
    await expect.poll(() => drawer.locator('[data-test=priority]').first().textContent()).toContain('No priority');
    expect((await taskNamed(page, 'Build the Markdown parser')).importance).toBe(0);
    await expect.poll(() => drawer.locator('[data-test=change]', { hasText: 'reverted a change' }).count(), { timeout: 3000 }).toBe(1);
    await screenshot(page, 'task-drawer-reverted');
    await drawer.getByRole('button', { name: 'Close task' }).click();
    expect(errors).toEqual([]);
  });

  it('a move in one browser shows on a teammate’s board within a second', async () => {
    const { page } = annS;
    const other = benS.page;
    await other.goto(`/projects/${projectId}/board`);
    await card(other, 'Ship the release').waitFor();
    await page.goto(`/projects/${projectId}/board`);
    await card(page, 'Ship the release').waitFor();
    const keys = await columnKeys(page);
    const target = keys[2]!;
    // Let both sockets settle into the project room.
    await page.waitForTimeout(500);

    const seen = other.waitForFunction(
      ([key, title]) => [...document.querySelectorAll(`[data-column-key="${key}"] .task-card`)].some((el) => el.textContent?.includes(title!)),
      [target, 'Ship the release'] as const,
      { polling: 'raf', timeout: 5000 },
    );
    await drag(page, card(page, 'Ship the release'), dropZone(page, target));
    const dropped = Date.now();
    await seen;
    const elapsed = Date.now() - dropped;
    console.log(`realtime board move seen by the other browser after ${elapsed} ms`);
    expect(elapsed).toBeLessThan(1000);
    expect((await taskNamed(other, 'Ship the release')).status_id).toBe(target);
    await screenshot(other, 'board-realtime-other');
    expect(annS.errors).toEqual([]);
    expect(benS.errors).toEqual([]);
  });

  it('looks right in dark mode and on a phone', async () => {
    for (const variant of [{ dark: true }, { phone: true }]) {
      const s = await open(browser, variant);
      await signIn(s.page, ann.username, PASSWORD);
      await s.page.goto(`/projects/${projectId}/board`);
      await card(s.page, 'Ship the release').waitFor();
      await screenshot(s.page, `board${variant.dark ? '-dark' : ''}${variant.phone ? '-phone' : ''}`);
      expect(s.errors).toEqual([]);
      await s.context.close();
    }
  });
});
