/**
 * The gateway's hot-path view of credentials (`CredentialLookup`). Per org it keeps the
 * active credential rows and grants (one read on a miss); decrypted material is unsealed once
 * per credential version and served from memory. Any change anywhere (`credentials` topic on
 * the change bus: local at once, other instances via Redis or the version poll) drops both,
 * so revocation and rotation apply to the next lookup. Material objects are immutable:
 * a request that already holds one finishes with it.
 * @module
 */

import type { DbHandle } from '../db/database.js'
import type { CredentialsTable } from '../db/tables/vault.js'
import { forbidden } from '../errors/app-error.js'
import type { CredentialLookup, CredentialMaterial } from '../gateway/spec/v1/resolve-model.js'
import type { Principal } from '../identity/principal.js'
import type { ChangeBus } from '../state/change-bus.js'
import { originsOf } from './credential-input.js'
import { activeCredentials, grantsOf, groupGrants, refOf } from './credentials-repo.js'
import { canUse, type Grant } from './rights.js'
import type { SecretPayload } from './secret-material.js'

interface OrgIndex {
  rows: CredentialsTable[]
  /** Lower-cased name → rows of that name (any scope): the hot path's lookup. */
  byName: Map<string, CredentialsTable[]>
  grants: Map<string, Grant[]>
}

export interface CacheStats {
  hits: number
  misses: number
}

const MAX_ORGS = 1_000
const MAX_MATERIAL = 10_000
const TIER = { personal: 0, workspace: 1, org: 2 } as const

export class CredentialCache implements CredentialLookup {
  #orgs = new Map<string, Promise<OrgIndex>>()
  #material = new Map<string, Promise<CredentialMaterial>>()
  /**
   * Resolved names per principal object (the auth cache hands the same object to every
   * request of a token until it changes): the hot path's repeat lookups skip the scope
   * filter, sort and rights check. Dropped with everything else on invalidation.
   */
  #resolved = new WeakMap<Principal, Map<string, Promise<CredentialMaterial | null>>>()
  /** Bumped on every invalidation; loads started under an older generation are not kept. */
  #generation = 0
  #unsubscribe: () => void
  readonly stats: CacheStats = { hits: 0, misses: 0 }

  constructor(
    private readonly handle: DbHandle,
    bus: ChangeBus,
    private readonly unseal: (row: CredentialsTable) => Promise<SecretPayload>,
  ) {
    this.#unsubscribe = bus.subscribe('credentials', () => this.invalidate())
  }

  invalidate(): void {
    this.#generation++
    this.#orgs.clear()
    this.#material.clear()
    this.#resolved = new WeakMap()
  }

  close(): void {
    this.#unsubscribe()
    this.invalidate()
  }

  find(p: Principal, name: string): Promise<CredentialMaterial | null> {
    let byName = this.#resolved.get(p)
    const hit = byName?.get(name)
    if (hit) return hit
    const gen = this.#generation
    const load = this.#find(p, name)
    // Only successful lookups made under the current generation are remembered.
    load.then(
      () => {
        if (gen !== this.#generation) return
        if (!byName) {
          byName = new Map()
          this.#resolved.set(p, byName)
        }
        if (byName.size < 1_000) byName.set(name, load)
      },
      () => {},
    )
    return load
  }

  async #find(p: Principal, name: string): Promise<CredentialMaterial | null> {
    const idx = await this.#index(p.orgId)
    const wanted = name.toLowerCase()
    const candidates = (idx.byName.get(wanted) ?? [])
      .filter((r) => this.#inReach(p, r))
      .sort((a, b) => TIER[a.scope as keyof typeof TIER] - TIER[b.scope as keyof typeof TIER])
    for (const r of candidates) {
      if (canUse(p, refOf(r), idx.grants.get(r.id) ?? [])) return this.#materialOf(r)
    }
    if (candidates.length > 0) {
      throw forbidden(`you may not use credential ${name}`, { code: 'credential_not_usable' })
    }
    return null
  }

  async known(orgId: string, name: string): Promise<boolean> {
    return (await this.#index(orgId)).byName.has(name.toLowerCase())
  }

  async list(p: Principal): Promise<CredentialMaterial[]> {
    const idx = await this.#index(p.orgId)
    const byName = new Map<string, CredentialsTable>()
    const usable = idx.rows
      .filter((r) => this.#inReach(p, r) && canUse(p, refOf(r), idx.grants.get(r.id) ?? []))
      .sort((a, b) => TIER[a.scope as keyof typeof TIER] - TIER[b.scope as keyof typeof TIER])
    for (const r of usable) if (!byName.has(r.name.toLowerCase())) byName.set(r.name.toLowerCase(), r)
    const out: CredentialMaterial[] = []
    for (const r of byName.values()) {
      // One broken credential must not hide the others.
      const m = await this.#materialOf(r).catch(() => null)
      if (m) out.push(m)
    }
    return out
  }

  /** Which credentials a name can resolve to for this principal: own personal, own workspace, org. */
  #inReach(p: Principal, r: CredentialsTable): boolean {
    // A departed member's key resolves for nobody: the name falls through to other scopes.
    if (r.disabled_at != null) return false
    if (r.scope === 'personal') return p.userId !== null && r.owner_user_id === p.userId
    if (r.scope === 'workspace') return r.workspace_id === p.workspaceId
    return true
  }

  async #index(orgId: string): Promise<OrgIndex> {
    const hit = this.#orgs.get(orgId)
    if (hit) {
      this.stats.hits++
      return hit
    }
    this.stats.misses++
    const gen = this.#generation
    const load = (async () => {
      const [rows, grants] = await Promise.all([
        activeCredentials(this.handle.db, orgId),
        grantsOf(this.handle.db, { orgId }),
      ])
      const byName = new Map<string, CredentialsTable[]>()
      for (const r of rows) {
        const k = r.name.toLowerCase()
        byName.set(k, [...(byName.get(k) ?? []), r])
      }
      return { rows, byName, grants: groupGrants(grants) }
    })()
    if (this.#orgs.size >= MAX_ORGS) this.#orgs.delete(this.#orgs.keys().next().value!)
    this.#orgs.set(orgId, load)
    load.then(
      () => {
        // Invalidated while loading: the result may predate the change; do not keep it.
        if (gen !== this.#generation && this.#orgs.get(orgId) === load) this.#orgs.delete(orgId)
      },
      () => {
        if (this.#orgs.get(orgId) === load) this.#orgs.delete(orgId)
      },
    )
    return load
  }

  #materialOf(r: CredentialsTable): Promise<CredentialMaterial> {
    const key = `${r.id}:${r.version}:${r.base_url}:${r.origins ?? ''}:${r.private_ok}`
    const hit = this.#material.get(key)
    if (hit) {
      // Refresh LRU position.
      this.#material.delete(key)
      this.#material.set(key, hit)
      return hit
    }
    const load = this.unseal(r).then((payload) => toMaterial(r, payload))
    if (this.#material.size >= MAX_MATERIAL) this.#material.delete(this.#material.keys().next().value!)
    this.#material.set(key, load)
    load.catch(() => {
      if (this.#material.get(key) === load) this.#material.delete(key)
    })
    return load
  }
}

function toMaterial(r: CredentialsTable, payload: SecretPayload): CredentialMaterial {
  return Object.freeze({
    credentialId: r.id,
    name: r.name,
    provider: r.provider,
    version: Number(r.version),
    baseUrl: r.base_url,
    region: r.region,
    privateOk: Number(r.private_ok) === 1,
    ...(r.provider === 'http-secret' ? { origins: Object.freeze(originsOf(r)) } : {}),
    ...(payload.apiKey !== undefined ? { apiKey: payload.apiKey } : {}),
    ...(payload.secret !== undefined ? { secret: payload.secret } : {}),
    models: JSON.parse(r.models) as string[],
    orgId: r.org_id,
    workspaceId: r.workspace_id,
  })
}
