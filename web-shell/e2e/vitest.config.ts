import { defineConfig } from 'vitest/config';

// Browser end-to-end tests (`npm run e2e`): a real kernel from kernel/dist with the built shell,
// driven in Debian's Chromium through playwright-core. Specs run one after another.
export default defineConfig({
  test: {
    root: import.meta.dirname,
    include: ['**/*.e2e.ts'],
    globalSetup: ['./global-setup.ts'],
    testTimeout: 90_000,
    hookTimeout: 120_000,
    fileParallelism: false,
    pool: 'forks',
  },
});
