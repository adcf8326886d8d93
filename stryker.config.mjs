// Mutation testing of the security core (issue 18): `npm run mutate`, or one area with
// `npm run mutate -- --mutate src/vault/rights.ts`. Not in CI (hours on 2 cores); incremental,
// so a re-run only tests mutants in changed code. Score per folder: docs/testing.md.
/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'vitest',
  vitest: { configFile: 'vitest.mutate.config.ts', related: false },
  mutate: [
    'src/vault/**/*.ts',
    'src/identity/**/*.ts',
    'src/audit/**/*.ts',
    'src/egress/**/*.ts',
    'src/usage/budgets/**/*.ts',
    'src/gateway/plan.ts',
    'src/gateway/limits.ts',
    'src/gateway/breaker.ts',
  ],
  coverageAnalysis: 'perTest',
  incremental: true,
  incrementalFile: 'reports/stryker-incremental.json',
  reporters: ['clear-text', 'progress', 'json', 'html'],
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  htmlReporter: { fileName: 'reports/mutation/mutation.html' },
  concurrency: 1,
  timeoutMS: 60_000,
  // The first run measures per-test coverage over every guarding suite: minutes on 2 cores.
  dryRunTimeoutMinutes: 40,
  thresholds: { high: 90, low: 80, break: null },
  tempDirName: '.stryker-tmp',
}
