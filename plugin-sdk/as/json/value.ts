/*
 * JSON values. Deliberately without module-level instances (no shared `null` singleton): a
 * lazily initialised global that allocates can run before the incremental GC has set itself
 * up and corrupt the heap, which is what `assemblyscript-json` does under `--runtime incremental`.
 */

export abstract class Value {
  get isNull(): bool { return this instanceof Null; }
  get isBool(): bool { return this instanceof Bool; }
  /** An integer without fraction or exponent in the JSON text (read it with `Integer.value`). */
  get isInteger(): bool { return this instanceof Integer; }
  get isFloat(): bool { return this instanceof Float; }
  get isNumber(): bool { return this instanceof Integer || this instanceof Float; }
  get isString(): bool { return this instanceof Str; }
  get isArr(): bool { return this instanceof Arr; }
  get isObj(): bool { return this instanceof Obj; }

  /** The text of a string, else null. */
  asString(): string | null {
    return this instanceof Str ? (<Str>this).value : null;
  }

  asObj(): Obj | null {
    return this instanceof Obj ? <Obj>this : null;
  }

  asArr(): Arr | null {
    return this instanceof Arr ? <Arr>this : null;
  }

  /** True only for JSON `true`. */
  asBool(): bool {
    return this instanceof Bool && (<Bool>this).value;
  }

  /** An integer, or an integral float within ±2^53; else `fallback`. */
  asInt(fallback: i64 = 0): i64 {
    if (this instanceof Integer) return (<Integer>this).value;
    if (this instanceof Float) {
      const n = (<Float>this).value;
      if (isFinite(n) && Math.floor(n) == n && Math.abs(n) <= 9007199254740991) return <i64>n;
    }
    return fallback;
  }

  /** Any number as f64; else `fallback`. */
  asFloat(fallback: f64 = NaN): f64 {
    if (this instanceof Integer) return <f64>(<Integer>this).value;
    if (this instanceof Float) return (<Float>this).value;
    return fallback;
  }
}

export class Null extends Value {}

export class Bool extends Value {
  constructor(public value: bool) { super(); }
}

export class Integer extends Value {
  constructor(public value: i64) { super(); }
}

export class Float extends Value {
  constructor(public value: f64) { super(); }
}

export class Str extends Value {
  constructor(public value: string) { super(); }
}

export class Arr extends Value {
  items: Array<Value> = new Array<Value>();

  get length(): i32 {
    return this.items.length;
  }

  /** The item at `index`, or null past the end. */
  at(index: i32): Value | null {
    return index >= 0 && index < this.items.length ? this.items[index] : null;
  }

  push(value: Value): Arr {
    this.items.push(value);
    return this;
  }
}

/** An object; keys keep their insertion order. */
export class Obj extends Value {
  private map: Map<string, Value> = new Map<string, Value>();

  keys(): Array<string> {
    return this.map.keys();
  }

  has(key: string): bool {
    return this.map.has(key);
  }

  get(key: string): Value | null {
    return this.map.has(key) ? this.map.get(key) : null;
  }

  /** The string at `key`, or null when absent or not a string. */
  getString(key: string): string | null {
    const value = this.get(key);
    return value === null ? null : value.asString();
  }

  getObj(key: string): Obj | null {
    const value = this.get(key);
    return value === null ? null : value.asObj();
  }

  getArr(key: string): Arr | null {
    const value = this.get(key);
    return value === null ? null : value.asArr();
  }

  getBool(key: string, fallback: bool = false): bool {
    const value = this.get(key);
    return value !== null && value.isBool ? value.asBool() : fallback;
  }

  getInt(key: string, fallback: i64 = 0): i64 {
    const value = this.get(key);
    return value === null ? fallback : value.asInt(fallback);
  }

  getFloat(key: string, fallback: f64 = NaN): f64 {
    const value = this.get(key);
    return value === null ? fallback : value.asFloat(fallback);
  }

  set(key: string, value: Value): Obj {
    this.map.set(key, value);
    return this;
  }

  /** A string, or JSON null for a null string. */
  setString(key: string, value: string | null): Obj {
    return this.set(key, value === null ? new Null() : new Str(value));
  }

  setInt(key: string, value: i64): Obj {
    return this.set(key, new Integer(value));
  }

  setFloat(key: string, value: f64): Obj {
    return this.set(key, new Float(value));
  }

  setBool(key: string, value: bool): Obj {
    return this.set(key, new Bool(value));
  }

  setNull(key: string): Obj {
    return this.set(key, new Null());
  }

  delete(key: string): bool {
    return this.map.delete(key);
  }
}
