import { configDefaults, defineConfig } from 'vitest/config';

/**
 * The tests that drive headless Chromium. They run as their own project, after every other test
 * file has finished and one file at a time, so that a browser is not starved of CPU by the
 * parallel workers of the rest (the playground's test measures frame times while training).
 */
const CHROMIUM_TESTS = [
  'test/web/playground.test.ts',
  'test/web/exercise.test.ts',
  'test/cli/report-browser.test.ts',
  'test/core/browser.test.ts',
  'test/data/browser-bundle.test.ts',
];

/** The tests that drive headless Firefox: their own project, after the Chromium one, one file at a time. */
const FIREFOX_TESTS = ['test/web/firefox.test.ts'];

export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 60_000,
    projects: [
      {
        extends: true,
        test: {
          name: 'node',
          include: ['test/**/*.test.ts'],
          exclude: [...configDefaults.exclude, ...CHROMIUM_TESTS, ...FIREFOX_TESTS],
        },
      },
      {
        extends: true,
        test: {
          name: 'chromium',
          include: CHROMIUM_TESTS,
          fileParallelism: false,
          sequence: { groupOrder: 1 },
          // A page's first snapshot can take seconds on a busy 2-core machine: poll for up to
          // 20 s instead of the default 1 s (the assertions themselves are unchanged).
          expect: { poll: { timeout: 20_000 } },
        },
      },
      {
        extends: true,
        test: {
          name: 'firefox',
          include: FIREFOX_TESTS,
          fileParallelism: false,
          sequence: { groupOrder: 2 },
          expect: { poll: { timeout: 20_000 } },
        },
      },
    ],
  },
});
