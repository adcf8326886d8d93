// Mutation testing of the security core (issue 18): `npm run mutate` for every area, or one with
// `MUTATE_AREA=vault npm run mutate` (areas and their guarding suites: test/mutation/areas.mjs).
// Not in CI (an hour or more on 2 cores); incremental, so a re-run only tests mutants in changed
// code or changed tests. Score per folder: docs/testing.md.
import { mutateGlobs } from './test/mutation/areas.mjs'

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'vitest',
  vitest: { configFile: 'vitest.mutate.config.ts', related: false },
  mutate: mutateGlobs,
  coverageAnalysis: 'perTest',
  incremental: true,
  incrementalFile: `reports/stryker-incremental-${process.env.MUTATE_AREA ?? 'all'}.json`,
  reporters: ['clear-text', 'progress', 'json', 'html'],
  jsonReporter: { fileName: `reports/mutation/${process.env.MUTATE_AREA ?? 'all'}.json` },
  htmlReporter: { fileName: `reports/mutation/${process.env.MUTATE_AREA ?? 'all'}.html` },
  concurrency: 1,
  timeoutMS: 60_000,
  // The first run measures per-test coverage over every guarding suite: minutes on 2 cores.
  dryRunTimeoutMinutes: 40,
  thresholds: { high: 90, low: 80, break: null },
  tempDirName: '.stryker-tmp',
  // Sandboxes of runs of other areas going on at the same time are not part of the project.
  ignorePatterns: ['/.stryker-tmp*', '/reports'],
}
