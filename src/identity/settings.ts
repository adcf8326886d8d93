/**
 * Org settings (stored as JSON in orgs.settings), served from memory and reloaded when the
 * `settings` topic changes on any instance. The environment is a ceiling: an org can only
 * tighten egress, and can opt in to content storage only where LATCHKEY_STORE_CONTENT allows it.
 * @module
 */
import { z } from 'zod'
import type { Config, EgressMode } from '../config/config.js'
import type { DbHandle } from '../db/database.js'
import type { ChangeBus } from '../state/change-bus.js'

/**
 * Gateway rate limits per minute as stored; an absent field means unlimited. Stored values are
 * read leniently (0 or a negative number counts as unlimited, see effectiveLimits) so one odd
 * value written by hand does not void the org's other settings; the API accepts only
 * positive integers.
 */
export const LimitsSchema = z.object({
  tokenRpm: z.number().optional(),
  tokenTpm: z.number().optional(),
  workspaceRpm: z.number().optional(),
  workspaceTpm: z.number().optional(),
})
export type OrgLimits = z.infer<typeof LimitsSchema>

const NO_LIMITS: OrgLimits = Object.freeze({})
const NO_ORIGINS: readonly string[] = Object.freeze([])
const LIMIT_KEYS = ['tokenRpm', 'tokenTpm', 'workspaceRpm', 'workspaceTpm'] as const

/** The limits in force: positive finite numbers only. */
function effectiveLimits(stored: OrgLimits | undefined): OrgLimits {
  const out: OrgLimits = {}
  for (const k of LIMIT_KEYS) {
    const n = stored?.[k]
    if (typeof n === 'number' && Number.isFinite(n) && n > 0) out[k] = n
  }
  return out
}

export const OrgSettingsSchema = z.object({
  egress: z.enum(['open', 'public-only', 'private-only']).optional(),
  storeContent: z.boolean().optional(),
  retentionDays: z.number().int().min(1).max(3650).optional(),
  corsOrigins: z.array(z.string()).optional(),
  limits: LimitsSchema.optional(),
  /**
   * Origins (`scheme://host[:port]`) that credentials no org admin vouched for (members'
   * credentials) may reach on loopback/private addresses. Managed by org owners and admins.
   */
  privateOrigins: z.array(z.string()).optional(),
})
export type StoredSettings = z.infer<typeof OrgSettingsSchema>

export interface EffectiveSettings {
  egress: EgressMode
  egressAllow: string[]
  storeContent: boolean
  retentionDays: number
  corsOrigins: string[]
  /** Gateway rate limits (`{}` = unlimited). */
  limits: OrgLimits
  /** See OrgSettingsSchema.privateOrigins (normalised origins). */
  privateOrigins: readonly string[]
}

/** Which org egress modes the env mode permits (each is at least as strict as the ceiling). */
export function allowedEgress(ceiling: EgressMode): EgressMode[] {
  return ceiling === 'open' ? ['open', 'public-only', 'private-only'] : [ceiling]
}

export class SettingsService {
  #cache = new Map<string, StoredSettings>()
  #loaded = false
  #origins: Set<string> | undefined

  constructor(
    private readonly config: Config,
    private readonly handle: DbHandle,
    bus: ChangeBus,
  ) {
    bus.subscribe('settings', () => {
      void this.reload()
    })
  }

  async reload(): Promise<void> {
    const rows = await this.handle.db.selectFrom('orgs').select(['id', 'settings']).execute()
    const next = new Map<string, StoredSettings>()
    for (const r of rows) {
      const parsed = OrgSettingsSchema.safeParse(safeJson(r.settings))
      const stored = parsed.success ? parsed.data : {}
      // Normalised once here, so the gateway's per-call read allocates nothing.
      if (stored.limits) stored.limits = effectiveLimits(stored.limits)
      next.set(r.id, stored)
    }
    this.#cache = next
    this.#origins = undefined
    this.#loaded = true
  }

  /** Effective settings for an org, from memory (call reload() once at start). */
  get(orgId: string): EffectiveSettings {
    const s = this.#cache.get(orgId) ?? {}
    const c = this.config
    const egress = s.egress && allowedEgress(c.egress).includes(s.egress) ? s.egress : c.egress
    return {
      egress,
      egressAllow: c.egressAllow,
      storeContent: c.storeContent && s.storeContent === true,
      retentionDays: s.retentionDays ?? 30,
      corsOrigins: s.corsOrigins ?? [],
      limits: s.limits ?? NO_LIMITS,
      privateOrigins: s.privateOrigins ?? NO_ORIGINS,
    }
  }

  stored(orgId: string): StoredSettings {
    return this.#cache.get(orgId) ?? {}
  }

  /** Every origin any org allows (CORS runs before auth, so it cannot know the org). */
  allCorsOrigins(): Set<string> {
    if (this.#origins) return this.#origins
    const out = new Set(this.config.corsOrigins)
    for (const s of this.#cache.values()) for (const o of s.corsOrigins ?? []) out.add(o)
    this.#origins = out
    return out
  }

  get loaded(): boolean {
    return this.#loaded
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    return {}
  }
}
