/**
 * In-memory cache of `orgs.settings` (JSON text), so the hot path can read org egress and
 * limit settings without a database round trip. A miss reads the row once; a change on the
 * bus topic `settings` drops the cache (the settings endpoint publishes it after writing).
 * @module
 */
import type { DbHandle } from '../db/database.js'
import type { ChangeBus } from '../state/change-bus.js'

export type OrgSettings = Record<string, unknown>

export class OrgSettingsCache {
  #cache = new Map<string, Promise<OrgSettings>>()

  constructor(
    private readonly db: DbHandle,
    bus: ChangeBus,
  ) {
    bus.subscribe('settings', () => this.#cache.clear())
  }

  /** The org's parsed settings ({} when unset or unreadable). */
  get(orgId: string): Promise<OrgSettings> {
    let p = this.#cache.get(orgId)
    if (!p) {
      p = this.#load(orgId)
      this.#cache.set(orgId, p)
      // A failed read must not stick: the next call tries again.
      p.catch(() => this.#cache.delete(orgId))
    }
    return p
  }

  async #load(orgId: string): Promise<OrgSettings> {
    const row = await this.db.db
      .selectFrom('orgs')
      .select('settings')
      .where('id', '=', orgId)
      .executeTakeFirst()
    if (!row?.settings) return {}
    try {
      const v = JSON.parse(row.settings) as unknown
      return v && typeof v === 'object' && !Array.isArray(v) ? (v as OrgSettings) : {}
    } catch {
      return {}
    }
  }

  clear(): void {
    this.#cache.clear()
  }
}
