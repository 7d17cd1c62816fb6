import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, launch, open, screenshot, signIn, signInAsAdmin } from './browser.js';

// The shell's own surfaces: the admin creates a user, who signs in, must choose a password,
// creates a project and lands on its board; API keys, settings and the palette work.

let browser: Browser;
const username = `dana${Date.now().toString(36)}`;
const temporary = 'temporary-pass-1';
const chosen = 'my-own-password-1';

beforeAll(async () => { browser = await launch(); });
afterAll(() => browser?.close());

describe('first steps in the shell', () => {
  it('the admin creates a user from Admin › Users', async () => {
    const { page, errors, context } = await open(browser);
    await signInAsAdmin(page);
    await page.goto('/admin/users');
    await page.getByRole('button', { name: 'New user' }).click();
    await page.fill('input[name=username]', username);
    await page.fill('input[name=full_name]', 'Dana Scully');
    await page.fill('input[name=password]', temporary);
    await page.getByRole('button', { name: 'Create user' }).click();
    await expect.poll(() => page.getByRole('list', { name: 'Users' }).textContent()).toContain(`@${username}`);
    await screenshot(page, 'admin-users');
    expect(errors).toEqual([]);
    await context.close();
  });

  it('the user signs in, is made to choose a password, and creates a project from the empty home', async () => {
    const { page, errors, context } = await open(browser);
    await signIn(page, username, temporary);
    await expect.poll(() => page.url()).toContain('/change-password');
    await screenshot(page, 'change-password');
    await page.fill('input[name=current_password]', temporary);
    await page.fill('input[name=new_password]', chosen);
    await page.fill('input[name=repeat_password]', chosen);
    await page.getByRole('button', { name: 'Save password' }).click();
    await page.waitForURL(/\/home/);
    await page.getByRole('button', { name: 'Create project' }).click();
    await page.fill('input[name=name]', 'Apollo');
    await page.fill('input[name=task_id_prefix]', 'APO');
    await page.getByRole('button', { name: 'Create project' }).last().click();
    await page.waitForURL(/\/projects\/[0-9a-f-]+\/board/);
    await screenshot(page, 'board-empty');
    // Signed in for real: the old password no longer works, the new one does.
    const me = await api(page, 'GET', '/users/me');
    expect(me).toMatchObject({ username, must_change_password: false });
    expect(errors).toEqual([]);
    await context.close();
  });

  it('creates an API key whose secret is shown once and works against the API', async () => {
    const { page, errors, context } = await open(browser);
    await signIn(page, username, chosen);
    await page.goto('/profile/api-keys');
    await page.fill('input[name=key_name]', 'CI bot');
    await page.getByRole('button', { name: 'Create key' }).click();
    const key = (await page.getByTestId('new-api-key').textContent())!.trim();
    expect(key).toMatch(/^paca_/);
    const response = await fetch(`${page.url().split('/profile')[0]}/api/v1/users/me`, { headers: { authorization: `ApiKey ${key}` } });
    expect((await response.json()).data.username).toBe(username);
    // The page hands the key to an MCP client: the config it shows works against /mcp.
    await page.getByText('Connect an MCP client with this key').click();
    const config = JSON.parse((await page.getByTestId('mcp-config').locator('pre').textContent())!);
    const origin = page.url().split('/profile')[0]!;
    expect(config.mcpServers.paca).toEqual({ type: 'http', url: `${origin}/mcp`, headers: { 'X-API-Key': key } });
    const mcp = await fetch(config.mcpServers.paca.url, {
      method: 'POST', headers: { ...config.mcpServers.paca.headers, 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
    });
    expect(mcp.status).toBe(200);
    expect(((await mcp.json()) as { result: { tools: Array<{ name: string }> } }).result.tools.map((t) => t.name)).toContain('list_projects');
    await screenshot(page, 'api-keys');
    expect(errors).toEqual([]);
    await context.close();
  });

  it('opens the command palette with Mod+K and jumps to a project', async () => {
    const { page, errors, context } = await open(browser);
    await signIn(page, username, chosen);
    await page.keyboard.press('Control+k');
    await page.getByRole('textbox', { name: 'Search commands' }).fill('Apollo');
    await screenshot(page, 'command-palette');
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/projects\/[0-9a-f-]+/);
    await page.keyboard.press('Control+/');
    await expect.poll(() => page.getByRole('dialog').textContent()).toContain('Command palette');
    await page.keyboard.press('Escape');
    expect(errors).toEqual([]);
    await context.close();
  });

  it('renames the project in settings and refuses a bad prefix with the API’s message', async () => {
    const { page, errors, context } = await open(browser);
    await signIn(page, username, chosen);
    const projects = await api<{ items: Array<{ id: string; name: string }> }>(page, 'GET', '/projects');
    const project = projects.items.find((p) => p.name === 'Apollo')!;
    await page.goto(`/projects/${project.id}/settings/general`);
    await page.fill('input[name=task_id_prefix]', 'not a prefix');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await expect.poll(() => page.locator('input[name=task_id_prefix]').getAttribute('aria-invalid')).toBe('true');
    await page.fill('input[name=task_id_prefix]', 'APO');
    await page.fill('input[name=name]', 'Apollo 11');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await expect.poll(async () => (await api<{ name: string }>(page, 'GET', `/projects/${project.id}`)).name).toBe('Apollo 11');
    await screenshot(page, 'project-settings');
    expect(errors.filter((e) => !e.includes('422'))).toEqual([]);
    await context.close();
  });

  it('looks right in dark mode and on a phone', async () => {
    for (const variant of [{ dark: true }, { phone: true }, { phone: true, dark: true }]) {
      const { page, context } = await open(browser, variant);
      await signIn(page, username, chosen);
      await page.goto('/home');
      await page.waitForTimeout(300);
      await screenshot(page, `home${variant.dark ? '-dark' : ''}${variant.phone ? '-phone' : ''}`);
      await context.close();
    }
  });
});
