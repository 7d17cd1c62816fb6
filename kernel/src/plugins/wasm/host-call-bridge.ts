import type { CallContext } from '@extism/extism';
import { isPacaError, type PacaError } from '@paca/plugin-sdk';
import type { HostResult } from '../host-function-registry.js';
import { PluginMemoryLimit } from '../plugin-errors.js';
import { HOST_CALL_FUNCTION, HOST_CALL_MODULE } from './guest-abi.js';
import { concatBytes } from './wasm-binary.js';

/** What a guest sends through `paca_call` (ABI): `{"fn": "<name>", "args": {…}}`. */
export interface HostCallRequest {
  fn: string;
  args: Record<string, unknown>;
}

/** Answers one host call for the guest call running under `context`; may be slow, must not matter if it throws. */
export type HostCall<C> = (request: HostCallRequest, context: C) => Promise<HostResult>;

export interface HostCallBridgeSettings<C> {
  pluginId: string;
  hostCall: HostCall<C>;
  /** Bytes of answers one guest call may receive (they live in Extism blocks until the call ends). */
  maxAnswerBytes: number;
  /** Host calls one guest call may make: each answer is an Extism block, and Extism walks its whole block table on every host call. */
  maxHostCalls: number;
}

/** Whom a guest call's host calls act for; null while the start function runs, before any call has a context. */
export type HostScope<C> = { context: C } | null;

interface GuestCall<C> {
  fn: string;
  scope: HostScope<C>;
  answerBytes: number;
  hostCalls: number;
}

/** Thrown into Extism's host side (never into a live guest) by a host call that outlived its instance. */
class InstanceRetired extends Error {
  constructor() {
    super('the instance was retired while this host call ran');
  }
}

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

/**
 * The sandbox's one host import, `extism:host/user.paca_call(request: u64) -> u64` (ABI): reads
 * the guest's JSON request block, awaits the kernel's answer for the current call's context and
 * returns it as a new block. Every failure — an unreadable request, a throwing or misbehaving
 * host function, an answer over budget — becomes an `{"ok":false,"error":{…}}` answer: a host
 * function that throws makes Extism 1.0.3 terminate the worker. The two deliberate exceptions
 * end the call on purpose: a call over its host-call cap, and a host call still running when its
 * instance was retired (timed out), whose worker is gone and must not be written to.
 */
export class HostCallBridge<C> {
  private call: GuestCall<C> | null = null;
  private retired = false;
  private padNext = false;
  /** The cap the current call broke, when a host call ended it. */
  violation: PacaError | null = null;

  constructor(private readonly settings: HostCallBridgeSettings<C>) {}

  /** The `functions` option for Extism's `createPlugin`. */
  functions(): Record<string, Record<string, (ctx: CallContext, address: bigint) => Promise<bigint>>> {
    return { [HOST_CALL_MODULE]: { [HOST_CALL_FUNCTION]: (ctx, address) => this.pacaCall(ctx, address) } };
  }

  /** The guest function running, if any. */
  get currentFunction(): string | null {
    return this.call?.fn ?? null;
  }

  begin(fn: string, scope: HostScope<C>): void {
    this.call = { fn, scope, answerBytes: 0, hostCalls: 0 };
    this.violation = null;
  }

  end(): void {
    this.call = null;
  }

  retire(): void {
    this.retired = true;
  }

  private current(): GuestCall<C> {
    if (this.retired || !this.call) throw new InstanceRetired();
    return this.call;
  }

  private async pacaCall(ctx: CallContext, address: bigint): Promise<bigint> {
    const call = this.current();
    if (++call.hostCalls > this.settings.maxHostCalls) {
      this.violation = PluginMemoryLimit({
        plugin_id: this.settings.pluginId, function: call.fn, reason: `it made more than ${this.settings.maxHostCalls} host calls in one call`,
      });
      throw this.violation;
    }
    let answer = call.scope
      ? await this.answer(ctx, address, call.scope.context)
      : encodeAnswer(refusal('PLUGIN_PERMISSION_DENIED', 'host calls are not available while the module starts'));
    this.current(); // the call may have timed out meanwhile: its worker is gone, nothing may be written
    if (call.answerBytes + answer.length > this.settings.maxAnswerBytes) {
      answer = encodeAnswer(refusal('PLUGIN_MEMORY_LIMIT', `the answer would take this call past ${this.settings.maxAnswerBytes} bytes of host answers`));
    }
    call.answerBytes += answer.length;
    return ctx.store(this.alternateLength(answer));
  }

  /**
   * Extism 1.0.3 hands an answer to the worker through a shared flag that holds where the answer
   * ends. The host-side writer of the previous answer, still finishing, re-arms its wait when the
   * new answer ends at the same offset and takes the worker's wake-up meant for the new writer,
   * which then sleeps out Extism's 500 ms poll — 12 to 59 calls in 10,000 with two host calls each
   * (the prototype's timer tick only made it rarer). Answers of alternating length never end at
   * the same offset twice in a row; JSON allows the trailing space.
   */
  private alternateLength(answer: Uint8Array): Uint8Array {
    this.padNext = !this.padNext;
    return this.padNext ? concatBytes([answer, [0x20]]) : answer;
  }

  private async answer(ctx: CallContext, address: bigint, context: C): Promise<Uint8Array> {
    let request: HostCallRequest;
    try {
      request = readRequest(ctx, address);
    } catch (error) {
      return encodeAnswer(refusal('VALIDATION_FAILED', `paca_call: ${(error as Error).message}`));
    }
    try {
      return encodeAnswer(normalize(await this.settings.hostCall(request, context)));
    } catch (error) {
      if (isPacaError(error)) return encodeAnswer(refusal(error.code, error.message));
      return encodeAnswer(refusal('PLUGIN_HOST_CALL_FAILED', `${request.fn} failed`));
    }
  }
}

function readRequest(ctx: CallContext, address: bigint): HostCallRequest {
  const block = ctx.read(address);
  if (!block) throw new Error('the request is not an Extism block');
  const request: unknown = JSON.parse(decoder.decode(block.bytes()));
  if (typeof request !== 'object' || request === null || Array.isArray(request)) throw new Error('the request must be a JSON object');
  const { fn, args } = request as { fn?: unknown; args?: unknown };
  if (typeof fn !== 'string' || fn.length === 0) throw new Error('the request needs a function name in "fn"');
  if (args !== undefined && (typeof args !== 'object' || args === null || Array.isArray(args))) throw new Error('"args" must be an object');
  return { fn, args: (args ?? {}) as Record<string, unknown> };
}

/** A host function's result as the ABI spells it, whatever the host function returned. */
function normalize(result: HostResult): HostResult {
  if (result?.ok === true) return { ok: true, value: result.value ?? null };
  const error = (result as { error?: { code?: unknown; message?: unknown } } | null)?.error;
  return refusal(typeof error?.code === 'string' ? error.code : 'PLUGIN_HOST_CALL_FAILED', typeof error?.message === 'string' ? error.message : 'the host call failed');
}

function refusal(code: string, message: string): HostResult {
  return { ok: false, error: { code, message } };
}

/** UTF-8 JSON; a value JSON cannot carry (a BigInt, a cycle) becomes a failure answer. */
function encodeAnswer(result: HostResult): Uint8Array {
  try {
    return encoder.encode(JSON.stringify(result));
  } catch {
    return encoder.encode(JSON.stringify(refusal('PLUGIN_HOST_CALL_FAILED', 'the host function returned a value JSON cannot carry')));
  }
}
