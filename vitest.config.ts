import { configDefaults, defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The browser suite has its own config and script (vitest.browser.config.ts, `npm run test:browser`).
    exclude: [...configDefaults.exclude, 'test/browser/**'],
    // Infra tests synthesize whole apps and integration tests boot the local runtime: give them room,
    // but keep the unit suite's feedback in seconds.
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
  },
});
