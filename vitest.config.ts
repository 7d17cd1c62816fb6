import vue from '@vitejs/plugin-vue';
import { defineConfig } from 'vitest/config';

const WEB_TESTS = ['plugin-sdk/web/src/**/*.test.ts', 'core-plugins/*/web/src/**/*.test.ts', 'web-shell/src/**/*.test.ts'];

export default defineConfig({
  // Single-file components in the web modules' tests (shell, SDK kit, plugin UIs).
  plugins: [vue()],
  test: {
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    globalSetup: ['kernel/src/testing/global-setup.ts'],
    projects: [
      {
        extends: true,
        test: {
          name: 'node',
          include: ['plugin-sdk/src/**/*.test.ts', 'plugin-sdk/examples/**/*.test.ts', 'mcp/src/**/*.test.ts', 'kernel/src/**/*.test.ts', 'core-plugins/*/src/**/*.test.ts'],
        },
      },
      {
        // Web components mount in happy-dom and talk to a real test kernel in the same process. The
        // kernel's built code runs as plain Node modules (not through the browser transform, which
        // would give it http `import.meta.url`s).
        extends: true,
        test: {
          name: 'web',
          include: WEB_TESTS,
          environment: 'happy-dom',
          server: { deps: { external: [/\/kernel\/dist\//, /\/plugin-sdk\/dist\//, /\/core-plugins\/[^/]+\/dist\//] } },
        },
      },
    ],
  },
});
