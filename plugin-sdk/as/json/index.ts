/*
 * The SDK's JSON, used as a namespace: `JSON.Obj`, `JSON.parse(bytes)`, `JSON.stringify(value)`.
 * Text crosses the sandbox boundary as UTF-8 bytes only (`utf8`): as-pdk's
 * `Host.outputString` miscounts non-ASCII text.
 */
export { Value, Null, Bool, Integer, Float, Str, Arr, Obj } from "./value";
export { parse, parseBytes } from "./parse";
export { stringify } from "./stringify";

/** UTF-8 bytes of a string: what Extism blocks carry. */
export function utf8(text: string): Uint8Array {
  return Uint8Array.wrap(String.UTF8.encode(text));
}
