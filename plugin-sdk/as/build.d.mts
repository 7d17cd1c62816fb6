/** 256 pages of 64 KiB = 16 MiB. */
export declare const DEFAULT_MAXIMUM_MEMORY_PAGES: number;

export interface BuildOptions {
  /** Memory maximum in 64 KiB pages (default 256); the kernel refuses modules above its own limit. */
  maximumMemory?: number;
  /** Initial memory in pages (default: what the compiler needs). */
  initialMemory?: number;
}

/** Compiles `<dir>/assembly/index.ts` into `<dir>/backend.wasm`; rejects with the compiler's messages. */
export declare function buildPlugin(dir: string, options?: BuildOptions): Promise<{ file: string; size: number }>;
