import { defineConfig, mergeConfig } from 'vitest/config'
import base from './vitest.config.js'

// The suites that guard the security core, for mutation testing (`npm run mutate`): Stryker
// runs, per mutant, only those of them that cover the mutated code.
export default mergeConfig(
  base,
  defineConfig({
    test: {
      include: [
        'test/vault/**/*.test.ts',
        'test/identity/**/*.test.ts',
        'test/audit/**/*.test.ts',
        'test/security/**/*.test.ts',
        'test/usage/budget*.test.ts',
        'test/gateway/units.test.ts',
        'test/gateway/egress.test.ts',
        'test/gateway/routes-api.test.ts',
        'src/**/*.test.ts',
      ],
      exclude: ['test/security/chat-history.test.ts', 'test/security/model-cardinality.test.ts'],
    },
  }),
)
