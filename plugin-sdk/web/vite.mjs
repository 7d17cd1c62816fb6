import path from 'node:path';
import vue from '@vitejs/plugin-vue';
import tailwindcss from '@tailwindcss/vite';
import { SHARED_MODULES } from './shared-modules.mjs';

/**
 * Vite config for a plugin's web module (library mode): one ES module `dist/index.js` plus
 * `dist/index.css`, with the shared modules left external so the shell's import map provides them.
 * Usage in `<plugin>/web/vite.config.ts`:
 *   export default pacaPluginWebConfig(import.meta.dirname)
 */
export function pacaPluginWebConfig(webDir, overrides = {}) {
  return {
    root: webDir,
    plugins: [vue(), tailwindcss()],
    // Library mode leaves `process.env.NODE_ENV` in bundled dependencies; browsers have no `process`.
    define: { 'process.env.NODE_ENV': JSON.stringify('production') },
    logLevel: 'warn',
    build: {
      outDir: path.join(webDir, 'dist'),
      emptyOutDir: true,
      sourcemap: true,
      cssCodeSplit: false,
      lib: { entry: path.join(webDir, 'src/index.ts'), formats: ['es'], fileName: () => 'index.js', cssFileName: 'index' },
      rolldownOptions: { external: (id) => SHARED_MODULES.includes(id), output: { minify: true } },
    },
    ...overrides,
  };
}
