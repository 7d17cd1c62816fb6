import { readValueType, WasmFormatError, WasmReader } from './wasm-binary.js';
import { forEachExpressionInstruction, immediateIndex, Opcode } from './wasm-instructions.js';

/**
 * The parts of a WebAssembly module's structure the sandbox checks and rewrites: types, imports,
 * memories, exports, the start function, where each section and function body lies, and which
 * functions are referenced outside code (tables and globals can hold function references).
 */

export const SectionId = {
  custom: 0, type: 1, import: 2, function: 3, table: 4, memory: 5, global: 6, export: 7, start: 8,
  element: 9, code: 10, data: 11, dataCount: 12, tag: 13,
} as const;

export type ExternalKind = 'function' | 'table' | 'memory' | 'global' | 'tag';
const KINDS: readonly ExternalKind[] = ['function', 'table', 'memory', 'global', 'tag'];

export interface FunctionType {
  params: number[];
  results: number[];
}

export interface Import {
  module: string;
  name: string;
  kind: ExternalKind;
  /** For function imports: the index of its type. */
  typeIndex: number | null;
}

export interface Export {
  name: string;
  kind: ExternalKind;
  index: number;
}

export interface MemoryLimits {
  shared: boolean;
  is64: boolean;
  minPages: number;
  maxPages: number | null;
}

export interface Section {
  id: number;
  /** Offset of the section's id byte. */
  start: number;
  /** Offset of the section's content (after its size). */
  contentStart: number;
  end: number;
}

/** A function body's bytes: its local declarations, then its instructions. */
export interface Body {
  start: number;
  end: number;
}

export interface WasmModule {
  bytes: Uint8Array;
  sections: Section[];
  types: FunctionType[];
  imports: Import[];
  /** Type index of each function the module defines (function index = imported functions + position). */
  definedFunctionTypes: number[];
  memories: MemoryLimits[];
  definedGlobalCount: number;
  exports: Export[];
  startFunction: number | null;
  /** Functions named by element segments or global initializers (reachable through tables and `ref.func` values). */
  functionsReferencedByData: Set<number>;
  bodies: Body[];
}

const MAGIC_AND_VERSION = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
export const HEADER_LENGTH = MAGIC_AND_VERSION.length;

export function parseModule(bytes: Uint8Array): WasmModule {
  if (!MAGIC_AND_VERSION.every((byte, i) => bytes[i] === byte)) throw new WasmFormatError('not a WebAssembly 1.0 binary');
  const module: WasmModule = {
    bytes, sections: [], types: [], imports: [], definedFunctionTypes: [], memories: [], definedGlobalCount: 0, exports: [],
    startFunction: null, functionsReferencedByData: new Set(), bodies: [],
  };
  const reader = new WasmReader(bytes, HEADER_LENGTH);
  while (!reader.done) {
    const start = reader.offset;
    const id = reader.byte();
    const size = reader.u32();
    const contentStart = reader.offset;
    reader.skip(size);
    const section = { id, start, contentStart, end: reader.offset };
    module.sections.push(section);
    readSection(module, section);
  }
  return module;
}

export function importedFunctionCount(module: WasmModule): number {
  return module.imports.filter((entry) => entry.kind === 'function').length;
}

/** The index of an imported function, or null when the module does not import it. */
export function importedFunctionIndex(module: WasmModule, from: string, name: string): number | null {
  const index = module.imports.filter((entry) => entry.kind === 'function').findIndex((entry) => entry.module === from && entry.name === name);
  return index === -1 ? null : index;
}

/** The type of function `index`, imported or defined. */
export function functionType(module: WasmModule, index: number): FunctionType | null {
  const imported = module.imports.filter((entry) => entry.kind === 'function');
  const typeIndex = index < imported.length ? imported[index]!.typeIndex : module.definedFunctionTypes[index - imported.length];
  return typeIndex === null || typeIndex === undefined ? null : module.types[typeIndex] ?? null;
}

function readSection(module: WasmModule, section: Section): void {
  const reader = new WasmReader(module.bytes, section.contentStart, section.end);
  const each = (read: () => void) => {
    for (let count = reader.u32(); count > 0; count--) read();
  };
  const noteFunctionReferences = () => forEachExpressionInstruction(reader, (instruction) => {
    if (instruction.opcode === Opcode.refFunc) module.functionsReferencedByData.add(immediateIndex(module.bytes, instruction));
  });
  switch (section.id) {
    case SectionId.type:
      each(() => module.types.push(readFunctionType(reader)));
      break;
    case SectionId.import:
      each(() => module.imports.push(readImport(reader)));
      break;
    case SectionId.function:
      each(() => module.definedFunctionTypes.push(reader.u32()));
      break;
    case SectionId.memory:
      each(() => module.memories.push(readMemoryLimits(reader)));
      break;
    case SectionId.global:
      each(() => {
        readValueType(reader);
        reader.byte(); // mutability
        noteFunctionReferences();
        module.definedGlobalCount++;
      });
      break;
    case SectionId.export:
      each(() => {
        const name = reader.name();
        module.exports.push({ name, kind: kindOf(reader.byte()), index: reader.u32() });
      });
      break;
    case SectionId.start:
      module.startFunction = reader.u32();
      break;
    case SectionId.element:
      each(() => readElementSegment(reader, module.functionsReferencedByData, noteFunctionReferences));
      break;
    case SectionId.code:
      each(() => {
        const size = reader.u32();
        module.bodies.push({ start: reader.offset, end: reader.offset + size });
        reader.skip(size);
      });
      break;
  }
}

/** Element segments (core spec 5.5.12): flags say whether they carry a table, an offset, and indices or expressions. */
function readElementSegment(reader: WasmReader, referenced: Set<number>, readExpression: () => void): void {
  const flags = reader.u32();
  if (flags > 7) throw new WasmFormatError(`element segment flags ${flags}`);
  const active = (flags & 0x01) === 0;
  const explicitTable = (flags & 0x02) !== 0;
  const usesExpressions = (flags & 0x04) !== 0;
  if (active && explicitTable) reader.u32();
  if (active) readExpression();
  if (!active || explicitTable) reader.byte(); // element kind (0x00 = funcref) or reference type
  for (let count = reader.u32(); count > 0; count--) {
    if (usesExpressions) readExpression();
    else referenced.add(reader.u32());
  }
}

function readFunctionType(reader: WasmReader): FunctionType {
  const form = reader.byte();
  // 0x4e/0x50/0x5e/0x5f open the GC proposal's recursive, struct and array types.
  if (form !== 0x60) throw new WasmFormatError(`type form 0x${form.toString(16)} (garbage-collected types are not supported)`);
  const valueTypes = () => Array.from({ length: reader.u32() }, () => readValueType(reader));
  return { params: valueTypes(), results: valueTypes() };
}

function readImport(reader: WasmReader): Import {
  const module = reader.name();
  const name = reader.name();
  const kind = kindOf(reader.byte());
  let typeIndex: number | null = null;
  switch (kind) {
    case 'function':
      typeIndex = reader.u32();
      break;
    case 'table':
      readValueType(reader);
      readLimits(reader);
      break;
    case 'memory':
      readMemoryLimits(reader);
      break;
    case 'global':
      readValueType(reader);
      reader.byte();
      break;
    case 'tag':
      reader.byte();
      reader.u32();
      break;
  }
  return { module, name, kind, typeIndex };
}

function readMemoryLimits(reader: WasmReader): MemoryLimits {
  const { flags, min, max } = readLimits(reader);
  return { shared: (flags & 0x02) !== 0, is64: (flags & 0x04) !== 0, minPages: min, maxPages: max };
}

function readLimits(reader: WasmReader): { flags: number; min: number; max: number | null } {
  const flags = reader.byte();
  if (flags > 0x07) throw new WasmFormatError(`limits flag 0x${flags.toString(16)}`);
  // 64-bit memories encode their limits as u64; the gate refuses them, so reading them as u32 only
  // has to fail cleanly for values above 2^32.
  const min = reader.u32();
  const max = (flags & 0x01) !== 0 ? reader.u32() : null;
  return { flags, min, max };
}

export function kindCode(kind: ExternalKind): number {
  return KINDS.indexOf(kind);
}

function kindOf(byte: number): ExternalKind {
  const kind = KINDS[byte];
  if (!kind) throw new WasmFormatError(`external kind 0x${byte.toString(16)}`);
  return kind;
}
