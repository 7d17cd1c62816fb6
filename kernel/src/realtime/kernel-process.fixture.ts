import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';

/** The production entry point, built: multi-node tests run kernels exactly as operators do. */
export const KERNEL_MAIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../dist/main.js');

/** A port nothing listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

/** What every child printed, interleaved and tagged, to show when a test fails. */
export class ProcessLog {
  private readonly lines: string[] = [];

  capture(name: string, child: ChildProcess): void {
    const append = (chunk: Buffer) => {
      for (const line of chunk.toString().split('\n')) if (line.trim()) this.lines.push(`[${name}] ${line}`);
    };
    child.stdout?.on('data', append);
    child.stderr?.on('data', append);
  }

  note(line: string): void {
    this.lines.push(`[test ${new Date().toISOString().slice(11, 23)}] ${line}`);
  }

  toString(): string {
    return this.lines.join('\n');
  }
}

/** A child process that can be SIGKILLed and started again with the same settings. */
abstract class Restartable {
  protected child: ChildProcess | null = null;

  constructor(readonly name: string, protected readonly log: ProcessLog) {}

  protected launch(command: string, args: string[], env?: NodeJS.ProcessEnv): ChildProcess {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], ...(env ? { env } : {}) });
    this.log.capture(this.name, child);
    child.on('exit', (code, signal) => this.log.note(`${this.name} exited (code ${code}, signal ${signal})`));
    this.child = child;
    return child;
  }

  /** Dies without any chance to clean up, like a crashed node. */
  async kill(): Promise<void> {
    const child = this.child;
    this.child = null;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = once(child, 'exit');
    child.kill('SIGKILL');
    await exited;
  }

  /** Polls `ready` until it holds; fails early if the child exits meanwhile. */
  protected async waitUntil(child: ChildProcess, ready: () => Promise<boolean>, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (child.exitCode !== null || child.signalCode !== null) throw new Error(`${this.name} exited before it was ready (code ${child.exitCode}, signal ${child.signalCode})`);
      if (await ready().catch(() => false)) return;
      if (Date.now() > deadline) throw new Error(`${this.name} was not ready within ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

/** `node kernel/dist/main.js` on its own port; `env` is the whole environment (no inherited settings). */
export class KernelProcess extends Restartable {
  readonly url: string;

  constructor(name: string, readonly port: number, private readonly env: Record<string, string>, log: ProcessLog) {
    super(name, log);
    this.url = `http://127.0.0.1:${port}`;
  }

  /** Starts the kernel and resolves once `GET /api/healthz` answers 200. */
  async start(timeoutMs = 60_000): Promise<void> {
    const child = this.launch(process.execPath, [KERNEL_MAIN], {
      PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', PORT: String(this.port), HOST: '127.0.0.1', ...this.env,
    });
    await this.waitUntil(child, async () => (await fetch(`${this.url}/api/healthz`)).status === 200, timeoutMs);
    this.log.note(`${this.name} healthy on ${this.url}`);
  }
}

/** A throwaway `redis-server` without persistence: a restart loses everything it held. */
export class RedisProcess extends Restartable {
  readonly url: string;

  constructor(readonly port: number, private readonly dir: string, log: ProcessLog) {
    super('redis', log);
    this.url = `redis://127.0.0.1:${port}`;
  }

  async start(timeoutMs = 10_000): Promise<void> {
    const child = this.launch('redis-server', ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', this.dir, '--loglevel', 'warning']);
    await this.waitUntil(child, () => this.ping(), timeoutMs);
  }

  private async ping(): Promise<boolean> {
    const client = new Redis(this.url, { lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 });
    client.on('error', () => undefined);
    try {
      await client.connect();
      return (await client.ping()) === 'PONG';
    } finally {
      client.disconnect();
    }
  }
}
