import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { brotliCompressSync, brotliDecompressSync, gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectData, startTestKernel, type TestKernel } from '../testing/index.js';

// DESIGN 6: the kernel serves the built shell, the shared vendor modules and each serving
// plugin's web folder; every other browser GET gets the app page; the API keeps its 404s.

const IMPORT_MAP = '{"imports":{"vue":"/vendor/vue@3.5.45/vue.js"}}';
const BIG = `export const words = ${JSON.stringify('board backlog sprint '.repeat(400))};\n`;
let t: TestKernel;
let webDir: string;

beforeAll(async () => {
  webDir = await mkdtemp(path.join(tmpdir(), 'paca-web-'));
  await mkdir(path.join(webDir, 'assets'));
  await mkdir(path.join(webDir, 'vendor/vue@3.5.45'), { recursive: true });
  await writeFile(path.join(webDir, 'index.html'), `<!doctype html><html><head><script type="importmap">${IMPORT_MAP}</script><script type="module" src="/assets/app-1.js"></script></head><body><div id="app"></div></body></html>`);
  await writeFile(path.join(webDir, 'assets/app-1.js'), 'console.log("shell")');
  await writeFile(path.join(webDir, 'vendor/vue@3.5.45/vue.js'), 'export const ref = 1');
  await writeFile(path.join(webDir, 'favicon.svg'), '<svg/>');
  // What web-shell/precompress.mjs leaves beside a built file.
  await writeFile(path.join(webDir, 'assets/big-1.js'), BIG);
  await writeFile(path.join(webDir, 'assets/big-1.js.br'), brotliCompressSync(BIG));
  await writeFile(path.join(webDir, 'assets/big-1.js.gz'), gzipSync(BIG));
  t = await startTestKernel({ env: { WEB_DIR: webDir } });
});
afterAll(() => t?.close());

const get = (url: string, headers: Record<string, string> = {}) => t.kernel.app.inject({ method: 'GET', url, headers });

describe('the web shell', () => {
  it('serves the app page at / and for any client route, with a CSP that allows exactly its import map', async () => {
    for (const url of ['/', '/projects/7c0e/board?view=1', '/admin/users']) {
      const page = await get(url, { accept: 'text/html' });
      expect(page.statusCode).toBe(200);
      expect(page.headers['content-type']).toContain('text/html');
      expect(page.body).toContain('<div id="app">');
      expect(page.headers['cache-control']).toBe('no-cache');
      expect(page.headers['x-frame-options']).toBe('DENY');
      const hash = createHash('sha256').update(IMPORT_MAP).digest('base64');
      expect(page.headers['content-security-policy']).toContain(`script-src 'self' 'sha256-${hash}'`);
      expect(page.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    }
  });

  it('serves built assets and versioned vendor files as immutable, and 404s a missing file instead of the page', async () => {
    const asset = await get('/assets/app-1.js');
    expect(asset.statusCode).toBe(200);
    expect(asset.headers['content-type']).toContain('javascript');
    expect(asset.headers['cache-control']).toContain('immutable');
    expect((await get('/vendor/vue@3.5.45/vue.js')).headers['cache-control']).toContain('immutable');
    expect((await get('/favicon.svg')).headers['cache-control']).toBe('no-cache');
    const missing = await get('/assets/app-2.js');
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toMatchObject({ success: false, error_code: 'NOT_FOUND' });
  });

  it('sends the pre-compressed copy a browser accepts, and the file itself to one that accepts none', async () => {
    const brotli = await t.kernel.app.inject({ method: 'GET', url: '/assets/big-1.js', headers: { 'accept-encoding': 'gzip, deflate, br' } });
    expect(brotli.statusCode).toBe(200);
    expect(brotli.headers['content-encoding']).toBe('br');
    expect(brotli.headers['content-type']).toContain('javascript');
    expect(brotli.headers.vary).toContain('accept-encoding');
    expect(brotli.headers['cache-control']).toContain('immutable');
    expect(brotliDecompressSync(brotli.rawPayload).toString()).toBe(BIG);
    expect(brotli.rawPayload.length).toBeLessThan(BIG.length / 10);

    const gzip = await t.kernel.app.inject({ method: 'GET', url: '/assets/big-1.js', headers: { 'accept-encoding': 'gzip' } });
    expect(gzip.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(gzip.rawPayload).toString()).toBe(BIG);

    const plain = await t.kernel.app.inject({ method: 'GET', url: '/assets/big-1.js', headers: { 'accept-encoding': 'identity' } });
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.body).toBe(BIG);
    // A file without a compressed copy is sent as it is, whatever the browser accepts.
    const small = await t.kernel.app.inject({ method: 'GET', url: '/assets/app-1.js', headers: { 'accept-encoding': 'br' } });
    expect(small.headers['content-encoding']).toBeUndefined();
    expect(small.body).toBe('console.log("shell")');
  });

  it('hints the serving plugins’ web modules on project pages only, within its CSP', async () => {
    const board = await get('/projects/7c0e/board', { accept: 'text/html' });
    const hinted = [...board.body.matchAll(/<link rel="modulepreload" href="([^"]+)">/g)].map((m) => m[1]);
    const serving = t.kernel.plugins.registry.serving().filter((r) => r.manifest?.web).map((r) => `/plugins/${r.id}/${r.manifest!.web!.entry}`);
    expect(serving.length).toBeGreaterThan(0);
    expect(hinted.sort()).toEqual(serving.sort());
    // Each hint is a module the kernel serves (same origin: the page's script-src 'self' covers it).
    for (const url of hinted) expect((await get(url!)).statusCode, url).toBe(200);
    for (const url of ['/login', '/home', '/admin/users']) {
      expect((await get(url, { accept: 'text/html' })).body, url).not.toContain('modulepreload');
    }
  });

  it('keeps the API’s JSON 404 for unknown API paths', async () => {
    for (const url of ['/api/v1/nothing-here', '/api/nope', '/ws/unknown', '/mcp/x']) {
      const response = await get(url, { accept: 'text/html' });
      expect(response.statusCode, url).toBe(404);
      expect(response.json()).toMatchObject({ success: false, error_code: 'NOT_FOUND' });
    }
  });

  it('does not serve files outside the web folder', async () => {
    for (const url of ['/../package.json', '/assets/../../etc/passwd', '/%2e%2e/%2e%2e/package.json']) {
      const response = await get(url);
      expect(response.body, url).not.toContain('"name"');
      expect(response.body, url).not.toContain('root:');
    }
  });
});

describe("plugins' web modules", () => {
  it('lists each plugin’s module and styles with the URL the shell imports them from', async () => {
    const { plugins } = expectData(await t.api('GET', '/plugins', { token: t.adminToken }));
    const tasks = plugins.find((p: { id: string }) => p.id === 'tasks');
    expect(tasks.web).toMatchObject({ module_url: '/plugins/tasks/web/dist/index.js', style_urls: ['/plugins/tasks/web/dist/index.css'] });
    expect(tasks.web.slots.map((s: { slot: string }) => s.slot)).toContain('project.view');
  });

  it('serves a plugin’s built web folder, revalidated on every load', async () => {
    const module = await get('/plugins/tasks/web/dist/index.js');
    expect(module.statusCode).toBe(200);
    expect(module.headers['content-type']).toContain('javascript');
    expect(module.headers['cache-control']).toBe('no-cache');
    expect(module.headers.etag).toBeTruthy();
    expect(module.body).toContain('@paca/plugin-sdk/web');
  });

  it('refuses the rest of the plugin folder, traversal and unknown plugins', async () => {
    for (const url of ['/plugins/tasks/plugin.json', '/plugins/tasks/dist/index.js', '/plugins/tasks/web/dist/../../plugin.json', '/plugins/tasks/web/src/index.ts', '/plugins/nope/web/dist/index.js']) {
      const response = await get(url);
      expect(response.statusCode, url).toBe(404);
      expect(response.json()).toMatchObject({ error_code: 'NOT_FOUND' });
    }
  });

  it('stops serving a plugin switched off workspace-wide', async () => {
    expectData(await t.api('PATCH', '/admin/plugins/checklist', { token: t.adminToken, body: { enabled: false } }));
    expect((await get('/plugins/checklist/web/dist/index.js')).statusCode).toBe(404);
    expectData(await t.api('PATCH', '/admin/plugins/checklist', { token: t.adminToken, body: { enabled: true } }));
    expect((await get('/plugins/checklist/web/dist/index.js')).statusCode).toBe(200);
  });
});

describe('without a built shell', () => {
  let bare: TestKernel;
  beforeAll(async () => { bare = await startTestKernel({ env: { WEB_DIR: path.join(webDir, 'missing') } }); });
  afterAll(() => bare?.close());

  it('answers / with how to build it, and the API keeps working', async () => {
    const page = await bare.kernel.app.inject({ method: 'GET', url: '/' });
    expect(page.statusCode).toBe(503);
    expect(page.body).toContain('npm run build');
    expect((await bare.api('GET', '/api/healthz')).status).toBe(200);
  });
});
