/**
 * The slice of the WebAssembly JavaScript API the sandbox uses. Node provides it as a global, but
 * the kernel's TypeScript `lib` (ES2023, no DOM) does not declare it.
 */

declare const compiled: unique symbol;
/** A compiled `WebAssembly.Module`, opaque here. */
export interface CompiledModule {
  readonly [compiled]: true;
}

type ErrorClass = new (message?: string) => Error;

export interface WebAssemblyApi {
  validate(bytes: Uint8Array): boolean;
  compile(bytes: Uint8Array): Promise<CompiledModule>;
  instantiate(module: CompiledModule, imports: Record<string, Record<string, unknown>>): Promise<unknown>;
  Module: { imports(module: CompiledModule): Array<{ module: string; name: string; kind: string }> };
  CompileError: ErrorClass;
  LinkError: ErrorClass;
  RuntimeError: ErrorClass;
}

export const webAssembly = (globalThis as unknown as { WebAssembly: WebAssemblyApi }).WebAssembly;
