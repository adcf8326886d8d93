/**
 * Resolves bearer tokens and session cookies to principals without a database round trip per
 * request: an in-memory cache (bounded, short TTL) in front of one read on a miss, dropped
 * whenever the `auth` topic changes (revocation, role change, logout) on any instance.
 * `last_used_at` is recorded in memory and written in batches off the request path.
 * @module
 */
import type { DbHandle } from '../db/database.js'
import type { ChangeBus } from '../state/change-bus.js'
import { actsInEveryWorkspace, capRoles, type Roles } from './authorize.js'
import { isRole, type Principal, type Role } from './principal.js'
import { looksLikeAccessToken, sha256Hex } from './secrets.js'

const TTL_MS = 60_000
const NEGATIVE_TTL_MS = 5_000
const MAX_ENTRIES = 50_000

interface Entry {
  principal: Principal | null
  at: number
}

export class AuthService {
  #cache = new Map<string, Entry>()
  #lastUsed = new Map<string, number>()
  #flushTimer: NodeJS.Timeout | undefined
  #unsubscribe: () => void

  constructor(
    private readonly handle: DbHandle,
    bus: ChangeBus,
  ) {
    this.#unsubscribe = bus.subscribe('auth', () => this.#cache.clear())
  }

  start(flushMs = 5_000): void {
    this.#flushTimer = setInterval(() => void this.flushLastUsed(), flushMs)
    this.#flushTimer.unref()
  }

  async stop(): Promise<void> {
    if (this.#flushTimer) clearInterval(this.#flushTimer)
    this.#unsubscribe()
    await this.flushLastUsed()
  }

  clear(): void {
    this.#cache.clear()
  }

  /**
   * Resolves an `lk_` token; null when unknown, revoked or expired. A cached answer comes back
   * as it is, without a promise (the gateway's fast path asks on every call).
   */
  authenticateToken(raw: string): Principal | null | Promise<Principal | null> {
    if (!looksLikeAccessToken(raw)) return null
    const key = `t:${sha256Hex(raw)}`
    const hit = this.#fresh(key, Date.now())
    if (hit !== undefined) return this.#used(hit)
    return this.#cached(key, () => this.#loadToken(key.slice(2))).then((p) => this.#used(p))
  }

  #used(p: Principal | null): Principal | null {
    if (p?.tokenId) this.#lastUsed.set(p.tokenId, Date.now())
    return p
  }

  /** The cached answer for `key` if still fresh (null: known bad), undefined when it must be loaded. */
  #fresh(key: string, now: number): Principal | null | undefined {
    const hit = this.#cache.get(key)
    if (!hit || now - hit.at >= (hit.principal ? TTL_MS : NEGATIVE_TTL_MS)) return undefined
    if (hit.principal?.expiresAt != null && hit.principal.expiresAt <= now) return null
    return hit.principal
  }

  /** Resolves a session cookie value; null when unknown or expired. */
  async authenticateSession(raw: string): Promise<Principal | null> {
    if (raw.length < 20 || raw.length > 128) return null
    const key = `s:${sha256Hex(raw)}`
    return this.#cached(key, () => this.#loadSession(key.slice(2)))
  }

  async #cached(key: string, load: () => Promise<Principal | null>): Promise<Principal | null> {
    const now = Date.now()
    const hit = this.#fresh(key, now)
    if (hit !== undefined) return hit
    const principal = await load()
    if (this.#cache.size >= MAX_ENTRIES) this.#cache.delete(this.#cache.keys().next().value!)
    this.#cache.set(key, { principal, at: now })
    if (principal?.expiresAt != null && principal.expiresAt <= now) return null
    return principal
  }

  /**
   * The principal a stored actor id (a token id or a user id, as `created_by` columns hold it)
   * acts as *now*: current roles, capped as on sign-in. Null when the token was revoked or its
   * role no longer fits its user, or the user is disabled or no longer an active member.
   * A token's expiry is ignored: it ends the token's use for new calls, not the standing of
   * choices made with it (a recipe saved through it). Not cached: callers are off the hot path.
   */
  async actingAs(actorId: string, orgId: string): Promise<Principal | null> {
    const db = this.handle.db
    const t = await db
      .selectFrom('access_tokens')
      .select(['token_hash', 'org_id'])
      .where('id', '=', actorId)
      .executeTakeFirst()
    if (t) {
      const p = t.org_id === orgId ? await this.#loadToken(t.token_hash) : null
      return p && { ...p, expiresAt: null }
    }
    const u = await this.#loadUser(actorId, orgId)
    return u && { ...u, sessionId: null, csrfHash: null, expiresAt: null }
  }

  async #loadToken(hash: string): Promise<Principal | null> {
    const db = this.handle.db
    const t = await db
      .selectFrom('access_tokens')
      .selectAll()
      .where('token_hash', '=', hash)
      .executeTakeFirst()
    if (!t || t.revoked_at != null) return null
    if (!isRole(t.role)) return null
    let roles: Roles = { role: t.role, workspaceRoles: {} }
    let workspaceId = t.workspace_id
    if (t.user_id) {
      // A user's token never exceeds the user's current rights, and the token's role caps
      // every role it carries (org and workspace): a demoted or removed user's tokens shrink
      // or stop with them, and an auditor token of a workspace admin stays an auditor.
      const user = await this.#userRoles(t.user_id, t.org_id)
      const capped = user && capRoles(t.role, user, t.workspace_id)
      if (!capped) return null
      roles = capped
      // Bound to a workspace its user no longer belongs to: the token acts in none.
      if (workspaceId && !(workspaceId in user.workspaceRoles) && !actsInEveryWorkspace(user.role)) {
        workspaceId = null
      }
      workspaceId ??= await this.#defaultWorkspace(t.org_id, user)
    } else {
      // Tokens without a user come from the local bootstrap (`latchkey admin token`).
      workspaceId ??= await this.#firstWorkspace(t.org_id)
    }
    return {
      kind: 'token',
      id: t.id,
      name: t.name,
      orgId: t.org_id,
      workspaceId,
      userId: t.user_id,
      role: roles.role,
      workspaceRoles: roles.workspaceRoles,
      tokenId: t.id,
      scopes: JSON.parse(t.scopes) as string[],
      sessionId: null,
      csrfHash: null,
      expiresAt: t.expires_at == null ? null : Number(t.expires_at),
    }
  }

  async #loadSession(hash: string): Promise<Principal | null> {
    const db = this.handle.db
    const s = await db.selectFrom('sessions').selectAll().where('id', '=', hash).executeTakeFirst()
    if (!s) return null
    const session = { sessionId: s.id, csrfHash: s.csrf_hash }
    if (s.token_id) {
      // Signed in with an access token: the session is exactly that token, and dies with it.
      const t = await db
        .selectFrom('access_tokens')
        .select('token_hash')
        .where('id', '=', s.token_id)
        .executeTakeFirst()
      const p = t ? await this.#loadToken(t.token_hash) : null
      if (!p) return null
      return { ...p, ...session, expiresAt: minExpiry(p.expiresAt, Number(s.expires_at)) }
    }
    if (!s.user_id) return null
    const u = await this.#loadUser(s.user_id, s.org_id)
    return u && { ...u, ...session, expiresAt: Number(s.expires_at) }
  }

  /** A user acting in an org with their current roles (no session fields). */
  async #loadUser(
    userId: string,
    orgId: string,
  ): Promise<Omit<Principal, 'sessionId' | 'csrfHash' | 'expiresAt'> | null> {
    const u = await this.handle.db
      .selectFrom('users')
      .select(['email', 'disabled_at'])
      .where('id', '=', userId)
      .executeTakeFirst()
    if (!u || u.disabled_at != null) return null
    const user = await this.#userRoles(userId, orgId)
    if (!user) return null
    return {
      kind: 'user',
      id: userId,
      name: u.email,
      orgId,
      workspaceId: await this.#defaultWorkspace(orgId, user),
      userId,
      role: user.role,
      workspaceRoles: user.workspaceRoles,
      tokenId: null,
      scopes: [],
    }
  }

  async #userRoles(userId: string, orgId: string): Promise<Roles | null> {
    const db = this.handle.db
    const m = await db
      .selectFrom('org_memberships')
      .innerJoin('users', 'users.id', 'org_memberships.user_id')
      .select(['org_memberships.role', 'users.disabled_at'])
      .where('org_memberships.user_id', '=', userId)
      .where('org_memberships.org_id', '=', orgId)
      // An invite not yet accepted grants nothing.
      .where('org_memberships.pending_since', 'is', null)
      .executeTakeFirst()
    if (!m || m.disabled_at != null || !isRole(m.role)) return null
    const ws = await db
      .selectFrom('workspace_memberships')
      .innerJoin('workspaces', 'workspaces.id', 'workspace_memberships.workspace_id')
      .select(['workspace_memberships.workspace_id', 'workspace_memberships.role'])
      .where('workspace_memberships.user_id', '=', userId)
      .where('workspaces.org_id', '=', orgId)
      .orderBy('workspaces.created_at')
      .execute()
    const workspaceRoles: Record<string, Role> = {}
    for (const w of ws) if (isRole(w.role)) workspaceRoles[w.workspace_id] = w.role
    return { role: m.role, workspaceRoles }
  }

  /**
   * The workspace a user acts in by default: their first one. Only org owners and admins
   * fall back to the org's first workspace; a member in no workspace acts in none (being
   * removed from one's last workspace must not land one in another).
   */
  async #defaultWorkspace(orgId: string, user: Roles): Promise<string | null> {
    const first = Object.keys(user.workspaceRoles)[0]
    if (first) return first
    return actsInEveryWorkspace(user.role) ? this.#firstWorkspace(orgId) : null
  }

  async #firstWorkspace(orgId: string): Promise<string | null> {
    const ws = await this.handle.db
      .selectFrom('workspaces')
      .select('id')
      .where('org_id', '=', orgId)
      .orderBy('created_at')
      .orderBy('id')
      .executeTakeFirst()
    return ws?.id ?? null
  }

  /** Writes accumulated last-used times in one batch per flush. */
  async flushLastUsed(): Promise<void> {
    if (this.#lastUsed.size === 0) return
    const batch = [...this.#lastUsed]
    this.#lastUsed.clear()
    try {
      await this.handle.db.transaction().execute(async (trx) => {
        for (const [id, ts] of batch) {
          await trx.updateTable('access_tokens').set({ last_used_at: ts }).where('id', '=', id).execute()
        }
      })
    } catch {
      // Best effort: last-used is informational; a failed flush retries with newer times later.
      for (const [id, ts] of batch) if (!this.#lastUsed.has(id)) this.#lastUsed.set(id, ts)
    }
  }
}

function minExpiry(a: number | null, b: number): number {
  return a == null ? b : Math.min(a, b)
}
