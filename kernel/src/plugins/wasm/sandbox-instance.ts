import createPlugin, { type Plugin } from '@extism/extism';
import { isPacaError, type PacaError } from '@paca/plugin-sdk';
import type { Worker } from 'node:worker_threads';
import { PluginCallTimeout, PluginCrashed, PluginMemoryLimit, PluginOutputTooLarge } from '../plugin-errors.js';
import { guestError } from './guest-error.js';
import { HostCallBridge, type HostCall, type HostScope } from './host-call-bridge.js';
import { BLOCK_PROBE_EXPORT, MEMORY_PROBE_EXPORT } from './module-hardening.js';
import type { CompiledModule } from './webassembly-api.js';

export interface InstanceSettings<C> {
  pluginId: string;
  /** The hardened, compiled module (module-hardening.ts). */
  module: CompiledModule;
  hostCall: HostCall<C>;
  maxOutputBytes: number;
  /** Bytes of host answers one call may receive. */
  maxAnswerBytes: number;
  maxHostCalls: number;
}

/** How long a post-mortem probe may take; it runs our own three instructions, so only a broken worker is slow. */
const PROBE_TIMEOUT_MS = 1_000;
/** Extism's `error_set` reaches the host as an Error with this prefix. */
const GUEST_ERROR_PREFIX = 'Plugin-originated error: ';
/** Extism 1.0.3's first data offset in the shared buffer; the flag holds it when no hand-over is pending. */
const SAB_BASE_OFFSET = 4;
const SHARED_BUFFER_CHUNK = (1 << 16) - SAB_BASE_OFFSET;
const TIMED_OUT = Symbol('timed out');

/** Guest output through Extism's `log_*` would go straight to the kernel's console; plugins log through `paca_call`. */
const QUIET = { info() {}, debug() {}, warn() {}, error() {} } as unknown as Console;

/**
 * One Extism 1.0.3 plugin running the guest in its own worker thread (`runInWorker`, no WASI),
 * used by one call at a time. `run` races each call against a timer because Extism has no
 * timeout; an instance that timed out, trapped or broke a cap is retired — its worker terminated —
 * and the sandbox creates a fresh one.
 */
export class SandboxInstance<C> {
  private retiredBy: PacaError | null = null;
  private retired = false;
  private readonly retirement: Promise<never>;
  private rejectRetirement!: (reason: PacaError) => void;

  private constructor(
    private readonly plugin: Plugin,
    private readonly bridge: HostCallBridge<C>,
    private readonly settings: InstanceSettings<C>,
  ) {
    this.retirement = new Promise<never>((_, reject) => {
      this.rejectRetirement = reject;
    });
    // Retirement only matters to a call in flight; with none, its rejection is nobody's business.
    this.retirement.catch(() => undefined);
    // Extism attaches no listener: an error event from its worker would be thrown in the kernel's
    // thread. A worker that fails or exits on its own takes only this instance down.
    const worker = (plugin as unknown as { worker?: Worker }).worker;
    const lost = (reason: string) => this.retire(PluginCrashed({ plugin_id: settings.pluginId, function: this.bridge.currentFunction ?? 'idle', reason }));
    worker?.on('error', (error: Error) => lost(`its worker failed: ${error.message}`));
    worker?.on('exit', (code: number) => lost(`its worker exited with code ${code}`));
  }

  /** Starts the worker. No guest code runs here: hardening moved the start function into an export. */
  static async create<C>(settings: InstanceSettings<C>): Promise<SandboxInstance<C>> {
    const bridge = new HostCallBridge<C>({
      pluginId: settings.pluginId, hostCall: settings.hostCall, maxAnswerBytes: settings.maxAnswerBytes, maxHostCalls: settings.maxHostCalls,
    });
    const plugin = await createPlugin({ wasm: [{ module: settings.module }] }, {
      runInWorker: true, useWasi: false, logger: QUIET, functions: bridge.functions(),
    });
    return new SandboxInstance(plugin, bridge, settings);
  }

  get usable(): boolean {
    return !this.retired;
  }

  /**
   * Runs export `fn` with `input` and returns its output bytes (null when it set none). Throws the
   * D23 error for a timeout, trap, cap or oversized output, and the guest's own coded error when it
   * set one; the instance stays usable only after a normal return or a guest error.
   */
  async run(fn: string, label: string, input: Uint8Array | null, scope: HostScope<C>, timeoutMs: number): Promise<Uint8Array | null> {
    this.bridge.begin(label, scope);
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(TIMED_OUT), timeoutMs);
    });
    try {
      const output = await Promise.race([this.plugin.call(fn, input ?? undefined), expired, this.retirement]);
      const bytes = output ? output.bytes().slice() : null;
      if (bytes && bytes.length > this.settings.maxOutputBytes) {
        throw PluginOutputTooLarge({ plugin_id: this.settings.pluginId, function: label, max_bytes: this.settings.maxOutputBytes });
      }
      return bytes;
    } catch (error) {
      throw await this.diagnose(label, error, timeoutMs);
    } finally {
      clearTimeout(timer);
      this.bridge.end();
    }
  }

  /** Clears Extism's per-instance block table; without it calls slow down and call 16,384 fails (STACK pitfalls). */
  async recycle(): Promise<void> {
    if (this.retired) return;
    if (!(await Promise.race([this.plugin.reset(), this.retirement]))) this.retire(null);
  }

  /**
   * Terminates the worker without waiting for the call in it (Extism's `close` leaves that call
   * pending forever). `reason` fails the call in flight, if any, right away.
   */
  retire(reason: PacaError | null): void {
    if (this.retired) return;
    this.retired = true;
    this.retiredBy = reason;
    this.bridge.retire();
    const flag = (this.plugin as unknown as { hostFlag?: Int32Array }).hostFlag;
    void this.plugin.close();
    if (flag) acknowledgeForDeadWorker(flag, this.settings.maxAnswerBytes);
    if (reason) this.rejectRetirement(reason);
  }

  private async diagnose(label: string, error: unknown, timeoutMs: number): Promise<PacaError> {
    const pluginId = this.settings.pluginId;
    if (error === TIMED_OUT) {
      this.retire(null);
      return PluginCallTimeout({ plugin_id: pluginId, function: label, timeout_ms: timeoutMs });
    }
    if (this.retiredBy && error === this.retiredBy) return this.retiredBy;
    if (this.bridge.violation) {
      // The bridge threw to stop the call; Extism has already terminated the worker.
      this.retire(null);
      return this.bridge.violation;
    }
    if (isPacaError(error)) return error;
    if (error instanceof Error && error.message.startsWith(GUEST_ERROR_PREFIX)) {
      return guestError(pluginId, label, error.message.slice(GUEST_ERROR_PREFIX.length));
    }
    if (isTrap(error)) {
      // One after the other: an Extism instance is not re-entrant.
      const blocksExhausted = await this.probeTraps(BLOCK_PROBE_EXPORT);
      const memoryExhausted = await this.probeTraps(MEMORY_PROBE_EXPORT);
      this.retire(null);
      if (blocksExhausted) return PluginMemoryLimit({ plugin_id: pluginId, function: label, reason: 'it allocated more Extism memory than one call may use' });
      if (memoryExhausted) return PluginMemoryLimit({ plugin_id: pluginId, function: label, reason: 'its memory could not grow beyond its maximum' });
      return PluginCrashed({ plugin_id: pluginId, function: label, reason: `trap: ${error.message}` });
    }
    // Extism failed on the host side (for instance the guest's own http_request, which has no allowed
    // hosts); it terminated the worker on the way.
    this.retire(null);
    return PluginCrashed({ plugin_id: pluginId, function: label, reason: error instanceof Error ? error.message : String(error) });
  }

  /** Runs one of hardening's probes on the trapped instance: true when it traps, i.e. its flag is set. */
  private async probeTraps(probe: string): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<'expired'>((resolve) => {
      timer = setTimeout(() => resolve('expired'), PROBE_TIMEOUT_MS);
    });
    try {
      const outcome = await Promise.race([this.plugin.call(probe).then(() => 'returned' as const, (error: unknown) => (isTrap(error) ? 'trapped' : 'failed')), expired]);
      return outcome === 'trapped';
    } finally {
      clearTimeout(timer);
    }
  }
}

/** A trap inside the worker arrives as a plain `{message, originalStack}` object, not an Error. */
function isTrap(error: unknown): error is { message: string } {
  return typeof error === 'object' && error !== null && !(error instanceof Error) && typeof (error as { message?: unknown }).message === 'string';
}

/**
 * Extism's host side writes a host function's answer through a shared buffer in 64 KiB chunks and
 * waits for the worker to acknowledge each one, polling forever with an interval timer. A worker
 * terminated mid-answer never acknowledges; do it on its behalf for as many chunks as an answer
 * can have, so that writer finishes instead of spinning for the life of the process.
 */
function acknowledgeForDeadWorker(flag: Int32Array, maxAnswerBytes: number): void {
  let remaining = Math.ceil(maxAnswerBytes / SHARED_BUFFER_CHUNK) + 4;
  const timer = setInterval(() => {
    Atomics.store(flag, 0, SAB_BASE_OFFSET);
    Atomics.notify(flag, 0);
    if (--remaining <= 0) clearInterval(timer);
  }, 1);
  timer.unref();
}
