import { readFile } from 'node:fs/promises';
import path from 'node:path';

/**
 * Validates a WASM plugin's manifest with the SDK's own schema (the one the kernel loads plugins
 * with), so a mistake shows up when scaffolding or building rather than at install.
 * Returns the parsed manifest; throws an Error listing every issue as `path: message`.
 *
 * @param {unknown} json the parsed `plugin.json`
 * @param {string} source named in the error
 */
export async function checkManifest(json, source) {
  // The built SDK (dist/) holds the zod schema; it is built before any plugin in this repository.
  const { parseManifest } = await import('../dist/index.js');
  const result = parseManifest(json);
  if (!result.success) {
    throw new Error(`${source} is not a valid manifest:\n${result.issues.map((i) => `  ${i.path || '(root)'}: ${i.message}`).join('\n')}`);
  }
  if (result.manifest.runtime !== 'wasm') throw new Error(`${source}: runtime is "${result.manifest.runtime}", not "wasm"`);
  return result.manifest;
}

/** Reads and checks `<dir>/plugin.json`. */
export async function readManifest(dir) {
  const file = path.join(dir, 'plugin.json');
  let json;
  try {
    json = JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    throw new Error(`${file}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  return checkManifest(json, file);
}
