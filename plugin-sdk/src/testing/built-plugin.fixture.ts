import { buildPlugin } from '../../as/build.mjs';
import { randomBytes } from 'node:crypto';
import { cp, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

/**
 * Builds the WASM plugin in `dir` from its source and installs `<dir>/backend.wasm` atomically:
 * the build runs on a copy, and the result replaces the file by a rename. Kernels started by other
 * test files discover this folder and may read the file at any moment; they see the old module or
 * the new one, never half of one. Resolves to the module's bytes.
 */
export async function buildPluginInPlace(dir: string): Promise<Buffer> {
  const workDir = await mkdtemp(path.join(tmpdir(), 'paca-wasm-build-'));
  try {
    await cp(path.join(dir, 'plugin.json'), path.join(workDir, 'plugin.json'));
    await cp(path.join(dir, 'assembly'), path.join(workDir, 'assembly'), { recursive: true });
    const { file } = await buildPlugin(workDir);
    const bytes = await readFile(file);
    // Written beside the target first: a rename is atomic within one file system only.
    const staged = path.join(dir, `.backend-${randomBytes(6).toString('hex')}.wasm`);
    await writeFile(staged, bytes);
    await rename(staged, path.join(dir, 'backend.wasm'));
    return bytes;
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
}
