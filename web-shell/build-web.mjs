#!/usr/bin/env node
// Builds the browser side: the plugin SDK's shared modules, every core plugin's web module (the
// same way a third-party plugin builds its own), then the shell, which copies the shared modules
// into its import map's vendor folder. `--if-missing` (npm start) skips it when already built.
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { build } from 'vite';
import { precompress } from './precompress.mjs';

const root = path.resolve(import.meta.dirname, '..');
const shellIndex = path.join(root, 'web-shell/dist/index.html');
const pluginWebs = readdirSync(path.join(root, 'core-plugins'))
  .map((id) => path.join(root, 'core-plugins', id, 'web'))
  .filter((dir) => existsSync(path.join(dir, 'vite.config.ts')));

if (process.argv.includes('--if-missing')) {
  const missing = [shellIndex, ...pluginWebs.map((dir) => path.join(dir, 'dist/index.js'))].filter((file) => !existsSync(file));
  if (missing.length === 0) process.exit(0);
  console.log(`Building the web shell (missing ${path.relative(root, missing[0])})…`);
}

const started = Date.now();
await build({ configFile: path.join(root, 'plugin-sdk/web/vite.config.mjs') });
for (const dir of pluginWebs) await build({ configFile: path.join(dir, 'vite.config.ts') });
await build({ configFile: path.join(root, 'web-shell/vite.config.ts') });
let raw = 0;
let brotli = 0;
for (const dir of [path.join(root, 'web-shell/dist'), ...pluginWebs.map((web) => path.join(web, 'dist'))]) {
  const sizes = precompress(dir);
  raw += sizes.raw;
  brotli += sizes.brotli;
}
console.log(`web: SDK, ${pluginWebs.length} plugin modules and the shell built in ${((Date.now() - started) / 1000).toFixed(1)} s`
  + ` (${(raw / 1024).toFixed(0)} KB of scripts and styles, ${(brotli / 1024).toFixed(0)} KB with brotli)`);
