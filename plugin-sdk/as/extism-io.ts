import { Host, Memory } from "@extism/as-pdk";
import { error_set } from "@extism/as-pdk/lib/env";
import { Obj, parseBytes, utf8 } from "./json/index";

/*
 * The three ways a call talks to Extism: its JSON input, its JSON output and its error. Text is
 * always moved as UTF-8 bytes.
 */

/** The call's input when it is a JSON object (every ABI input is one), else null. */
export function readInput(): Obj | null {
  const value = parseBytes(Host.input());
  return value === null ? null : value.asObj();
}

export function writeOutput(json: string): void {
  Host.output(utf8(json));
}

/** Sets the Extism error of the call; the entry point then returns 1. */
export function setError(json: string): void {
  const bytes = utf8(json);
  const block = Memory.allocate(bytes.length);
  block.store(bytes);
  error_set(block.offset);
}
