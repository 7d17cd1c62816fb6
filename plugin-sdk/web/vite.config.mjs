import path from 'node:path';
import vue from '@vitejs/plugin-vue';
import { defineConfig } from 'vite';
import { SHARED_MODULES } from './shared-modules.mjs';

// Builds the browser SDK the shell import-maps: the core (`paca-sdk-web.js`, small: contract,
// API client, the component kit) and the editor (`paca-sdk-editor.js`, Tiptap, loaded lazily).
const here = import.meta.dirname;
export default defineConfig({
  root: here,
  plugins: [vue()],
  // Library mode leaves `process.env.NODE_ENV` in bundled dependencies; browsers have no `process`.
  define: { 'process.env.NODE_ENV': JSON.stringify('production') },
  logLevel: 'warn',
  build: {
    outDir: path.join(here, 'dist'),
    emptyOutDir: true,
    sourcemap: true,
    lib: {
      entry: { 'paca-sdk-web': path.join(here, 'src/index.ts'), 'paca-sdk-editor': path.join(here, 'src/editor/index.ts') },
      formats: ['es'],
      fileName: (_format, name) => `${name}.js`,
    },
    rolldownOptions: { external: SHARED_MODULES, output: { minify: true } },
  },
});
