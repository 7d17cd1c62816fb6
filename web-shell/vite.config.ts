import tailwindcss from '@tailwindcss/vite';
import vue from '@vitejs/plugin-vue';
import { defineConfig } from 'vite';
import { importMapPlugin } from './vite/import-map.js';

export default defineConfig({
  root: import.meta.dirname,
  plugins: [vue(), tailwindcss(), importMapPlugin()],
  logLevel: 'warn',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: true,
    // The import map must run before any module; no inline polyfill script beside it.
    modulePreload: { polyfill: false },
  },
});
