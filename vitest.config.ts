import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    exclude: ['node_modules', 'dist', 'console/**'],
    testTimeout: 20_000,
    hookTimeout: 30_000,
    pool: 'forks',
    // 2 cores on CI: more workers only add contention for the e2e processes.
    maxWorkers: 2,
    reporters: ['default'],
  },
});
