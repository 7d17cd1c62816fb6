import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { Plugin } from 'vite';
import { SHARED_MODULES } from '@paca/plugin-sdk/web/shared-modules';

const require = createRequire(import.meta.url);

interface VendorFile {
  /** Bare specifier in the import map. */
  specifier: string;
  /** Absolute source file. */
  source: string;
  /** URL path under the built site, versioned so it can be cached forever. */
  url: string;
}

function packageVersion(name: string): string {
  return (JSON.parse(readFileSync(require.resolve(`${name}/package.json`), 'utf8')) as { version: string }).version;
}

function contentHash(dir: string): string {
  const hash = createHash('sha256');
  for (const name of readdirSync(dir).sort()) {
    if (name.endsWith('.map')) continue;
    hash.update(name).update(readFileSync(path.join(dir, name)));
  }
  return hash.digest('hex').slice(0, 10);
}

/**
 * One shared copy of Vue, Pinia, vue-router and the plugin SDK for the shell and every plugin
 * (STACK.md "Web plugins through an import map"): the shell's bundle leaves them external, the
 * build copies their browser builds to `/vendor/<name>@<version>/`, and the page's import map
 * (written before any module script) points the bare names there.
 */
export function importMapPlugin(): Plugin {
  const vueDir = path.dirname(require.resolve('vue/package.json'));
  const piniaDir = path.dirname(require.resolve('pinia/package.json'));
  const routerDir = path.dirname(require.resolve('vue-router/package.json'));
  const sdkDist = path.join(import.meta.dirname, '../../plugin-sdk/web/dist');
  const sdkVersion = `paca-sdk@${contentHash(sdkDist)}`;
  const files: VendorFile[] = [
    { specifier: 'vue', source: path.join(vueDir, 'dist/vue.runtime.esm-browser.prod.js'), url: `/vendor/vue@${packageVersion('vue')}/vue.runtime.esm-browser.prod.js` },
    { specifier: 'pinia', source: path.join(piniaDir, 'dist/pinia.esm-browser.prod.js'), url: `/vendor/pinia@${packageVersion('pinia')}/pinia.esm-browser.prod.js` },
    { specifier: 'vue-router', source: path.join(routerDir, 'dist/vue-router.esm-browser.prod.js'), url: `/vendor/vue-router@${packageVersion('vue-router')}/vue-router.esm-browser.prod.js` },
  ];
  // The SDK's build has two entries and a shared chunk: copy the folder, map the entries.
  const sdkFiles = readdirSync(sdkDist).filter((name) => name.endsWith('.js'));
  const mapped: Record<string, string> = {
    '@paca/plugin-sdk/web': `/vendor/${sdkVersion}/paca-sdk-web.js`,
    '@paca/plugin-sdk/web/editor': `/vendor/${sdkVersion}/paca-sdk-editor.js`,
  };
  const imports: Record<string, string> = Object.fromEntries([...files.map((f) => [f.specifier, f.url]), ...Object.entries(mapped)]);
  const missing = SHARED_MODULES.filter((name) => !imports[name]);
  if (missing.length) throw new Error(`import map lacks ${missing.join(', ')}`);

  return {
    name: 'paca-import-map',
    config: () => ({ build: { rolldownOptions: { external: (id: string) => SHARED_MODULES.includes(id) } } }),
    transformIndexHtml: {
      order: 'pre',
      handler: () => [
        { tag: 'script', attrs: { type: 'importmap' }, children: JSON.stringify({ imports }), injectTo: 'head-prepend' },
        // Start fetching the shared modules with the shell's own chunk.
        ...['vue', 'pinia', 'vue-router', '@paca/plugin-sdk/web'].map((name) => ({ tag: 'link', attrs: { rel: 'modulepreload', href: imports[name]! }, injectTo: 'head' as const })),
      ],
    },
    writeBundle(options) {
      const out = options.dir!;
      for (const file of files) {
        const target = path.join(out, file.url);
        mkdirSync(path.dirname(target), { recursive: true });
        copyFileSync(file.source, target);
      }
      mkdirSync(path.join(out, 'vendor', sdkVersion), { recursive: true });
      for (const name of sdkFiles) {
        if (statSync(path.join(sdkDist, name)).isFile()) copyFileSync(path.join(sdkDist, name), path.join(out, 'vendor', sdkVersion, name));
      }
    },
  };
}
