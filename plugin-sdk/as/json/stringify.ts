import { Arr, Bool, Float, Integer, Obj, Str, Value } from "./value";

/**
 * The JSON text of a value: every string escaped (keys included), non-finite numbers written as
 * `null`, lone UTF-16 surrogates written as `\uXXXX` so the UTF-8 sent to the host is always valid.
 *
 * @example
 * const doc = new JSON.Obj().setString("title", "Ünïcode \"quoted\"\n");
 * JSON.stringify(doc); // {"title":"Ünïcode \"quoted\"\n"}
 */
export function stringify(value: Value): string {
  const parts = new Array<string>();
  write(value, parts);
  return parts.join("");
}

function write(value: Value, parts: Array<string>): void {
  if (value instanceof Str) {
    writeString((<Str>value).value, parts);
  } else if (value instanceof Integer) {
    parts.push((<Integer>value).value.toString());
  } else if (value instanceof Float) {
    const n = (<Float>value).value;
    parts.push(isFinite(n) ? n.toString() : "null");
  } else if (value instanceof Bool) {
    parts.push((<Bool>value).value ? "true" : "false");
  } else if (value instanceof Arr) {
    const items = (<Arr>value).items;
    parts.push("[");
    for (let i = 0; i < items.length; i++) {
      if (i > 0) parts.push(",");
      write(items[i], parts);
    }
    parts.push("]");
  } else if (value instanceof Obj) {
    const obj = <Obj>value;
    const keys = obj.keys();
    parts.push("{");
    for (let i = 0; i < keys.length; i++) {
      if (i > 0) parts.push(",");
      writeString(keys[i], parts);
      parts.push(":");
      write(obj.get(keys[i])!, parts);
    }
    parts.push("}");
  } else {
    parts.push("null");
  }
}

function writeString(text: string, parts: Array<string>): void {
  parts.push('"');
  let start = 0;
  const length = text.length;
  for (let i = 0; i < length; i++) {
    const code = text.charCodeAt(i);
    let escaped: string | null = null;
    if (code == 0x22) escaped = '\\"';
    else if (code == 0x5c) escaped = "\\\\";
    else if (code == 0x0a) escaped = "\\n";
    else if (code == 0x0d) escaped = "\\r";
    else if (code == 0x09) escaped = "\\t";
    else if (code == 0x08) escaped = "\\b";
    else if (code == 0x0c) escaped = "\\f";
    else if (code < 0x20) escaped = unicodeEscape(code);
    else if (code >= 0xd800 && code <= 0xdfff) {
      const next = i + 1 < length ? text.charCodeAt(i + 1) : 0;
      if (code <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
        i++; // a valid pair, copied as is: 4 bytes of UTF-8 later
        continue;
      }
      escaped = unicodeEscape(code);
    }
    if (escaped !== null) {
      if (i > start) parts.push(text.substring(start, i));
      parts.push(escaped);
      start = i + 1;
    }
  }
  if (start < length) parts.push(text.substring(start, length));
  parts.push('"');
}

function unicodeEscape(code: i32): string {
  const hex = code.toString(16);
  return "\\u" + "0000".substring(hex.length) + hex;
}
