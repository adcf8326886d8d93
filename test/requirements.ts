/**
 * Loud skips. A suite that needs something this machine may lack (Chromium, PostgreSQL, Redis,
 * HAProxy, kubectl) asks `available()`. Locally a missing tool skips the suite with a notice;
 * when `LATCHKEY_TEST_REQUIRE` names the tool (CI sets it), a missing tool fails the run
 * instead, so a suite that silently stopped running can never pass CI.
 */
export type Capability = 'chromium' | 'postgres' | 'redis' | 'haproxy' | 'kubectl'

const required = new Set(
  (process.env.LATCHKEY_TEST_REQUIRE ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean),
)

/** Whether `cap` is present; throws if it is missing but required. `how` says how to get it. */
export function available(cap: Capability, present: boolean, how: string): boolean {
  if (present) return true
  if (required.has(cap)) {
    throw new Error(`[latchkey tests] ${cap} is required (LATCHKEY_TEST_REQUIRE) but missing: ${how}`)
  }
  // Once per worker process (the env outlives each test file's module scope), not per file.
  const flag = `__LK_NOTICED_${cap.toUpperCase()}`
  if (!process.env[flag]) {
    process.env[flag] = '1'
    console.info(`[latchkey tests] ${cap} missing: suites that need it are skipped (${how})`)
  }
  return false
}
