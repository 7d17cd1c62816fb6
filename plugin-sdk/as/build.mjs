#!/usr/bin/env node
import { existsSync, realpathSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import asc from 'assemblyscript/asc';
import { readManifest } from './read-manifest.mjs';

/*
 * Compiles a WASM plugin's AssemblyScript (`<dir>/assembly/index.ts`) into `<dir>/backend.wasm`,
 * the file the kernel loads beside `plugin.json`, with what the kernel requires:
 * - a declared memory maximum: the kernel refuses modules without one or above its limit;
 * - the incremental GC runtime: an instance serves many calls, and the `stub` runtime never
 *   frees, so its memory would only grow until the cap;
 * - `abort` bound to the SDK's `pacaAbort`, so no `env.abort` import and the message reaches the host;
 * - no WASI, and only Extism's and `paca_call` imports (checked after compiling).
 */

/** 256 pages of 64 KiB = 16 MiB. */
export const DEFAULT_MAXIMUM_MEMORY_PAGES = 256;

const SDK_ROOT = realpathSync(fileURLToPath(new URL('..', import.meta.url)));
const ABORT = '~lib/@paca/plugin-sdk/as/abort/pacaAbort';
const WASM_FILE = 'backend.wasm';

// What AssemblyScript imports for some standard library calls, and why the kernel would refuse them.
const IMPORT_HINTS = {
  'env.abort': 'abort is not bound to the SDK (build with this script)',
  'env.seed': 'Math.random needs a seed the sandbox does not give',
  'env.trace': 'trace() is not available; use log.debug()',
  'env.Date.now': 'Date.now() is not available in the sandbox',
};

/**
 * Builds the plugin in `dir`; resolves to the written file and its size.
 * Rejects with the compiler's messages when compilation fails.
 *
 * @param {string} dir
 * @param {{ maximumMemory?: number, initialMemory?: number }} [options] memory sizes in 64 KiB pages
 */
export async function buildPlugin(dir, options = {}) {
  const pluginDir = path.resolve(dir);
  const manifest = await readManifest(pluginDir);
  if (manifest.wasm !== undefined && manifest.wasm !== WASM_FILE) throw new Error(`${manifest.id}: plugin.json names ${manifest.wasm}, but the kernel loads ${WASM_FILE}`);
  const maximumMemory = options.maximumMemory ?? DEFAULT_MAXIMUM_MEMORY_PAGES;
  for (const [name, pages] of [['maximumMemory', maximumMemory], ['initialMemory', options.initialMemory]]) {
    if (pages !== undefined && !(Number.isInteger(pages) && pages >= 1 && pages <= 65536)) throw new Error(`${name} must be a whole number of 64 KiB pages (1–65536), not ${pages}`);
  }
  const args = [
    'assembly/index.ts',
    '--baseDir', pluginDir,
    '--outFile', WASM_FILE,
    '--optimize',
    '--runtime', 'incremental',
    '--maximumMemory', String(maximumMemory),
    '--use', `abort=${ABORT}`,
    '--path', sdkPackagesDir(),
    '--noColors',
  ];
  if (options.initialMemory !== undefined) args.push('--initialMemory', String(options.initialMemory));
  const stdout = asc.createMemoryStream();
  const stderr = asc.createMemoryStream();
  const { error } = await asc.main(args, { stdout, stderr });
  if (error) {
    const messages = stderr.toString() || error.message;
    const hint = messages.includes(`'${ABORT}' not found`) ? '\nassembly/index.ts must import "@paca/plugin-sdk/as" (it provides abort and the entry points)' : '';
    throw new Error(`${manifest.id}: AssemblyScript compilation failed\n${messages}${hint}`);
  }

  const file = path.join(pluginDir, WASM_FILE);
  const bytes = await readFile(file);
  const refused = WebAssembly.Module.imports(new WebAssembly.Module(bytes))
    .filter(({ module, name }) => module !== 'extism:host/env' && !(module === 'extism:host/user' && name === 'paca_call'))
    .map(({ module, name }) => `${module}.${name}${IMPORT_HINTS[`${module}.${name}`] ? ` (${IMPORT_HINTS[`${module}.${name}`]})` : ''}`);
  if (refused.length > 0) {
    await rm(file); // never leave behind a module the kernel would refuse
    throw new Error(`${manifest.id}: the module imports what the kernel refuses: ${refused.join(', ')}`);
  }
  return { file, size: bytes.length };
}

/**
 * The node_modules folder that holds this SDK as `@paca/plugin-sdk`, handed to the compiler so
 * `import … from "@paca/plugin-sdk/as"` resolves for plugins outside any npm project too.
 */
function sdkPackagesDir() {
  for (let dir = SDK_ROOT; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'node_modules', '@paca', 'plugin-sdk');
    if (existsSync(candidate) && realpathSync(candidate) === SDK_ROOT) return path.join(dir, 'node_modules');
    if (path.dirname(dir) === dir) break;
  }
  throw new Error(`@paca/plugin-sdk at ${SDK_ROOT} is not in any node_modules folder; install it with npm`);
}

async function main() {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: { 'maximum-memory': { type: 'string' }, 'initial-memory': { type: 'string' } },
  });
  if (positionals.length !== 1) {
    process.stderr.write('usage: paca-build-plugin <plugin dir> [--maximum-memory <pages>] [--initial-memory <pages>]\n');
    process.exit(2);
  }
  const pages = (value) => (value === undefined ? undefined : Number(value));
  try {
    const { file, size } = await buildPlugin(positionals[0], {
      maximumMemory: pages(values['maximum-memory']),
      initialMemory: pages(values['initial-memory']),
    });
    process.stdout.write(`built ${file} (${size} bytes)\n`);
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  }
}

if (process.argv[1] && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url)) await main();
