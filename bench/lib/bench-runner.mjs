// What a benchmark runner that forks servers needs (bench/wasm, bench/mcp): child servers
// (`bench/server.mjs` and friends, which report their port over IPC), a clean kernel environment,
// a throwaway PostgreSQL database, and a main that always cleans up, also on Ctrl+C.
import { fork } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const log = (message) => process.stderr.write(`${message}\n`);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

const children = new Set();
/** Run last-in first-out when the runner ends, however it ends. */
export const cleanups = [];

/** Forks a server script; resolves once it reports `{port, info, …}`, with a `stop()` that waits for its exit. */
export function startServer(script, args, env) {
  return new Promise((resolve, reject) => {
    const child = fork(script, args, { env, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    children.add(child);
    const onExit = (code) => reject(new Error(`${path.basename(script)} ${args.join(' ')} exited with ${code} before it was ready`));
    child.once('exit', onExit);
    child.once('message', (message) => {
      child.off('exit', onExit);
      child.once('exit', () => children.delete(child));
      resolve({
        pid: child.pid, url: `http://127.0.0.1:${message.port}`, info: message.info, plugins: message.plugins,
        stop: () => new Promise((done) => {
          if (child.exitCode !== null) return done();
          const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
          child.once('exit', () => { clearTimeout(timer); done(); });
          child.send('stop');
        }),
      });
    });
  });
}

/** This process's environment without any variable the kernel reads: each server gets only what the runner sets. */
export async function kernelEnv() {
  const { ENV_VARIABLES } = await import(path.join(REPO, 'kernel', 'dist', 'index.js'));
  const env = { ...process.env };
  for (const { name } of ENV_VARIABLES) delete env[name];
  return env;
}

/** A fresh database `<prefix>_<timestamp>` on the loopback PostgreSQL of DATABASE_URL, with `drop()`. */
export async function createPostgresDatabase(prefix) {
  const pg = createRequire(path.join(REPO, 'kernel', 'package.json'))('pg');
  const adminUrl = new URL(process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres');
  if (!['127.0.0.1', 'localhost', '::1', '[::1]'].includes(adminUrl.hostname)) throw new Error(`DATABASE_URL must point at loopback (got host ${adminUrl.hostname})`);
  const name = `${prefix}_${Date.now()}`;
  const client = new pg.Client({ connectionString: adminUrl.href });
  await client.connect();
  let version;
  try {
    await client.query(`CREATE DATABASE ${name}`);
    version = (await client.query('SHOW server_version')).rows[0].server_version;
  } finally {
    await client.end();
  }
  const url = new URL(adminUrl.href);
  url.pathname = `/${name}`;
  return {
    name, url: url.href, version,
    async drop() {
      const dropper = new pg.Client({ connectionString: adminUrl.href });
      await dropper.connect();
      try { await dropper.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`); } finally { await dropper.end(); }
    },
  };
}

async function cleanupAll(name) {
  while (cleanups.length) {
    try { await cleanups.pop()(); } catch (error) { log(`${name}: cleanup: ${error.message}`); }
  }
}

/** Runs `main`, then the cleanups, and exits (1 on failure, 130 on Ctrl+C after killing the children). */
export async function runMain(name, main) {
  process.on('SIGINT', async () => {
    log(`\n${name}: interrupted, cleaning up`);
    for (const child of children) child.kill('SIGKILL');
    await sleep(200);
    await cleanupAll(name);
    process.exit(130);
  });
  let code = 0;
  try {
    await main();
  } catch (error) {
    log(`${name}: ${error.stack ?? error}`);
    code = 1;
  } finally {
    await cleanupAll(name);
  }
  process.exit(code);
}
