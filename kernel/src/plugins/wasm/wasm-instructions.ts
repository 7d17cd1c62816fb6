import { readValueType, WasmFormatError, WasmReader } from './wasm-binary.js';

/**
 * Walks the instructions of one function body so a rewrite can find instruction boundaries (a
 * byte scan cannot: 0x40 is `memory.grow` and also the empty block type). Knows the immediates of
 * the MVP plus the proposals Node 20 enables by default: sign extension, saturating conversions,
 * bulk memory, reference types, multi-value, SIMD (and relaxed SIMD), tail calls, threads and the
 * legacy exception instructions. Anything else is refused rather than guessed.
 */

/** An instruction: its opcode (prefixed ones as `prefix << 16 | sub-opcode`) and byte range. */
export interface Instruction {
  opcode: number;
  start: number;
  end: number;
}

export const Opcode = {
  unreachable: 0x00, if: 0x04, end: 0x0b, return: 0x0f, call: 0x10, returnCall: 0x12, drop: 0x1a, localGet: 0x20, localTee: 0x22,
  globalGet: 0x23, globalSet: 0x24, memoryGrow: 0x40, i32Const: 0x41, i64Const: 0x42, refFunc: 0xd2,
} as const;

const PREFIX_MISC = 0xfc;
const PREFIX_SIMD = 0xfd;
const PREFIX_ATOMIC = 0xfe;

/** Reads the locals of a body at `reader` (which must start after the body's size) and visits each instruction up to `end`. */
export function forEachInstruction(reader: WasmReader, end: number, visit: (instruction: Instruction) => void): void {
  for (let groups = reader.u32(); groups > 0; groups--) {
    reader.u32();
    readValueType(reader);
  }
  while (reader.offset < end) {
    const start = reader.offset;
    const opcode = readInstruction(reader);
    visit({ opcode, start, end: reader.offset });
  }
  if (reader.offset !== end) throw new WasmFormatError(`function body overruns its size at byte ${reader.offset}`);
}

/** Visits the instructions of a constant expression (a global's initializer, an element offset) up to its `end`. */
export function forEachExpressionInstruction(reader: WasmReader, visit: (instruction: Instruction) => void): void {
  for (;;) {
    const start = reader.offset;
    const opcode = readInstruction(reader);
    visit({ opcode, start, end: reader.offset });
    // Constant expressions hold no blocks, so the first `end` closes the expression.
    if (opcode === Opcode.end) return;
  }
}

/** The index an instruction with one u32 immediate (call, ref.func, …) refers to. */
export function immediateIndex(bytes: Uint8Array, instruction: Instruction): number {
  return new WasmReader(bytes, instruction.start + 1, instruction.end).u32();
}

function readInstruction(reader: WasmReader): number {
  const at = reader.offset;
  const opcode = reader.byte();
  if (opcode === PREFIX_MISC) return (PREFIX_MISC << 16) | readMisc(reader, at);
  if (opcode === PREFIX_SIMD) return (PREFIX_SIMD << 16) | readSimd(reader, at);
  if (opcode === PREFIX_ATOMIC) return (PREFIX_ATOMIC << 16) | readAtomic(reader);
  switch (true) {
    case opcode === 0x00 || opcode === 0x01 || opcode === 0x05 || opcode === 0x0b || opcode === 0x0f || opcode === 0x19
      || opcode === 0x1a || opcode === 0x1b || (opcode >= 0x45 && opcode <= 0xc4) || opcode === 0xd1:
      return opcode;
    case opcode >= 0x02 && opcode <= 0x04: // block, loop, if
    case opcode === 0x06: // try
      readBlockType(reader);
      return opcode;
    case opcode >= 0x07 && opcode <= 0x09: // catch, throw, rethrow
    case opcode === 0x0c || opcode === 0x0d: // br, br_if
    case opcode === 0x10 || opcode === 0x12: // call, return_call
    case opcode === 0x18: // delegate
    case opcode >= 0x20 && opcode <= 0x26: // local.*, global.*, table.get/set
    case opcode === 0x3f || opcode === 0x40: // memory.size, memory.grow (memory index)
    case opcode === 0xd2: // ref.func
      reader.u32();
      return opcode;
    case opcode === 0x11 || opcode === 0x13: // call_indirect, return_call_indirect: type, table
      reader.u32();
      reader.u32();
      return opcode;
    case opcode === 0x0e: // br_table
      for (let targets = reader.u32(); targets > 0; targets--) reader.u32();
      reader.u32();
      return opcode;
    case opcode === 0x1c: // select with types
      for (let types = reader.u32(); types > 0; types--) readValueType(reader);
      return opcode;
    case opcode >= 0x28 && opcode <= 0x3e: // loads and stores
      readMemArg(reader);
      return opcode;
    case opcode === 0x41 || opcode === 0x42: // i32.const, i64.const
    case opcode === 0xd0: // ref.null (heap type)
      reader.skipLeb();
      return opcode;
    case opcode === 0x43:
      reader.skip(4);
      return opcode;
    case opcode === 0x44:
      reader.skip(8);
      return opcode;
    default:
      throw new WasmFormatError(`instruction 0x${opcode.toString(16)} at byte ${at} is not supported`);
  }
}

function readBlockType(reader: WasmReader): void {
  const first = reader.bytes[reader.offset];
  // 0x63/0x64 start a typed reference (function-references proposal), which takes two bytes.
  if (first === 0x63 || first === 0x64) throw new WasmFormatError(`typed reference block type at byte ${reader.offset}`);
  reader.skipLeb(); // 0x40 (empty), a value type, or a type index — all read as one s33
}

function readMemArg(reader: WasmReader): void {
  const align = reader.u32();
  if (align & 0x40) reader.u32(); // multi-memory: an explicit memory index
  reader.skipLeb(); // offset
}

function readMisc(reader: WasmReader, at: number): number {
  const sub = reader.u32();
  if (sub <= 0x07) return sub; // saturating truncations
  switch (sub) {
    case 0x08: // memory.init data, memory
    case 0x0a: // memory.copy memory, memory
    case 0x0c: // table.init elem, table
    case 0x0e: // table.copy table, table
      reader.u32();
      reader.u32();
      return sub;
    case 0x09: // data.drop
    case 0x0b: // memory.fill
    case 0x0d: // elem.drop
    case 0x0f: // table.grow
    case 0x10: // table.size
    case 0x11: // table.fill
      reader.u32();
      return sub;
    default:
      throw new WasmFormatError(`instruction 0xfc ${sub} at byte ${at} is not supported`);
  }
}

function readSimd(reader: WasmReader, at: number): number {
  const sub = reader.u32();
  if (sub <= 0x0b || sub === 0x5c || sub === 0x5d) readMemArg(reader); // v128 loads/stores, load*_zero
  else if (sub === 0x0c || sub === 0x0d) reader.skip(16); // v128.const, i8x16.shuffle
  else if (sub >= 0x15 && sub <= 0x22) reader.skip(1); // extract_lane / replace_lane
  else if (sub >= 0x54 && sub <= 0x5b) { // load*_lane / store*_lane
    readMemArg(reader);
    reader.skip(1);
  } else if (sub > 0x113) throw new WasmFormatError(`instruction 0xfd ${sub} at byte ${at} is not supported`);
  return sub;
}

function readAtomic(reader: WasmReader): number {
  const sub = reader.u32();
  if (sub === 0x03) reader.skip(1); // atomic.fence has a reserved byte
  else readMemArg(reader);
  return sub;
}
