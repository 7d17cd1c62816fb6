import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { inject } from 'vitest';
import { ADMIN_PASSWORD } from './kernel-server.js';

export const SCREENS = path.join(import.meta.dirname, 'screens');
export const baseUrl = () => inject('baseUrl');

/** Debian's Chromium (never a downloaded browser: STACK.md). */
export async function launch(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
  });
}

export interface Session {
  context: BrowserContext;
  page: Page;
  /** Console errors and uncaught exceptions seen so far (the shell must have none). */
  errors: string[];
}

export async function open(browser: Browser, options: { dark?: boolean; phone?: boolean } = {}): Promise<Session> {
  const context = await browser.newContext({
    baseURL: baseUrl(),
    viewport: options.phone ? { width: 390, height: 844 } : { width: 1440, height: 900 },
    colorScheme: options.dark ? 'dark' : 'light',
  });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('console', (message) => { if (message.type() === 'error') errors.push(message.text()); });
  page.on('pageerror', (error) => errors.push(String(error)));
  page.setDefaultTimeout(15_000);
  return { context, page, errors };
}

export async function signIn(page: Page, username: string, password: string): Promise<void> {
  await page.goto('/login');
  await page.fill('#username', username);
  await page.fill('#password', password);
  await page.click('button[type=submit]');
  await page.waitForURL(/\/(home|change-password)/);
}

export const signInAsAdmin = (page: Page) => signIn(page, 'admin', ADMIN_PASSWORD);

export async function screenshot(page: Page, name: string): Promise<void> {
  await mkdir(SCREENS, { recursive: true });
  await page.screenshot({ path: path.join(SCREENS, `${name}.png`) });
}

/** Calls the API as the page's session (its cookies), for setup and for checking persisted state. */
export async function api<T = any>(page: Page, method: string, url: string, body?: unknown): Promise<T> {
  const response = await page.request.fetch(`/api/v1${url}`, {
    method,
    headers: { 'content-type': 'application/json', origin: baseUrl() },
    ...(body === undefined ? {} : { data: JSON.stringify(body) }),
  });
  const json = await response.json().catch(() => null);
  if (!response.ok()) throw new Error(`${method} ${url} → ${response.status()} ${JSON.stringify(json)}`);
  return json?.data as T;
}
