import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['plugin-sdk/src/**/*.test.ts', 'plugin-sdk/examples/**/*.test.ts', 'kernel/src/**/*.test.ts', 'core-plugins/*/src/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    globalSetup: ['kernel/src/testing/global-setup.ts'],
  },
});
