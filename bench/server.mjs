// A server under test, run as a child of bench/run.mjs so the load generator and the server do not
// share an event loop. `node bench/server.mjs kernel` boots the real kernel from the environment
// (exactly what `npm start` does, but listening on a free loopback port); `node bench/server.mjs
// raw` serves the baseline: a bare Fastify (the kernel's own copy) with one `GET /raw` route.
// The runner learns the port over IPC and stops the server with a "stop" message.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
// Identifies the kernel build measured: the version alone does not change while the kernel is worked on.
import { buildHash } from './lib/build-hash.mjs';
import { pathToFileURL } from 'node:url';

const kind = process.argv[2];
const kernelEntry = import.meta.resolve('@paca/kernel');
const requireFromKernel = createRequire(kernelEntry);

/** The version of a kernel dependency, found from its entry point (some packages do not export package.json). */
function packageVersion(name) {
  try {
    for (let dir = path.dirname(requireFromKernel.resolve(name)); dir !== path.dirname(dir); dir = path.dirname(dir)) {
      try {
        const manifest = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8'));
        if (manifest.name === name) return manifest.version;
      } catch {
        // no package.json at this level
      }
    }
  } catch {
    // not resolvable
  }
  return null;
}

async function startRaw() {
  const { default: Fastify } = await import(pathToFileURL(requireFromKernel.resolve('fastify')).href);
  const app = Fastify({ logger: false });
  app.get('/raw', async () => ({ status: 'ok' }));
  await app.listen({ port: 0, host: '127.0.0.1' });
  return { app, close: () => app.close(), info: { fastify: app.version } };
}

async function startKernel() {
  const { loadConfig, openKernel, KERNEL_VERSION } = await import('@paca/kernel');
  const config = loadConfig(process.env);
  const kernel = await openKernel(config);
  await kernel.app.listen({ port: 0, host: '127.0.0.1' });
  return {
    app: kernel.app,
    close: () => kernel.close(),
    info: {
      kernel: KERNEL_VERSION,
      kernel_build: buildHash(path.dirname(new URL(kernelEntry).pathname)),
      fastify: kernel.app.version,
      mode: config.mode,
      database_pool_max: config.mode === 'services' ? config.databasePoolMax : 1,
      password_hashing: { algorithm: 'argon2id', ...config.passwordHashing },
      ...(config.mode === 'embedded' ? { pglite: packageVersion('@electric-sql/pglite') } : { pg: packageVersion('pg') }),
    },
  };
}

const server = kind === 'raw' ? await startRaw() : kind === 'kernel' ? await startKernel() : null;
if (!server) {
  process.stderr.write('usage: node bench/server.mjs kernel|raw\n');
  process.exit(2);
}

let stopping = false;
async function stop(code) {
  if (stopping) return;
  stopping = true;
  try {
    await server.close();
  } finally {
    process.exit(code);
  }
}
process.on('message', (message) => {
  if (message === 'stop') void stop(0);
});
process.on('disconnect', () => void stop(0)); // the runner died: do not linger
process.on('SIGTERM', () => void stop(0));
process.send({ type: 'ready', port: server.app.server.address().port, info: server.info });
