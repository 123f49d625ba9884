import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Tests start their own emulators on ephemeral loopback ports; files can run in parallel.
    pool: 'forks',
    setupFiles: ['test/setup.ts'],
  },
});
