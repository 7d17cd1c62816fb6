#!/usr/bin/env node
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { checkManifest } from './read-manifest.mjs';

/*
 * Scaffolds a WASM plugin from ./template: plugin.json, assembly/index.ts, package.json with a
 * build script, an AssemblyScript tsconfig and a README. `{{id}}`, `{{name}}`, `{{ns}}`,
 * `{{kernel}}` and `{{sdk}}` are filled in; the manifest is validated before anything is written.
 */

const TEMPLATE = fileURLToPath(new URL('./template/', import.meta.url));
// The kernel and the SDK are released together under one version.
const SDK_VERSION = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).version;
// npm drops files named .gitignore from packages, so the template keeps it without the dot.
const RENAMED = { gitignore: '.gitignore' };

/**
 * Writes a new plugin into `dir` (absent or empty); resolves to the written paths, relative to `dir`.
 *
 * @param {string} dir
 * @param {{ id: string, name?: string }} options `id` follows D17 (`^[a-z][a-z0-9-]{1,31}$`)
 */
export async function scaffoldPlugin(dir, { id, name }) {
  const target = path.resolve(dir);
  if (existsSync(target) && (await readdir(target)).length > 0) throw new Error(`${target} exists and is not empty`);
  const values = {
    id,
    name: name ?? id.split('-').map((word) => word.charAt(0).toUpperCase() + word.slice(1)).join(' '),
    ns: id.replace(/-/g, '_'),
    kernel: `^${SDK_VERSION}`,
    sdk: `^${SDK_VERSION}`,
  };
  const files = await templateFiles(TEMPLATE);
  const rendered = await Promise.all(files.map(async (file) => {
    // Placeholders sit inside string literals in JSON and AssemblyScript files: escape them there.
    const quoted = /\.(json|ts)$/.test(file);
    const fill = (_, key) => (quoted ? JSON.stringify(values[key]).slice(1, -1) : values[key]);
    return {
      file: path.join(path.dirname(file), RENAMED[path.basename(file)] ?? path.basename(file)),
      text: (await readFile(path.join(TEMPLATE, file), 'utf8')).replace(/\{\{(\w+)\}\}/g, fill),
    };
  }));

  await checkManifest(JSON.parse(rendered.find((f) => f.file === 'plugin.json').text), `plugin.json for ${id}`);

  for (const { file, text } of rendered) {
    await mkdir(path.dirname(path.join(target, file)), { recursive: true });
    await writeFile(path.join(target, file), text);
  }
  return rendered.map((f) => f.file);
}

async function templateFiles(root, sub = '') {
  const entries = await readdir(path.join(root, sub), { withFileTypes: true });
  const nested = await Promise.all(entries.map((entry) => (entry.isDirectory()
    ? templateFiles(root, path.join(sub, entry.name))
    : [path.join(sub, entry.name)])));
  return nested.flat();
}

async function main() {
  const { positionals, values } = parseArgs({ allowPositionals: true, options: { id: { type: 'string' }, name: { type: 'string' } } });
  if (positionals.length !== 1) {
    process.stderr.write('usage: create-paca-plugin <dir> [--id <plugin-id>] [--name "Display name"]\n');
    process.exit(2);
  }
  const dir = positionals[0];
  const id = values.id ?? path.basename(path.resolve(dir));
  try {
    const files = await scaffoldPlugin(dir, { id, name: values.name });
    process.stdout.write(`created plugin ${id} in ${dir}:\n${files.map((f) => `  ${f}`).join('\n')}\n`);
    process.stdout.write(`next: cd ${dir} && npm install && npm run build\n`);
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  }
}

if (process.argv[1] && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url)) await main();
