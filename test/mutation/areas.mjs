// Mutation-testing areas (issue 18): the security core split into folders, each with the suites
// that guard it. `MUTATE_AREA=vault npm run mutate` tests one area; no MUTATE_AREA tests them all.
// Only in-process suites are listed: suites that spawn the built CLI run dist/, which the mutants
// never reach, so they could only slow the run without killing anything.
export const areas = {
  vault: {
    mutate: ['src/vault/**/*.ts'],
    tests: [
      'test/vault/*.test.ts',
      'test/security/key-repointing.test.ts',
      'test/security/workflow-secrets.test.ts',
      'test/security/upstream-parse-errors.test.ts',
    ],
  },
  identity: {
    mutate: ['src/identity/**/*.ts'],
    tests: [
      'test/identity/*.test.ts',
      'test/security/sign-in-limits.test.ts',
      'test/security/invite-takeover.test.ts',
      'test/security/token-role-cap.test.ts',
      'test/security/auth-audit.test.ts',
    ],
  },
  audit: {
    mutate: ['src/audit/**/*.ts'],
    tests: [
      'test/audit/*.test.ts',
      'test/security/audit-rewrite.test.ts',
      'test/security/auth-audit.test.ts',
    ],
  },
  egress: {
    mutate: ['src/egress/**/*.ts'],
    tests: [
      'test/egress/*.test.ts',
      'test/gateway/egress.test.ts',
      'test/security/egress-bypass.test.ts',
      'test/security/embedded-ipv4-egress.test.ts',
    ],
  },
  budgets: {
    mutate: ['src/usage/budgets/**/*.ts'],
    tests: [
      'test/usage/budget*.test.ts',
      'test/security/budget-alert-url.test.ts',
      'test/security/cross-tenant-routes.test.ts',
    ],
  },
  gateway: {
    mutate: ['src/gateway/plan.ts', 'src/gateway/limits.ts', 'src/gateway/breaker.ts'],
    tests: [
      'test/gateway/policy-units.test.ts',
      'test/gateway/units.test.ts',
      'test/gateway/routes-api.test.ts',
    ],
  },
}

const chosen = process.env.MUTATE_AREA
if (chosen && !(chosen in areas)) {
  throw new Error(`MUTATE_AREA=${chosen} is not one of: ${Object.keys(areas).join(', ')}`)
}
const selected = chosen ? [areas[chosen]] : Object.values(areas)

/** Source globs to mutate for the chosen area (all areas when MUTATE_AREA is unset). */
export const mutateGlobs = [...new Set(selected.flatMap((a) => a.mutate))]
/** Test files that guard them. */
export const testGlobs = [...new Set(selected.flatMap((a) => a.tests))]
