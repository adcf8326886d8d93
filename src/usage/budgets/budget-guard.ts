/**
 * `rt.budget`: reserve the worst case before a call, settle the actual amount after.
 * Budget definitions are cached in memory per org (reloaded on the `budgets` bus topic);
 * counters live in memory or Redis, so a request needs no database round trip. A window's
 * counter starts from the spend already recorded in usage_records (read once per budget
 * window per instance; with Redis only the first instance's read is used).
 * @module
 */

import type { Kysely } from 'kysely'
import type { Logger } from 'pino'
import type { Database } from '../../db/schema.js'
import { AppError, rateLimited } from '../../errors/app-error.js'
import type {
  BudgetContext,
  BudgetEstimate,
  BudgetGuard,
  Reservation,
} from '../../gateway/spec/v1/budget-guard.js'
import type { Usage } from '../../gateway/spec/v1/usage.js'
import { newId } from '../../identity/secrets.js'
import { type Clock, systemClock } from '../../state/clock.js'
import { usdText } from '../usd-text.js'
import type { BudgetCounters, CounterEntry, Totals } from './budget-counters.js'
import {
  type BudgetDef,
  type BudgetWindowSpan,
  budgetFromRow,
  covers,
  currentWindow,
  MICRO,
  NANO,
  toNano,
} from './budget-model.js'
import { spendInWindow } from './budget-spend.js'

export const THRESHOLDS = [50, 80, 100] as const

export interface ThresholdAlert {
  budget: BudgetDef
  threshold: number
  window: BudgetWindowSpan
  spentUsd: number
  spentTokens: number
}

interface Held {
  at: number
  entries: { key: string; ttlMs: number; budget: BudgetDef; window: BudgetWindowSpan }[]
  nano: number
  tokens: number
}

/** Extra time a counter outlives its window (late settles still land in it). */
const GRACE_MS = 3_600_000

export class CounterBudgetGuard implements BudgetGuard {
  #byOrg = new Map<string, BudgetDef[]>()
  #held = new Map<string, Held>()
  #seeding = new Map<string, Promise<void>>()
  #reserves = 0

  constructor(
    private readonly db: Kysely<Database>,
    private readonly counters: BudgetCounters,
    private readonly logger: Logger,
    private readonly onAlert: (a: ThresholdAlert) => void = () => {},
    private readonly now: Clock = systemClock,
  ) {}

  async reload(): Promise<void> {
    const rows = await this.db.selectFrom('budgets').selectAll().execute()
    const next = new Map<string, BudgetDef[]>()
    for (const r of rows) {
      const b = budgetFromRow(r)
      next.set(b.orgId, [...(next.get(b.orgId) ?? []), b])
    }
    this.#byOrg = next
  }

  budgets(orgId: string): BudgetDef[] {
    return this.#byOrg.get(orgId) ?? []
  }

  covers(ctx: BudgetContext): boolean {
    return this.#byOrg.get(ctx.principal.orgId)?.some((b) => covers(b, ctx)) ?? false
  }

  async reserve(ctx: BudgetContext, estimate: BudgetEstimate): Promise<Reservation> {
    const now = this.now()
    const applicable: { budget: BudgetDef; window: BudgetWindowSpan }[] = []
    for (const b of this.budgets(ctx.principal.orgId)) {
      if (!covers(b, ctx)) continue
      const window = currentWindow(b, now)
      if (window) applicable.push({ budget: b, window })
    }
    const id = newId('rsv')
    if (applicable.length === 0) return { id, budgetIds: [], estimate }

    // A zero limit refuses every call, even one whose price is unknown.
    for (const { budget, window } of applicable) {
      if (budget.limitUsd === 0 || budget.limitTokens === 0) throw overBudget(budget, window, now)
    }
    await Promise.all(applicable.map(({ budget, window }) => this.#seed(budget, window, now)))

    const nano = toNano(estimate.costUsd)
    const tokens = Math.max(0, Math.ceil(estimate.inputTokens + estimate.maxOutputTokens))
    const entries: CounterEntry[] = applicable.map(({ budget, window }) => ({
      key: counterKey(budget, window),
      limitNano: budget.limitMicroUsd === null ? -1 : budget.limitMicroUsd * (NANO / MICRO),
      limitTokens: budget.limitTokens === null ? -1 : budget.limitTokens,
      addNano: budget.limitUsd === null ? 0 : nano,
      addTokens: budget.limitTokens === null ? 0 : tokens,
      ttlMs: window.end - now + GRACE_MS,
    }))
    let failed: number
    let totals: Totals[]
    try {
      ;({ failed, totals } = await this.counters.reserve(entries))
    } catch (err) {
      // Fail closed: a budget that cannot be checked must not be spent past.
      this.logger.error({ err: (err as Error).message }, 'budget store unavailable')
      throw new AppError(503, 'overloaded_error', 'budget store unavailable; try again shortly', {
        code: 'budget_store_unavailable',
        retryable: true,
      })
    }
    if (failed >= 0) {
      const { budget, window } = applicable[failed]!
      throw overBudget(budget, window, now, { entry: entries[failed]!, before: totals[failed]!, estimate })
    }
    if (++this.#reserves % 1000 === 0) this.#sweep(now)
    this.#held.set(id, {
      at: now,
      entries: applicable.map(({ budget, window }, i) => ({
        key: entries[i]!.key,
        ttlMs: entries[i]!.ttlMs,
        budget,
        window,
      })),
      nano,
      tokens,
    })
    return { id, budgetIds: applicable.map((a) => a.budget.id), estimate }
  }

  async settle(
    reservation: Reservation,
    actual: { usage: Usage | null; costUsd: number | null },
  ): Promise<void> {
    const held = this.#held.get(reservation.id)
    if (!held) return
    this.#held.delete(reservation.id)
    const nano = toNano(actual.costUsd)
    const tokens = actual.usage
      ? Math.max(0, actual.usage.inputTokens) + Math.max(0, actual.usage.outputTokens)
      : 0
    const totals = await this.counters.adjust(
      held.entries.map((e) => ({
        key: e.key,
        addNano: e.budget.limitUsd === null ? 0 : nano - held.nano,
        addTokens: e.budget.limitTokens === null ? 0 : tokens - held.tokens,
        ttlMs: e.ttlMs,
      })),
    )
    await Promise.all(
      held.entries.map((e, i) => this.#checkThresholds(e.budget, e.window, e.key, totals[i]!)),
    )
  }

  /** Current spend (settled + in flight) of a budget's window, for the API. */
  async spent(
    b: BudgetDef,
    now = this.now(),
  ): Promise<{ window: BudgetWindowSpan | null; usd: number; tokens: number }> {
    const window = currentWindow(b, now)
    if (!window) return { window, usd: 0, tokens: 0 }
    await this.#seed(b, window, now)
    const t = await this.counters.peek(counterKey(b, window))
    return { window, usd: t.nano / NANO, tokens: t.tokens }
  }

  /**
   * Reservations never settled (a call path that died) are forgotten after a day; their
   * amount stays counted in its window rather than being guessed away.
   */
  #sweep(now: number): void {
    for (const [id, h] of this.#held) if (now - h.at > 86_400_000) this.#held.delete(id)
  }

  async #seed(b: BudgetDef, window: BudgetWindowSpan, now: number): Promise<void> {
    const key = counterKey(b, window)
    let p = this.#seeding.get(key)
    if (!p) {
      p = (async () => {
        if (await this.counters.isSeeded(key)) return
        const s = await spendInWindow(this.db, b, window)
        await this.counters.seed(key, toNano(s.usd), s.tokens, window.end - now + GRACE_MS)
      })()
      this.#seeding.set(key, p)
      p.catch(() => this.#seeding.delete(key))
      if (this.#seeding.size > 10_000) this.#seeding.clear()
    }
    await p
  }

  async #checkThresholds(b: BudgetDef, window: BudgetWindowSpan, key: string, t: Totals): Promise<void> {
    const pct = Math.max(
      b.limitUsd ? (t.nano / NANO / b.limitUsd) * 100 : 0,
      b.limitTokens ? (t.tokens / b.limitTokens) * 100 : 0,
    )
    for (const threshold of THRESHOLDS) {
      if (pct < threshold) continue
      try {
        if (await this.counters.markAlert(key, threshold)) {
          this.onAlert({ budget: b, threshold, window, spentUsd: t.nano / NANO, spentTokens: t.tokens })
        }
      } catch (err) {
        this.logger.warn({ err, budget: b.id }, 'budget alert bookkeeping failed')
      }
    }
  }
}

function counterKey(b: BudgetDef, w: BudgetWindowSpan): string {
  // The org in braces is a Redis Cluster hash tag: every counter of one call shares a slot.
  return `{${b.orgId}}:${b.id}:${w.key}`
}

/** What a refused reservation knew: the counter before the call, and what the call asked for. */
interface Refusal {
  entry: CounterEntry
  before: Totals
  estimate: BudgetEstimate
}

function overBudget(b: BudgetDef, w: BudgetWindowSpan, now: number, refusal?: Refusal) {
  const limits = [
    b.limitUsd !== null ? usdText(b.limitUsd) : null,
    b.limitTokens !== null ? `${b.limitTokens} tokens` : null,
  ]
    .filter(Boolean)
    .join(' / ')
  const per = b.window === 'fixed' ? 'for its period' : `per ${b.window}`
  const because = refusal ? estimateRefusal(refusal) : null
  const message = because
    ? `budget "${b.name}" (${limits} ${per}) refused this call on its pre-call estimate, not on spend: ${because}`
    : `budget "${b.name}" exceeded (${limits} ${per})`
  return rateLimited(message, (w.end - now) / 1000, {
    code: 'budget_exceeded',
    retryable: false,
    details: { budget: b.name, budgetId: b.id, ...(because ? { refusedOn: 'estimate' } : {}) },
  })
}

/**
 * When what is already spent fits the limit, the call was refused on its worst case: the
 * prompt plus max_tokens (or the default ceiling when the request set none) priced before
 * sending. Saying so, with the numbers, tells the caller the fix (a lower max_tokens); a bare
 * "exceeded" at $0.00 spent reads like a bug.
 */
function estimateRefusal({ entry, before, estimate }: Refusal): string | null {
  const usdFits = entry.limitNano < 0 || before.nano <= entry.limitNano
  const tokensFit = entry.limitTokens < 0 || before.tokens <= entry.limitTokens
  if (!usdFits || !tokensFit) return null
  const parts: string[] = []
  if (entry.limitNano >= 0 && before.nano + entry.addNano > entry.limitNano)
    parts.push(
      `${usdText(before.nano / NANO)} spent, ${usdText((entry.limitNano - before.nano) / NANO)} left, this call could cost up to ${usdText(entry.addNano / NANO)}`,
    )
  if (entry.limitTokens >= 0 && before.tokens + entry.addTokens > entry.limitTokens)
    parts.push(
      `${before.tokens} tokens used, ${entry.limitTokens - before.tokens} left, this call could use up to ${entry.addTokens}`,
    )
  return `${parts.join('; ')} (about ${estimate.inputTokens} input tokens plus up to ${estimate.maxOutputTokens} output tokens, from the request's max_tokens or the default ceiling when it sets none); set max_tokens lower on the request to lower the estimate`
}
