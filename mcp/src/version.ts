import { createRequire } from 'node:module';

/** This package's version, read from its package.json (one directory above both `src/` and `dist/`). */
export const PACA_MCP_VERSION: string = (createRequire(import.meta.url)('../package.json') as { version: string }).version;
