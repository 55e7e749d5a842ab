import { defineConfig } from 'vitest/config';

/** The browser suite (`npm run test:browser`): Debian's Chromium driven by playwright-core; `npm test` leaves it out. */
export default defineConfig({
  test: {
    include: ['test/browser/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 240_000,
    pool: 'forks',
    fileParallelism: false,
  },
});
