import { readFileSync } from 'node:fs';
import { URL } from 'node:url'; // not the global: web component tests run the kernel under happy-dom, which replaces it

const packageJson = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };

/** The running kernel's version (plugins' `kernel` semver ranges are checked against it). */
export const KERNEL_VERSION = packageJson.version;
