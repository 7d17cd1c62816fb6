import { Arr, Bool, Float, Integer, Null, Obj, Str, Value } from "./value";

/*
 * A strict RFC 8259 parser over UTF-8 bytes. It never aborts: malformed input, trailing
 * garbage or more than MAX_DEPTH nested arrays and objects give null, so a plugin can parse
 * untrusted text.
 */

// Nested arrays and objects allowed. Each level costs native stack; around 350 levels overflow
// V8's stack in an Extism call, which kills the call and leaves the instance unusable.
const MAX_DEPTH = 128;

/**
 * Parses JSON text; null when it is not valid JSON.
 *
 * @example
 * const value = JSON.parse('{"a": [1, 2.5, "é"]}');
 * if (value !== null && value.isObj) { const a = value.asObj()!.getArr("a"); }
 */
export function parse(text: string): Value | null {
  return parseBytes(Uint8Array.wrap(String.UTF8.encode(text)));
}

/** Parses UTF-8 JSON bytes (what Extism blocks hold); null when they are not valid JSON. */
export function parseBytes(bytes: Uint8Array): Value | null {
  const parser = new Parser(bytes);
  parser.skipSpace();
  const value = parser.value(0);
  if (value === null) return null;
  parser.skipSpace();
  return parser.pos == bytes.length ? value : null;
}

class Parser {
  pos: i32 = 0;

  constructor(public bytes: Uint8Array) {}

  value(depth: i32): Value | null {
    if (this.pos >= this.bytes.length) return null;
    const c = this.bytes[this.pos];
    if ((c == 0x7b || c == 0x5b) && depth >= MAX_DEPTH) return null;
    if (c == 0x7b) return this.object(depth + 1); // {
    if (c == 0x5b) return this.array(depth + 1); // [
    if (c == 0x22) { // "
      const text = this.string();
      return text === null ? null : new Str(text);
    }
    if (c == 0x74) return this.literal("true") ? new Bool(true) : null;
    if (c == 0x66) return this.literal("false") ? new Bool(false) : null;
    if (c == 0x6e) return this.literal("null") ? new Null() : null;
    return this.number();
  }

  object(depth: i32): Value | null {
    const obj = new Obj();
    this.pos++;
    this.skipSpace();
    if (this.peek() == 0x7d) { // }
      this.pos++;
      return obj;
    }
    let next: i32;
    do {
      this.skipSpace();
      if (this.peek() != 0x22) return null;
      const key = this.string();
      if (key === null) return null;
      this.skipSpace();
      if (this.peek() != 0x3a) return null; // :
      this.pos++;
      this.skipSpace();
      const value = this.value(depth);
      if (value === null) return null;
      obj.set(key, value);
      this.skipSpace();
      next = this.peek();
      this.pos++;
    } while (next == 0x2c); // ,
    return next == 0x7d ? obj : null;
  }

  array(depth: i32): Value | null {
    const arr = new Arr();
    this.pos++;
    this.skipSpace();
    if (this.peek() == 0x5d) { // ]
      this.pos++;
      return arr;
    }
    let next: i32;
    do {
      this.skipSpace();
      const value = this.value(depth);
      if (value === null) return null;
      arr.push(value);
      this.skipSpace();
      next = this.peek();
      this.pos++;
    } while (next == 0x2c); // ,
    return next == 0x5d ? arr : null;
  }

  /** A string starting at the opening quote; runs without escapes are decoded from UTF-8 in one go. */
  string(): string | null {
    this.pos++;
    const bytes = this.bytes;
    const parts = new Array<string>();
    let start = this.pos;
    while (this.pos < bytes.length) {
      const c = bytes[this.pos];
      if (c == 0x22) {
        parts.push(this.decode(start, this.pos));
        this.pos++;
        return parts.length == 1 ? parts[0] : parts.join("");
      }
      if (c < 0x20) return null;
      if (c != 0x5c) {
        this.pos++;
        continue;
      }
      parts.push(this.decode(start, this.pos));
      this.pos++;
      if (this.pos >= bytes.length) return null;
      const e = bytes[this.pos++];
      if (e == 0x22) parts.push('"');
      else if (e == 0x5c) parts.push("\\");
      else if (e == 0x2f) parts.push("/");
      else if (e == 0x62) parts.push("\b");
      else if (e == 0x66) parts.push("\f");
      else if (e == 0x6e) parts.push("\n");
      else if (e == 0x72) parts.push("\r");
      else if (e == 0x74) parts.push("\t");
      else if (e == 0x75) {
        // \uXXXX is one UTF-16 code unit; a surrogate pair arrives as two escapes and joins up.
        const unit = this.hex4();
        if (unit < 0) return null;
        parts.push(String.fromCharCode(unit));
      } else return null;
      start = this.pos;
    }
    return null;
  }

  number(): Value | null {
    const bytes = this.bytes;
    const start = this.pos;
    let integral = true;
    if (this.peek() == 0x2d) this.pos++; // -
    const first = this.peek();
    if (first == 0x30) this.pos++;
    else if (first >= 0x31 && first <= 0x39) this.digits();
    else return null;
    if (this.peek() == 0x2e) { // .
      integral = false;
      this.pos++;
      if (this.digits() == 0) return null;
    }
    const e = this.peek();
    if (e == 0x65 || e == 0x45) {
      integral = false;
      this.pos++;
      const sign = this.peek();
      if (sign == 0x2b || sign == 0x2d) this.pos++;
      if (this.digits() == 0) return null;
    }
    const text = this.decode(start, this.pos);
    // Up to 18 digits always fit an i64; longer integers are kept as floats.
    if (integral && this.pos - start <= 18) return new Integer(I64.parseInt(text, 10));
    return new Float(parseFloat(text));
  }

  digits(): i32 {
    const start = this.pos;
    while (this.pos < this.bytes.length && this.bytes[this.pos] >= 0x30 && this.bytes[this.pos] <= 0x39) this.pos++;
    return this.pos - start;
  }

  hex4(): i32 {
    if (this.pos + 4 > this.bytes.length) return -1;
    let unit = 0;
    for (let i = 0; i < 4; i++) {
      const c = <i32>this.bytes[this.pos++];
      let digit = -1;
      if (c >= 0x30 && c <= 0x39) digit = c - 0x30;
      else if (c >= 0x61 && c <= 0x66) digit = c - 0x61 + 10;
      else if (c >= 0x41 && c <= 0x46) digit = c - 0x41 + 10;
      if (digit < 0) return -1;
      unit = (unit << 4) | digit;
    }
    return unit;
  }

  literal(word: string): bool {
    for (let i = 0; i < word.length; i++) {
      if (this.pos + i >= this.bytes.length || <i32>this.bytes[this.pos + i] != word.charCodeAt(i)) return false;
    }
    this.pos += word.length;
    return true;
  }

  skipSpace(): void {
    while (this.pos < this.bytes.length) {
      const c = this.bytes[this.pos];
      if (c != 0x20 && c != 0x0a && c != 0x0d && c != 0x09) return;
      this.pos++;
    }
  }

  peek(): i32 {
    return this.pos < this.bytes.length ? <i32>this.bytes[this.pos] : -1;
  }

  decode(from: i32, to: i32): string {
    return String.UTF8.decodeUnsafe(this.bytes.dataStart + <usize>from, <usize>(to - from));
  }
}
