/**
 * Gateway rate limits: requests and tokens per minute, per access token and per workspace,
 * counted in `rt.counters` (in-process, or Redis so several instances share one limit).
 * Configured per org in `orgs.settings.limits` ({tokenRpm, tokenTpm, workspaceRpm,
 * workspaceTpm}; absent = unlimited), read from `rt.settings` (validated there, in memory).
 * Token limits are checked before the call against what the window has already used and
 * charged after it with the actual usage (a call's size is unknown until it ends).
 * @module
 */
import { rateLimited } from '../errors/app-error.js'
import type { Principal } from '../identity/principal.js'
import type { OrgLimits } from '../identity/settings.js'
import { type Clock, systemClock } from '../state/clock.js'
import type { CounterStore } from '../state/counters.js'

export type GatewayLimits = OrgLimits

const WINDOW = 60_000

/** The subjects a call counts against. */
function subjects(
  p: Principal,
  workspaceId: string | null,
): { key: string; rpm?: 'tokenRpm' | 'workspaceRpm'; tpm: 'tokenTpm' | 'workspaceTpm'; label: string }[] {
  const out: {
    key: string
    rpm?: 'tokenRpm' | 'workspaceRpm'
    tpm: 'tokenTpm' | 'workspaceTpm'
    label: string
  }[] = []
  if (p.tokenId)
    out.push({ key: `gw:tok:${p.tokenId}`, rpm: 'tokenRpm', tpm: 'tokenTpm', label: 'access token' })
  if (workspaceId)
    out.push({ key: `gw:ws:${workspaceId}`, rpm: 'workspaceRpm', tpm: 'workspaceTpm', label: 'workspace' })
  return out
}

export class RateLimiter {
  constructor(
    private readonly counters: CounterStore,
    private readonly settings: { get(orgId: string): { limits: GatewayLimits } },
    private readonly now: Clock = systemClock,
  ) {}

  limitsFor(orgId: string): GatewayLimits {
    return this.settings.get(orgId).limits
  }

  /**
   * Counts one request; rejects with 429 and retry-after when a limit is reached. Returns
   * undefined (no promise, nothing to wait for) when the org sets no limit: the common case.
   */
  admit(p: Principal, workspaceId: string | null): Promise<void> | undefined {
    const limits = this.limitsFor(p.orgId)
    if (!limits.tokenRpm && !limits.tokenTpm && !limits.workspaceRpm && !limits.workspaceTpm) return
    return this.#admit(limits, p, workspaceId)
  }

  async #admit(limits: GatewayLimits, p: Principal, workspaceId: string | null): Promise<void> {
    for (const s of subjects(p, workspaceId)) {
      const tpm = limits[s.tpm]
      if (tpm) {
        const used = await this.counters.get(`${s.key}:tpm`, WINDOW)
        if (used >= tpm) {
          throw rateLimited(`${s.label} used its ${tpm} tokens per minute`, secondsLeft(this.now()), {
            code: 'tokens_per_minute',
          })
        }
      }
      const rpm = s.rpm ? limits[s.rpm] : undefined
      if (rpm) {
        const { total, resetMs } = await this.counters.add(`${s.key}:rpm`, 1, WINDOW)
        if (total > rpm) {
          throw rateLimited(`${s.label} reached its ${rpm} requests per minute`, resetMs / 1000, {
            code: 'requests_per_minute',
          })
        }
      }
    }
  }

  /** Charges the tokens a finished call used. Never throws (metering must not fail a call). */
  charge(p: Principal, workspaceId: string | null, tokens: number): void {
    if (tokens <= 0) return
    const limits = this.limitsFor(p.orgId)
    if (!limits.tokenTpm && !limits.workspaceTpm) return
    for (const s of subjects(p, workspaceId)) {
      if (!limits[s.tpm]) continue
      this.counters.add(`${s.key}:tpm`, tokens, WINDOW).catch(() => {
        // Counter store unavailable: the limit is best effort, the call already happened.
      })
    }
  }
}

function secondsLeft(now: number): number {
  return (WINDOW - (now % WINDOW)) / 1000
}
