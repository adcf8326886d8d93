import { defineConfig } from 'vitest/config'
import { testGlobs } from './test/mutation/areas.mjs'
import base from './vitest.config.js'

// The suites that guard the security core, for mutation testing (`npm run mutate`): Stryker
// runs, per mutant, only those of them that cover the mutated code. Built from the base config
// by hand because mergeConfig would append these globs to the base's `include`, i.e. run
// every suite.
process.env.LATCHKEY_TEST_NO_BUILD = '1'
export default defineConfig({
  test: { ...base.test, include: testGlobs },
})
