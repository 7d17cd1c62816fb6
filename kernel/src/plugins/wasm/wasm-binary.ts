/**
 * Byte-level reading and writing of WebAssembly binaries (core spec, chapter 5): the LEB128
 * integers the format is built from. Dependency-free on purpose — the module gate must not trust
 * a parser it cannot read in one sitting.
 */

/** The module uses an encoding this reader does not know, or its bytes end early. */
export class WasmFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WasmFormatError';
  }
}

export class WasmReader {
  constructor(
    readonly bytes: Uint8Array,
    public offset = 0,
    readonly end = bytes.length,
  ) {}

  get done(): boolean {
    return this.offset >= this.end;
  }

  byte(): number {
    if (this.offset >= this.end) throw new WasmFormatError(`unexpected end of data at byte ${this.offset}`);
    return this.bytes[this.offset++]!;
  }

  /** An unsigned LEB128 integer of at most 32 bits (counts, indices, sizes). */
  u32(): number {
    let result = 0;
    for (let shift = 0; shift < 35; shift += 7) {
      const byte = this.byte();
      // Multiplication instead of `<<`: the fifth byte would overflow a signed 32-bit shift.
      result += (byte & 0x7f) * 2 ** shift;
      if ((byte & 0x80) === 0) {
        if (result > 0xffff_ffff) throw new WasmFormatError(`integer too large at byte ${this.offset}`);
        return result;
      }
    }
    throw new WasmFormatError(`integer longer than 5 bytes at byte ${this.offset}`);
  }

  /** Steps over any LEB128 integer (signed or unsigned, up to 64 bits) whose value is not needed. */
  skipLeb(): void {
    for (let length = 0; length < 10; length++) {
      if ((this.byte() & 0x80) === 0) return;
    }
    throw new WasmFormatError(`integer longer than 10 bytes at byte ${this.offset}`);
  }

  skip(length: number): void {
    if (this.offset + length > this.end) throw new WasmFormatError(`unexpected end of data at byte ${this.offset}`);
    this.offset += length;
  }

  name(): string {
    const length = this.u32();
    const start = this.offset;
    this.skip(length);
    return new TextDecoder('utf-8', { fatal: true }).decode(this.bytes.subarray(start, this.offset));
  }
}

/** Value types by their one-byte encoding. */
export const ValueType = { i32: 0x7f, i64: 0x7e, f32: 0x7d, f64: 0x7c, v128: 0x7b, funcref: 0x70, externref: 0x6f } as const;
const VALUE_TYPES = new Set<number>(Object.values(ValueType));

export function readValueType(reader: WasmReader): number {
  const type = reader.byte();
  if (!VALUE_TYPES.has(type)) throw new WasmFormatError(`value type 0x${type.toString(16)} (typed references are not supported)`);
  return type;
}

export function encodeU32(value: number): number[] {
  const out: number[] = [];
  let rest = value >>> 0;
  do {
    const byte = rest & 0x7f;
    rest >>>= 7;
    out.push(rest === 0 ? byte : byte | 0x80);
  } while (rest !== 0);
  return out;
}

/** Signed LEB128, the encoding of `i32.const` and `i64.const` immediates. */
export function encodeSigned(value: bigint): number[] {
  const out: number[] = [];
  let rest = value;
  for (;;) {
    const byte = Number(rest & 0x7fn);
    rest >>= 7n;
    const done = (rest === 0n && (byte & 0x40) === 0) || (rest === -1n && (byte & 0x40) !== 0);
    out.push(done ? byte : byte | 0x80);
    if (done) return out;
  }
}

export function encodeName(name: string): number[] {
  const bytes = new TextEncoder().encode(name);
  return [...encodeU32(bytes.length), ...bytes];
}

export function concatBytes(parts: ReadonlyArray<Uint8Array | readonly number[]>): Uint8Array {
  const total = parts.reduce((sum, part) => sum + part.length, 0);
  const out = new Uint8Array(total);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}
