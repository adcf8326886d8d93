/**
 * A dollar amount for people: cents always shown, and as many further digits (up to
 * micro-dollars) as the amount needs, so sub-cent budgets read `$0.005`, not `$0.01` or
 * `$0.005000000001`. Used by budget refusals and the CLI alike.
 */
export function usdText(v: number): string {
  return `$${v.toFixed(6).replace(/(\.\d\d\d*?)0+$/, '$1')}`
}
