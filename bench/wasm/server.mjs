// The kernel under test for bench/wasm, run as a child of bench/wasm/run.mjs (the raw Fastify
// baseline is bench/server.mjs raw). Like bench/server.mjs kernel, but the kernel is imported from
// KERNEL_DIST (run.mjs compiles kernel/src there while kernel/dist predates the WASM runtime) and
// the core plugins come from the repository's core-plugins/ whichever dist is used.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { buildHash } from '../lib/build-hash.mjs';
import { fileURLToPath, pathToFileURL } from 'node:url';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const dist = process.env.KERNEL_DIST;
const entry = pathToFileURL(path.join(dist, 'index.js')).href;
const requireFromKernel = createRequire(entry);


const version = (name) => {
  try {
    for (let dir = path.dirname(requireFromKernel.resolve(name)); dir !== path.dirname(dir); dir = path.dirname(dir)) {
      try {
        const manifest = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8'));
        if (manifest.name === name) return manifest.version;
      } catch { /* next level */ }
    }
  } catch { /* not resolvable */ }
  return null;
};

const { loadConfig, openKernel, KERNEL_VERSION } = await import(entry);
const config = loadConfig(process.env);
const kernel = await openKernel(config, { corePluginsDir: path.join(REPO, 'core-plugins') });
await kernel.app.listen({ port: 0, host: '127.0.0.1' });
const plugins = Object.fromEntries(['bench-native', 'bench-wasm'].map((id) => {
  const record = kernel.plugins.registry.get(id);
  return [id, record ? { status: record.status, error: record.error ?? null } : null];
}));

let stopping = false;
async function stop(code) {
  if (stopping) return;
  stopping = true;
  try {
    await kernel.close();
  } finally {
    process.exit(code);
  }
}
process.on('message', (message) => { if (message === 'stop') void stop(0); });
process.on('disconnect', () => void stop(0));
process.on('SIGTERM', () => void stop(0));
process.send({
  type: 'ready',
  port: kernel.app.server.address().port,
  plugins,
  info: {
    kernel: KERNEL_VERSION, kernel_build: { dist: path.relative(REPO, dist), ...buildHash(dist) }, fastify: kernel.app.version, mode: config.mode,
    extism: version('@extism/extism'),
    ...(config.mode === 'embedded' ? { pglite: version('@electric-sql/pglite') } : { pg: version('pg') }),
  },
});
