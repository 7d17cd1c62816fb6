/** Writes a new WASM plugin into `dir` (absent or empty); resolves to the written paths, relative to `dir`. */
export declare function scaffoldPlugin(dir: string, options: { id: string; name?: string }): Promise<string[]>;
