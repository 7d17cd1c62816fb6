import { isPacaError, type PacaError } from '@paca/plugin-sdk';
import { PluginCrashed, PluginInputTooLarge, PluginInvalidModule, PluginSandboxClosed } from '../plugin-errors.js';
import type { HostCall } from './host-call-bridge.js';
import { inspectModule, type ModuleReport } from './module-gate.js';
import { hardenModule, START_EXPORT } from './module-hardening.js';
import { SandboxInstance } from './sandbox-instance.js';
import { WasmFormatError } from './wasm-binary.js';
import { webAssembly, type CompiledModule } from './webassembly-api.js';

export type GuestFunction = 'init' | 'handle_request' | 'handle_event' | 'shutdown';

export interface WasmSandboxOptions<C> {
  pluginId: string;
  /** The most 64 KiB pages a module may declare as its memory maximum. */
  memoryLimitPages: number;
  /** Answers the guest's `paca_call`s; `context` is the one the current call was made with. */
  hostCall: HostCall<C>;
  /** The manifest declares event subscriptions: `handle_event` must be exported. */
  subscribesToEvents?: boolean;
  /** Per call (D23 PLUGIN_CALL_TIMEOUT). Default 5,000. */
  callTimeoutMs?: number;
  /** For the start function and `init`, wherever they run. Default 10,000. */
  loadTimeoutMs?: number;
  /** UTF-8 JSON input per call (PLUGIN_INPUT_TOO_LARGE). Default 1 MiB. */
  maxInputBytes?: number;
  /** UTF-8 JSON output per call (PLUGIN_OUTPUT_TOO_LARGE). Default 1 MiB. */
  maxOutputBytes?: number;
  /**
   * Bytes one call may allocate in Extism's blocks (which live outside the capped wasm memory);
   * enforced separately for the guest's own allocations and for the host's answers. Default 8 MiB.
   */
  maxBlockBytes?: number;
  /** Host calls one call may make (PLUGIN_MEMORY_LIMIT past it: each answer is an Extism block). Default 1,024. */
  maxHostCalls?: number;
  /** Instances kept for this plugin, created on demand; calls beyond them queue. Default 2. */
  poolSize?: number;
}

const DEFAULTS = {
  callTimeoutMs: 5_000, loadTimeoutMs: 10_000, maxInputBytes: 1 << 20, maxOutputBytes: 1 << 20, maxBlockBytes: 8 << 20,
  maxHostCalls: 1_024, poolSize: 2,
};
/**
 * Blocks the guest may allocate in one call. Extism walks its whole block table on every host
 * call and each block is an object on both threads, so the count is capped besides the bytes.
 */
const MAX_GUEST_BLOCKS_PER_CALL = 4_096;

interface Initialization<C> {
  input: Uint8Array | null;
  context: C;
}

interface Pooled<C> {
  instance: SandboxInstance<C>;
  /** The `init` this instance ran; instances created after `init` run it before their first call. */
  initializedWith: Initialization<C> | null;
}

interface Waiter<C> {
  resolve: (pooled: Pooled<C>) => void;
  reject: (error: unknown) => void;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

/**
 * One WASM plugin's sandbox: its gated and hardened module, a pool of Extism instances (each in
 * its own worker, never used by two calls at once) and a FIFO queue of calls waiting for one.
 * Every failure is a D23 error carrying `error_details.plugin_id`; an instance that timed out,
 * trapped or broke a cap is discarded and the next call gets a fresh one, so one plugin's
 * misbehaviour never reaches the kernel or another plugin.
 */
export class WasmSandbox<C> {
  private readonly settings: typeof DEFAULTS;
  private readonly idle: Array<Pooled<C>> = [];
  private readonly live = new Set<Pooled<C>>();
  private readonly starting = new Set<SandboxInstance<C>>();
  private readonly spawning = new Set<Promise<unknown>>();
  private readonly waiting: Array<Waiter<C>> = [];
  private initialization: Initialization<C> | null = null;
  private closed = false;

  private constructor(
    private readonly module: CompiledModule,
    /** What the gate found in the module. */
    readonly report: ModuleReport,
    private readonly options: WasmSandboxOptions<C>,
  ) {
    this.settings = {
      callTimeoutMs: options.callTimeoutMs ?? DEFAULTS.callTimeoutMs,
      loadTimeoutMs: options.loadTimeoutMs ?? DEFAULTS.loadTimeoutMs,
      maxInputBytes: options.maxInputBytes ?? DEFAULTS.maxInputBytes,
      maxOutputBytes: options.maxOutputBytes ?? DEFAULTS.maxOutputBytes,
      maxBlockBytes: options.maxBlockBytes ?? DEFAULTS.maxBlockBytes,
      maxHostCalls: options.maxHostCalls ?? DEFAULTS.maxHostCalls,
      poolSize: options.poolSize ?? DEFAULTS.poolSize,
    };
  }

  /**
   * Gates and hardens `bytes`, then starts one instance and runs the module's start function in it
   * under the load timeout: a module that is refused, cannot be instantiated, or whose start
   * function traps or loops is PLUGIN_INVALID_MODULE (422).
   */
  static async load<C>(bytes: Uint8Array, options: WasmSandboxOptions<C>): Promise<WasmSandbox<C>> {
    assertLimits(options);
    const refuse = (reason: string) => PluginInvalidModule({ plugin_id: options.pluginId, reason });
    const report = inspectModule(bytes, {
      pluginId: options.pluginId, memoryLimitPages: options.memoryLimitPages, requireHandleEvent: options.subscribesToEvents ?? false,
    });
    let module: CompiledModule;
    try {
      module = await webAssembly.compile(hardenModule(bytes, {
        maxBytes: options.maxBlockBytes ?? DEFAULTS.maxBlockBytes, maxBlocks: MAX_GUEST_BLOCKS_PER_CALL,
      }));
      // Instantiating runs no guest code now that the start function is an export, so doing it here
      // is safe — and it surfaces segment and link errors that would crash Extism's worker.
      await webAssembly.instantiate(module, refusingImports(module));
    } catch (error) {
      const wasmErrors = [WasmFormatError, webAssembly.CompileError, webAssembly.LinkError, webAssembly.RuntimeError];
      if (wasmErrors.some((type) => error instanceof type)) throw refuse(`it cannot be instantiated: ${(error as Error).message}`);
      throw error;
    }
    const sandbox = new WasmSandbox(module, report, options);
    sandbox.adopt(await sandbox.spawn());
    return sandbox;
  }

  /**
   * Runs a guest entry point with `input` as UTF-8 JSON; host calls it makes act for `context`.
   * `init` is remembered and replayed (same input and context) on every instance created later,
   * before that instance's first call; its trap or timeout is PLUGIN_INVALID_MODULE. `shutdown`
   * runs on one instance and is skipped when the module does not export it.
   */
  async call(fn: GuestFunction, input: unknown, context: C): Promise<{ ok: true; output: unknown }> {
    const pluginId = this.options.pluginId;
    if (this.closed) throw PluginSandboxClosed({ plugin_id: pluginId });
    const exported = this.report.exports.some((entry) => entry.name === fn && entry.kind === 'function');
    if (!exported && fn === 'shutdown') return { ok: true, output: null };
    if (!exported) throw PluginCrashed({ plugin_id: pluginId, function: fn, reason: `the module does not export ${fn}` });
    const bytes = input === undefined ? null : encoder.encode(JSON.stringify(input));
    if (bytes && bytes.length > this.settings.maxInputBytes) {
      throw PluginInputTooLarge({ plugin_id: pluginId, function: fn, max_bytes: this.settings.maxInputBytes });
    }

    const pooled = await this.acquire();
    let output: Uint8Array | null;
    try {
      if (fn === 'init') {
        const initialization = { input: bytes, context };
        output = await this.initialize(pooled, initialization);
        this.initialization = initialization;
      } else {
        await this.catchUpInit(pooled);
        output = await pooled.instance.run(fn, fn, bytes, { context }, this.settings.callTimeoutMs);
      }
    } finally {
      void this.release(pooled);
    }
    return { ok: true, output: parseOutput(pluginId, fn, output) };
  }

  /** Terminates every instance (calls in flight and queued fail with PLUGIN_SANDBOX_CLOSED) and waits for those still starting. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const reason = PluginSandboxClosed({ plugin_id: this.options.pluginId });
    for (const waiter of this.waiting.splice(0)) waiter.reject(reason);
    for (const instance of this.starting) instance.retire(reason);
    for (const pooled of this.live) pooled.instance.retire(reason);
    this.live.clear();
    this.idle.length = 0;
    await Promise.allSettled([...this.spawning]);
  }

  private async initialize(pooled: Pooled<C>, initialization: Initialization<C>): Promise<Uint8Array | null> {
    try {
      const output = await pooled.instance.run('init', 'init', initialization.input, { context: initialization.context }, this.settings.loadTimeoutMs);
      pooled.initializedWith = initialization;
      return output;
    } catch (error) {
      throw loadFailure(this.options.pluginId, 'init', error);
    }
  }

  private async catchUpInit(pooled: Pooled<C>): Promise<void> {
    const current = this.initialization;
    if (!current || pooled.initializedWith === current) return;
    try {
      await this.initialize(pooled, current);
    } catch (error) {
      pooled.instance.retire(null);
      throw PluginCrashed({
        plugin_id: this.options.pluginId, function: 'init', reason: `a fresh instance failed its init: ${isPacaError(error) ? error.message : String(error)}`,
      });
    }
  }

  /** A fresh instance with its start function run (hardening made it an export). */
  private async spawn(): Promise<Pooled<C>> {
    const instance = await SandboxInstance.create<C>({
      pluginId: this.options.pluginId, module: this.module, hostCall: this.options.hostCall, maxOutputBytes: this.settings.maxOutputBytes,
      maxAnswerBytes: this.settings.maxBlockBytes, maxHostCalls: this.settings.maxHostCalls,
    });
    if (this.closed) {
      instance.retire(null);
      throw PluginSandboxClosed({ plugin_id: this.options.pluginId });
    }
    this.starting.add(instance);
    try {
      if (this.report.hasStartFunction) await instance.run(START_EXPORT, 'start', null, null, this.settings.loadTimeoutMs);
      await instance.recycle();
    } catch (error) {
      instance.retire(null);
      throw this.closed ? error : loadFailure(this.options.pluginId, 'start function', error);
    } finally {
      this.starting.delete(instance);
    }
    return { instance, initializedWith: null };
  }

  private adopt(pooled: Pooled<C>): void {
    this.live.add(pooled);
    this.hand(pooled);
  }

  private acquire(): Promise<Pooled<C>> {
    for (let idle = this.idle.pop(); idle; idle = this.idle.pop()) {
      if (idle.instance.usable) return Promise.resolve(idle);
      this.live.delete(idle); // its worker died while it waited
    }
    return new Promise((resolve, reject) => {
      this.waiting.push({ resolve, reject });
      this.grow();
    });
  }

  /** Starts instances while calls wait for them and the pool has room. */
  private grow(): void {
    while (!this.closed && this.waiting.length > this.spawning.size && this.live.size + this.spawning.size < this.settings.poolSize) {
      const spawn = this.spawn().then(
        (pooled) => this.adopt(pooled),
        (error: unknown) => this.waiting.shift()?.reject(error),
      ).finally(() => {
        this.spawning.delete(spawn);
        this.grow();
      });
      this.spawning.add(spawn);
    }
  }

  /** Gives an instance to the oldest waiting call, or parks it. */
  private hand(pooled: Pooled<C>): void {
    if (this.closed) {
      pooled.instance.retire(null);
      return;
    }
    const next = this.waiting.shift();
    if (next) next.resolve(pooled);
    else this.idle.push(pooled);
  }

  /** After a call: a usable instance is reset and handed on; a retired one leaves the pool and a fresh one is started if calls wait. */
  private async release(pooled: Pooled<C>): Promise<void> {
    await pooled.instance.recycle().catch(() => pooled.instance.retire(null));
    if (pooled.instance.usable && !this.closed) {
      this.hand(pooled);
      return;
    }
    this.live.delete(pooled);
    this.grow();
  }
}

/** A start function or `init` that traps, loops or runs out of memory makes the module invalid (D23); a guest's coded failure stays as it is. */
function loadFailure(pluginId: string, what: string, error: unknown): unknown {
  if (!isPacaError(error) || !['PLUGIN_CALL_TIMEOUT', 'PLUGIN_CRASHED', 'PLUGIN_MEMORY_LIMIT'].includes(error.code)) return error;
  return PluginInvalidModule({ plugin_id: pluginId, reason: `its ${what} failed: ${(error as PacaError).message}` });
}

function parseOutput(pluginId: string, fn: string, output: Uint8Array | null): unknown {
  if (output === null || output.length === 0) return null;
  try {
    return JSON.parse(decoder.decode(output));
  } catch {
    throw PluginCrashed({ plugin_id: pluginId, function: fn, reason: 'its output is not UTF-8 JSON' });
  }
}

/** A limit that is not a positive whole number would silently disable its check (`pages > undefined` is false). */
function assertLimits<C>(options: WasmSandboxOptions<C>): void {
  const { memoryLimitPages, callTimeoutMs, loadTimeoutMs, maxInputBytes, maxOutputBytes, maxBlockBytes, maxHostCalls, poolSize } = options;
  const limits = { memoryLimitPages, callTimeoutMs, loadTimeoutMs, maxInputBytes, maxOutputBytes, maxBlockBytes, maxHostCalls, poolSize };
  for (const [name, value] of Object.entries(limits)) {
    if (name === 'memoryLimitPages' || value !== undefined) {
      if (!Number.isInteger(value) || (value as number) < 1) throw new TypeError(`WasmSandbox ${name} must be a positive whole number, not ${String(value)}`);
    }
  }
  if (memoryLimitPages > 65_536) throw new TypeError('WasmSandbox memoryLimitPages cannot exceed 65,536 (4 GiB)');
}

/** Imports that fail if called: instantiation runs no guest code, it only has to link. */
function refusingImports(module: CompiledModule): Record<string, Record<string, () => never>> {
  const imports: Record<string, Record<string, () => never>> = {};
  for (const { module: from, name } of webAssembly.Module.imports(module)) {
    (imports[from] ??= {})[name] = () => {
      throw new Error('not callable while checking the module');
    };
  }
  return imports;
}
