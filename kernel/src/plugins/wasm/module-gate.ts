import { PluginInvalidModule } from '../plugin-errors.js';
import { ENTRY_POINTS, EXTISM_KERNEL_FUNCTIONS, EXTISM_KERNEL_MODULE, HOST_CALL_FUNCTION, HOST_CALL_MODULE } from './guest-abi.js';
import { RESERVED_EXPORT_PREFIX, REWRITTEN_KERNEL_FUNCTIONS } from './module-hardening.js';
import { ValueType, WasmFormatError, WasmReader } from './wasm-binary.js';
import { forEachInstruction, immediateIndex, Opcode } from './wasm-instructions.js';
import { functionType, importedFunctionIndex, parseModule, type ExternalKind, type FunctionType, type WasmModule } from './wasm-module.js';
import { webAssembly } from './webassembly-api.js';

/**
 * The load-time gate for a plugin's `backend.wasm` (D23, ABI): a module gets into a sandbox only
 * if its memory is bounded by the limit, it imports nothing but Extism's kernel functions and the
 * one granted host import, and it exports the ABI's entry points. Everything else is refused with
 * PLUGIN_INVALID_MODULE (422) and a reason precise enough to fix the build.
 */

export interface ModuleGateOptions {
  pluginId: string;
  /** The most 64 KiB pages the module's memory may declare as its maximum. */
  memoryLimitPages: number;
  /** The manifest declares event subscriptions, so `handle_event` must exist. */
  requireHandleEvent?: boolean;
}

export interface ModuleReport {
  memory: { minPages: number; maxPages: number };
  imports: Array<{ module: string; name: string; kind: ExternalKind }>;
  exports: Array<{ name: string; kind: ExternalKind }>;
  hasStartFunction: boolean;
}

const ENTRY_POINT: FunctionType = { params: [], results: [ValueType.i32] };
const HOST_CALL: FunctionType = { params: [ValueType.i64], results: [ValueType.i64] };

export function inspectModule(bytes: Uint8Array, options: ModuleGateOptions): ModuleReport {
  const refuse = (reason: string) => PluginInvalidModule({ plugin_id: options.pluginId, reason });
  if (!webAssembly.validate(bytes)) throw refuse('backend.wasm is not a valid WebAssembly module');
  let module: WasmModule;
  let referencesInCode: Map<number, number>;
  try {
    module = parseModule(bytes);
    referencesInCode = countFunctionReferencesInCode(module);
  } catch (error) {
    if (error instanceof WasmFormatError) throw refuse(`it uses an encoding the sandbox does not support: ${error.message}`);
    throw error;
  }

  for (const entry of module.imports) {
    const name = `${entry.module}.${entry.name}`;
    if (entry.kind === 'memory') throw refuse(`it imports its memory (${name}); a plugin must define its own bounded memory`);
    if (entry.kind !== 'function') throw refuse(`it imports a ${entry.kind} (${name}); only functions may be imported`);
    const granted = (entry.module === EXTISM_KERNEL_MODULE && EXTISM_KERNEL_FUNCTIONS.has(entry.name))
      || (entry.module === HOST_CALL_MODULE && entry.name === HOST_CALL_FUNCTION);
    if (!granted) {
      throw refuse(`it imports ${name}, which is not granted: only ${EXTISM_KERNEL_MODULE} functions and ${HOST_CALL_MODULE}.${HOST_CALL_FUNCTION} exist`);
    }
    if (entry.module === HOST_CALL_MODULE && !sameType(module.types[entry.typeIndex!], HOST_CALL)) {
      throw refuse(`${name} must be imported as (i64) -> i64`);
    }
  }

  const memory = module.memories[0];
  if (!memory) throw refuse('it defines no memory');
  if (module.memories.length > 1) throw refuse(`it defines ${module.memories.length} memories; one is allowed`);
  if (memory.shared) throw refuse('its memory is shared');
  if (memory.is64) throw refuse('its memory is 64-bit');
  if (memory.maxPages === null) throw refuse('its memory has no maximum (build with asc --maximumMemory <pages>)');
  if (memory.maxPages > options.memoryLimitPages) {
    throw refuse(`its memory maximum of ${memory.maxPages} pages is above the limit of ${options.memoryLimitPages} pages`);
  }

  // Hardening rewrites the direct calls to alloc and free (module-hardening.ts); a table entry, a
  // funcref value or an export would be a way around it.
  for (const name of REWRITTEN_KERNEL_FUNCTIONS) {
    const index = importedFunctionIndex(module, EXTISM_KERNEL_MODULE, name);
    if (index === null) continue;
    const indirect = (referencesInCode.get(index) ?? 0) > 0 || module.functionsReferencedByData.has(index)
      || module.exports.some((entry) => entry.kind === 'function' && entry.index === index);
    if (indirect) throw refuse(`it refers to ${EXTISM_KERNEL_MODULE}.${name} other than by calling it directly`);
  }

  const required = ['init', 'handle_request', ...(options.requireHandleEvent ? ['handle_event'] : [])];
  for (const name of required) {
    if (!module.exports.some((entry) => entry.name === name)) throw refuse(`it does not export ${name}`);
  }
  for (const entry of module.exports) {
    // Extism calls an export named hs_init while instantiating, outside any call the sandbox can time out.
    if (entry.name === 'hs_init' || entry.name.startsWith(RESERVED_EXPORT_PREFIX)) throw refuse(`it exports ${entry.name}, a reserved name`);
    if (!ENTRY_POINTS.includes(entry.name)) continue;
    if (entry.kind !== 'function' || !sameType(functionType(module, entry.index), ENTRY_POINT)) {
      throw refuse(`its export ${entry.name} must be a function () -> i32`);
    }
  }

  return {
    memory: { minPages: memory.minPages, maxPages: memory.maxPages },
    imports: module.imports.map(({ module: from, name, kind }) => ({ module: from, name, kind })),
    exports: module.exports.map(({ name, kind }) => ({ name, kind })),
    hasStartFunction: module.startFunction !== null,
  };
}

/**
 * Walks every function body (which also refuses instructions the sandbox cannot rewrite) and
 * counts the `ref.func` instructions naming each function.
 */
function countFunctionReferencesInCode(module: WasmModule): Map<number, number> {
  const references = new Map<number, number>();
  for (const body of module.bodies) {
    forEachInstruction(new WasmReader(module.bytes, body.start, body.end), body.end, (instruction) => {
      if (instruction.opcode !== Opcode.refFunc) return;
      const index = immediateIndex(module.bytes, instruction);
      references.set(index, (references.get(index) ?? 0) + 1);
    });
  }
  return references;
}

function sameType(actual: FunctionType | null | undefined, expected: FunctionType): boolean {
  return !!actual && actual.params.join() === expected.params.join() && actual.results.join() === expected.results.join();
}
