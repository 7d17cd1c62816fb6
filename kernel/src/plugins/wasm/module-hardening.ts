import { ENTRY_POINTS, EXTISM_KERNEL_MODULE } from './guest-abi.js';
import { concatBytes, encodeName, encodeSigned, encodeU32, ValueType, WasmReader } from './wasm-binary.js';
import { forEachInstruction, immediateIndex, Opcode } from './wasm-instructions.js';
import { HEADER_LENGTH, importedFunctionCount, importedFunctionIndex, kindCode, parseModule, SectionId, type WasmModule } from './wasm-module.js';

/**
 * Rewrites a gated module so the sandbox can bound and diagnose everything the guest does. Extism
 * 1.0.3 offers no hook for any of it: the worker runs the module's start function outside any
 * call, hides the instance's memory from the host, and allocates Extism blocks inside the worker
 * (a host function standing in for `alloc` breaks its block bookkeeping: the guest's writes to a
 * block allocated on the host side never travel back).
 *
 * - Start function: its section is removed and it is exported as {@link START_EXPORT}, so the
 *   sandbox runs it as an ordinary, timed call. Run by Extism while instantiating, a trapping
 *   start function kills the host process and a looping one hangs plugin creation.
 * - `memory.grow`: every one goes through an added function that remembers whether the last
 *   growth failed; {@link MEMORY_PROBE_EXPORT} traps exactly when it did. Runtimes (AssemblyScript's
 *   included) answer a failed growth with a bare `unreachable` — the probe is how a trap becomes
 *   PLUGIN_MEMORY_LIMIT rather than PLUGIN_CRASHED.
 * - `extism:host/env.alloc`: every call goes through an added meter that counts the bytes and
 *   blocks the current call allocated and traps past the caps, flagging it for
 *   {@link BLOCK_PROBE_EXPORT}. The entry points are exported through wrappers that reset the meter,
 *   so the caps are per call.
 * - `extism:host/env.free`: calls become `drop`. Extism 1.0.3 re-sends every freed block's index
 *   through the shared buffer on each later host call of the same call, so host calls grew
 *   linearly slower within a call (measured: 0.2 ms for the 10th, 4.7 ms for the 300th, both
 *   threads busy). Unfreed blocks cost nothing until the sandbox resets the block table after the
 *   call, and the meter counts allocations, not live blocks, so the caps are unchanged.
 *
 * The gate refuses modules that could reach `alloc` or `free` other than by a direct call.
 *
 * Nothing is renumbered: types, globals and functions are appended after the module's own.
 */

export const START_EXPORT = '__paca_start';
export const MEMORY_PROBE_EXPORT = '__paca_memory_exhausted';
export const BLOCK_PROBE_EXPORT = '__paca_blocks_exhausted';
/** Export names the rewrite adds; a guest may not use the prefix itself. */
export const RESERVED_EXPORT_PREFIX = '__paca_';
/** The Extism functions whose calls are rewritten: only direct calls can be. */
export const REWRITTEN_KERNEL_FUNCTIONS = ['alloc', 'free'] as const;

export interface BlockCaps {
  /** Bytes one call may allocate in Extism blocks. */
  maxBytes: number;
  /** Blocks one call may allocate. */
  maxBlocks: number;
}

const { i32, i64 } = ValueType;
const FUNC = 0x60;
const END = Opcode.end;
const I32_EQ = 0x46;
const I32_GT_U = 0x4b;
const I64_GT_U = 0x56;
const I32_ADD = 0x6a;
const I32_OR = 0x72;
const I64_ADD = 0x7c;

export function hardenModule(bytes: Uint8Array, caps: BlockCaps): Uint8Array {
  const module = parseModule(bytes);
  const types = { grow: module.types.length, void: module.types.length + 1, entry: module.types.length + 2, alloc: module.types.length + 3 };
  const firstGlobal = module.imports.filter((entry) => entry.kind === 'global').length + module.definedGlobalCount;
  const globals = { growFailed: firstGlobal, blockCapHit: firstGlobal + 1, blockBytes: firstGlobal + 2, blockCount: firstGlobal + 3 };
  const allocImport = importedFunctionIndex(module, EXTISM_KERNEL_MODULE, 'alloc');
  const freeImport = importedFunctionIndex(module, EXTISM_KERNEL_MODULE, 'free');

  // Added functions, in index order after the module's own.
  const added: Array<{ type: number; body: number[] }> = [];
  const addFunction = (type: number, body: number[]) => importedFunctionCount(module) + module.definedFunctionTypes.length + added.push({ type, body }) - 1;
  const growGuard = addFunction(types.grow, growGuardBody(globals));
  const memoryProbe = addFunction(types.void, probeBody(globals.growFailed));
  const blockProbe = addFunction(types.void, probeBody(globals.blockCapHit));
  const allocMeter = allocImport === null ? null : addFunction(types.alloc, allocMeterBody(globals, caps, allocImport));
  const wrapped = new Map<number, number>();
  for (const entry of module.exports) {
    if (entry.kind === 'function' && ENTRY_POINTS.includes(entry.name) && !wrapped.has(entry.index)) {
      wrapped.set(entry.index, addFunction(types.entry, meterResetBody(globals, entry.index)));
    }
  }
  const start = module.startFunction === null ? null : addFunction(types.void, meterResetBody(globals, module.startFunction));

  const exports = [
    ...module.exports.map((entry) => [
      ...encodeName(entry.name), kindCode(entry.kind),
      ...encodeU32(entry.kind === 'function' ? wrapped.get(entry.index) ?? entry.index : entry.index),
    ]),
    [...encodeName(MEMORY_PROBE_EXPORT), kindCode('function'), ...encodeU32(memoryProbe)],
    [...encodeName(BLOCK_PROBE_EXPORT), kindCode('function'), ...encodeU32(blockProbe)],
    ...(start === null ? [] : [[...encodeName(START_EXPORT), kindCode('function'), ...encodeU32(start)]]),
  ];
  const replacements = new Map<number, Uint8Array>([
    [SectionId.type, appendEntries(module, SectionId.type, [
      [FUNC, 1, i32, 1, i32], // grow guard: like memory.grow
      [FUNC, 0, 0], // probes, start wrapper
      [FUNC, 0, 1, i32], // entry point wrappers
      [FUNC, 1, i64, 1, i64], // alloc meter: like alloc
    ])],
    [SectionId.function, appendEntries(module, SectionId.function, added.map(({ type }) => encodeU32(type)))],
    [SectionId.global, appendEntries(module, SectionId.global, [
      [i32, 0x01, Opcode.i32Const, 0x00, END], // grow failed
      [i32, 0x01, Opcode.i32Const, 0x00, END], // block cap hit
      [i64, 0x01, Opcode.i64Const, 0x00, END], // bytes allocated by this call
      [i32, 0x01, Opcode.i32Const, 0x00, END], // blocks allocated by this call
    ])],
    [SectionId.export, concatBytes([encodeU32(exports.length), ...exports])],
    [SectionId.code, rewriteCode(module, { growGuard, allocImport, allocMeter, freeImport }, added.map(({ body }) => body))],
  ]);
  return assemble(module, replacements, new Set([SectionId.start]));
}

type Globals = { growFailed: number; blockCapHit: number; blockBytes: number; blockCount: number };

/** `(param $pages i32) (result i32)`: `memory.grow`, remembering whether it failed; the guest sees no difference. */
function growGuardBody(globals: Globals): number[] {
  return [
    0x01, 0x01, i32, // one local: $result
    Opcode.localGet, 0x00,
    Opcode.memoryGrow, 0x00,
    Opcode.localTee, 0x01,
    Opcode.i32Const, ...encodeSigned(-1n),
    I32_EQ,
    Opcode.globalSet, ...encodeU32(globals.growFailed),
    Opcode.localGet, 0x01,
    END,
  ];
}

/** `(param $size i64) (result i64)`: counts the block against the call's caps, traps past them, else allocates it. */
function allocMeterBody(globals: Globals, caps: BlockCaps, allocImport: number): number[] {
  const bytes = encodeU32(globals.blockBytes);
  const count = encodeU32(globals.blockCount);
  const maxBytes = encodeSigned(BigInt(caps.maxBytes));
  return [
    0x00, // no locals
    Opcode.globalGet, ...bytes, Opcode.localGet, 0x00, I64_ADD, Opcode.globalSet, ...bytes,
    Opcode.globalGet, ...count, Opcode.i32Const, 0x01, I32_ADD, Opcode.globalSet, ...count,
    // The size alone is compared too: as unsigned, a "negative" size is huge, and the sum may have wrapped.
    Opcode.localGet, 0x00, Opcode.i64Const, ...maxBytes, I64_GT_U,
    Opcode.globalGet, ...bytes, Opcode.i64Const, ...maxBytes, I64_GT_U,
    I32_OR,
    Opcode.globalGet, ...count, Opcode.i32Const, ...encodeSigned(BigInt(caps.maxBlocks)), I32_GT_U,
    I32_OR,
    Opcode.if, 0x40,
    Opcode.i32Const, 0x01, Opcode.globalSet, ...encodeU32(globals.blockCapHit),
    Opcode.unreachable,
    END,
    Opcode.localGet, 0x00,
    Opcode.call, ...encodeU32(allocImport),
    END,
  ];
}

/** Starts a fresh per-call meter, then runs the wrapped function (an entry point or the start function). */
function meterResetBody(globals: Globals, target: number): number[] {
  return [
    0x00,
    Opcode.i64Const, 0x00, Opcode.globalSet, ...encodeU32(globals.blockBytes),
    Opcode.i32Const, 0x00, Opcode.globalSet, ...encodeU32(globals.blockCount),
    Opcode.call, ...encodeU32(target),
    END,
  ];
}

/** `()`: traps when the flag is set, returns otherwise. */
function probeBody(flag: number): number[] {
  return [0x00, Opcode.globalGet, ...encodeU32(flag), Opcode.if, 0x40, Opcode.unreachable, END, END];
}

/** The section's entries with `extra` appended and its count raised; a new section when the module has none. */
function appendEntries(module: WasmModule, id: number, extra: ReadonlyArray<readonly number[]>): Uint8Array {
  const section = module.sections.find((candidate) => candidate.id === id);
  if (!section) return concatBytes([encodeU32(extra.length), ...extra]);
  const reader = new WasmReader(module.bytes, section.contentStart, section.end);
  const count = reader.u32();
  return concatBytes([encodeU32(count + extra.length), module.bytes.subarray(reader.offset, section.end), ...extra]);
}

/** The code section with `memory.grow`, `alloc` and `free` redirected as described above, and the added bodies appended. */
function rewriteCode(
  module: WasmModule,
  targets: { growGuard: number; allocImport: number | null; allocMeter: number | null; freeImport: number | null },
  addedBodies: ReadonlyArray<readonly number[]>,
): Uint8Array {
  const growCall = [Opcode.call, ...encodeU32(targets.growGuard)];
  const meterCall = targets.allocMeter === null ? [] : [Opcode.call, ...encodeU32(targets.allocMeter)];
  const meterReturnCall = targets.allocMeter === null ? [] : [Opcode.returnCall, ...encodeU32(targets.allocMeter)];
  const parts: Array<Uint8Array | readonly number[]> = [encodeU32(module.bodies.length + addedBodies.length)];
  for (const body of module.bodies) {
    const pieces: Array<Uint8Array | readonly number[]> = [];
    let copiedUpTo = body.start;
    forEachInstruction(new WasmReader(module.bytes, body.start, body.end), body.end, (instruction) => {
      const { opcode, start, end } = instruction;
      const callee = opcode === Opcode.call || opcode === Opcode.returnCall ? immediateIndex(module.bytes, instruction) : null;
      let replacement: readonly number[] | null = null;
      if (opcode === Opcode.memoryGrow) replacement = growCall;
      else if (callee !== null && callee === targets.allocImport) replacement = opcode === Opcode.call ? meterCall : meterReturnCall;
      // free(block) takes an i64 and returns nothing: `drop` has the same effect on the stack.
      else if (callee !== null && callee === targets.freeImport) replacement = opcode === Opcode.call ? [Opcode.drop] : [Opcode.drop, Opcode.return];
      if (!replacement) return;
      pieces.push(module.bytes.subarray(copiedUpTo, start), replacement);
      copiedUpTo = end;
    });
    pieces.push(module.bytes.subarray(copiedUpTo, body.end));
    const rewritten = concatBytes(pieces);
    parts.push(encodeU32(rewritten.length), rewritten);
  }
  for (const body of addedBodies) parts.push(encodeU32(body.length), body);
  return concatBytes(parts);
}

/** Sections in the order the binary format requires (custom sections may sit anywhere). */
const SECTION_ORDER: readonly number[] = [
  SectionId.type, SectionId.import, SectionId.function, SectionId.table, SectionId.memory, SectionId.tag, SectionId.global,
  SectionId.export, SectionId.start, SectionId.element, SectionId.dataCount, SectionId.code, SectionId.data,
];

function assemble(module: WasmModule, replacements: ReadonlyMap<number, Uint8Array>, removed: ReadonlySet<number>): Uint8Array {
  const rank = (id: number) => SECTION_ORDER.indexOf(id);
  const parts: Array<Uint8Array | readonly number[]> = [module.bytes.subarray(0, HEADER_LENGTH)];
  const emitted = new Set<number>();
  const emit = (id: number, content: Uint8Array) => {
    parts.push([id, ...encodeU32(content.length)], content);
    emitted.add(id);
  };
  // A section the module lacks goes before the first existing section that must follow it.
  const emitMissingRankedBelow = (limit: number) => {
    for (const [id, content] of replacements) {
      if (!emitted.has(id) && rank(id) < limit && !module.sections.some((section) => section.id === id)) emit(id, content);
    }
  };
  for (const section of module.sections) {
    if (section.id !== SectionId.custom) emitMissingRankedBelow(rank(section.id));
    if (removed.has(section.id)) continue;
    const replacement = replacements.get(section.id);
    if (replacement) emit(section.id, replacement);
    else parts.push(module.bytes.subarray(section.start, section.end));
  }
  emitMissingRankedBelow(Number.POSITIVE_INFINITY);
  return concatBytes(parts);
}
