import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

export const ADMIN_PASSWORD = 'e2e-admin-password';
const ROOT = path.resolve(import.meta.dirname, '../..');

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

/** A real kernel as `npm start` runs it (embedded mode), on a fresh data directory and a free port. */
export async function startKernelServer(): Promise<{ baseUrl: string; stop(): Promise<void> }> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'paca-e2e-'));
  const port = await freePort();
  const child: ChildProcess = spawn(process.execPath, [path.join(ROOT, 'kernel/dist/main.js')], {
    cwd: ROOT,
    // PUBLIC_URL: presigned upload and download URLs must point where the browser reaches the kernel.
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', PUBLIC_URL: `http://127.0.0.1:${port}`, DATA_DIR: dataDir, ADMIN_PASSWORD, LOG_LEVEL: 'warn', AUTH_RATE_LIMIT_PER_MINUTE: '0', DATABASE_URL: '', REDIS_URL: '' },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const baseUrl = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`kernel exited with ${child.exitCode} before becoming healthy`);
    try {
      if ((await fetch(`${baseUrl}/api/healthz`)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error('kernel not healthy after 120 s');
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
  return {
    baseUrl,
    async stop() {
      child.kill('SIGTERM');
      await new Promise((resolve) => { child.once('exit', resolve); setTimeout(resolve, 10_000); });
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
