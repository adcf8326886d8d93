/**
 * Budget threshold alerts (50/80/100 % of a window): one audit record in the org's chain
 * and, when the budget has an alert URL, one webhook POST through the egress guard (the
 * URL is user-set, so it gets the same SSRF policy as any other outbound call).
 * @module
 */
import type { Logger } from 'pino'
import type { AuditWriter } from '../../audit/audit-event.js'
import type { DbHandle } from '../../db/database.js'
import type { ThresholdAlert } from './budget-guard.js'

export type AlertFetch = (orgId: string, url: string, init: RequestInit) => Promise<Response>

export class BudgetAlerts {
  constructor(
    private readonly db: DbHandle,
    private readonly audit: () => AuditWriter,
    private readonly fetch: AlertFetch,
    private readonly logger: Logger,
  ) {}

  /** Fire and forget: alerts must never slow or fail the call that crossed the threshold. */
  notify(a: ThresholdAlert): void {
    void this.#send(a)
  }

  async #send(a: ThresholdAlert): Promise<void> {
    const payload = {
      type: 'budget.threshold',
      budget: { id: a.budget.id, name: a.budget.name, scope: a.budget.scopeType, scopeId: a.budget.scopeId },
      threshold: a.threshold,
      window: { start: new Date(a.window.start).toISOString(), end: new Date(a.window.end).toISOString() },
      spentUsd: round(a.spentUsd),
      limitUsd: a.budget.limitUsd,
      spentTokens: a.spentTokens,
      limitTokens: a.budget.limitTokens,
    }
    try {
      await this.audit().record(this.db.db, {
        orgId: a.budget.orgId,
        actor: 'system',
        actorKind: 'system',
        action: 'budget.threshold',
        targetType: 'budget',
        targetId: a.budget.id,
        details: {
          threshold: a.threshold,
          spentUsd: payload.spentUsd,
          spentTokens: a.spentTokens,
          window: payload.window.start,
        },
      })
    } catch (err) {
      this.logger.error({ err, budget: a.budget.id }, 'budget alert audit record failed')
    }
    this.logger.warn({ budget: a.budget.id, threshold: a.threshold }, 'budget threshold reached')
    if (!a.budget.alertUrl) return
    try {
      const res = await this.fetch(a.budget.orgId, a.budget.alertUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'user-agent': 'latchkey-budget-alert' },
        body: JSON.stringify(payload),
        signal: AbortSignal.timeout(10_000),
      })
      await res.body?.cancel().catch(() => {})
      if (!res.ok)
        this.logger.warn(
          { budget: a.budget.id, status: res.status },
          'budget alert webhook answered an error',
        )
    } catch (err) {
      this.logger.warn({ budget: a.budget.id, err: (err as Error).message }, 'budget alert webhook failed')
    }
  }
}

const round = (v: number) => Math.round(v * 1e6) / 1e6
