/** Keys → Test: the server's answer as one line for a person. */

/** `POST /credentials/:id/test` (src/server/routes/credentials.ts): `models` is a count. */
export interface KeyTestResult {
  ok: boolean
  message?: string
  models?: number
  latencyMs?: number
}

/** What a key test says to a person: how long it took and how many models the key lists. */
export function testFlash(name: string, r: KeyTestResult): { kind: 'success' | 'error'; text: string } {
  if (!r.ok) return { kind: 'error', text: `${name}: ${r.message || 'the provider refused the key'}` }
  const took = typeof r.latencyMs === 'number' ? ` (${Math.round(r.latencyMs)} ms)` : ''
  // `models` counts the first page of the provider's list, and some kinds are asked for one
  // entry only: a count of 0 or 1 says nothing about how many models the key reaches.
  const models = typeof r.models === 'number' && r.models > 1 ? `, ${r.models} models listed` : ''
  return { kind: 'success', text: `${name} works${took}${models}.` }
}
