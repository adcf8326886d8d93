/**
 * A run acts as whoever started it: models resolve through the starter's personal, workspace
 * and org credentials, and metering/budgets charge the starter. The principal is stored with
 * the run (ids and roles only: no session id, no CSRF hash) and re-checked on every resume,
 * so a revoked token, an expired token or a disabled/removed user stops the run instead of
 * acting on stale rights.
 * @module
 */
import type { Kysely } from 'kysely'
import type { Database } from '../db/schema.js'
import type { Principal } from '../identity/principal.js'

export type StarterSnapshot = Omit<Principal, 'sessionId' | 'csrfHash'>

export function snapshotStarter(p: Principal): StarterSnapshot {
  const { sessionId: _s, csrfHash: _c, ...rest } = p
  return rest
}

/** Whether `p` started the run: the same principal, or the same user through another token or session. */
export function isStarter(p: Principal, run: { starter: string }): boolean {
  const s = JSON.parse(run.starter) as { id: string; userId: string | null }
  return s.id === p.id || (s.userId !== null && s.userId === p.userId)
}

/** Rebuilds the starter's principal, or returns the reason it may no longer act. */
export async function restoreStarter(
  db: Kysely<Database>,
  snap: StarterSnapshot,
  now = Date.now(),
): Promise<{ principal: Principal } | { error: string }> {
  if (snap.tokenId) {
    const t = await db
      .selectFrom('access_tokens')
      .select(['revoked_at', 'expires_at', 'org_id'])
      .where('id', '=', snap.tokenId)
      .executeTakeFirst()
    if (!t || t.revoked_at != null || t.org_id !== snap.orgId)
      return { error: 'the starting token was revoked' }
    if (t.expires_at != null && Number(t.expires_at) <= now) return { error: 'the starting token expired' }
  }
  if (snap.userId) {
    const m = await db
      .selectFrom('org_memberships')
      .innerJoin('users', 'users.id', 'org_memberships.user_id')
      .select(['users.disabled_at'])
      .where('org_memberships.user_id', '=', snap.userId)
      .where('org_memberships.org_id', '=', snap.orgId)
      .where('org_memberships.pending_since', 'is', null)
      .executeTakeFirst()
    if (!m || m.disabled_at != null) return { error: 'the starting user is no longer an active member' }
  }
  // Session expiry ends a browser session, not work the user already started.
  const expiresAt = snap.kind === 'user' ? null : snap.expiresAt
  return { principal: { ...snap, expiresAt, sessionId: null, csrfHash: null } }
}

/**
 * The principal model steps call the gateway as. A token scoped to `workflows` may run
 * recipes, and a recipe's model steps are part of running it: the gateway scope is implied
 * for those calls only (role, credential rights and budgets still apply unchanged).
 */
export function stepPrincipal(p: Principal): Principal {
  if (p.scopes.length === 0 || p.scopes.includes('gateway')) return p
  if (!p.scopes.includes('workflows') && !p.scopes.includes('workflows:run')) return p
  return { ...p, scopes: [...p.scopes, 'gateway'] }
}
