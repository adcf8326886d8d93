/**
 * Budgets as the guard sees them: which calls a budget covers and which window is current.
 * Windows are UTC calendar days/months, or one fixed [startsAt, endsAt) interval.
 * @module
 */
import type { BudgetsTable } from '../../db/tables/usage.js'
import type { BudgetContext } from '../../gateway/spec/v1/budget-guard.js'

export const SCOPES = ['org', 'workspace', 'user', 'token', 'credential'] as const
export type BudgetScope = (typeof SCOPES)[number]
export const WINDOWS = ['day', 'month', 'fixed'] as const
export type BudgetWindow = (typeof WINDOWS)[number]

export interface BudgetDef {
  id: string
  orgId: string
  name: string
  scopeType: BudgetScope
  scopeId: string
  /** Derived from `limitMicroUsd`, for display and percentages. */
  limitUsd: number | null
  /** The limit as stored and enforced: whole micro-dollars. */
  limitMicroUsd: number | null
  limitTokens: number | null
  window: BudgetWindow
  startsAt: number | null
  endsAt: number | null
  alertUrl: string | null
}

export function budgetFromRow(r: BudgetsTable): BudgetDef {
  return {
    id: r.id,
    orgId: r.org_id,
    name: r.name,
    scopeType: r.scope_type as BudgetScope,
    scopeId: r.scope_id,
    limitUsd: r.limit_micro_usd === null ? null : Number(r.limit_micro_usd) / MICRO,
    limitMicroUsd: r.limit_micro_usd === null ? null : Number(r.limit_micro_usd),
    limitTokens: r.limit_tokens === null ? null : Number(r.limit_tokens),
    window: r.window as BudgetWindow,
    startsAt: r.starts_at === null ? null : Number(r.starts_at),
    endsAt: r.ends_at === null ? null : Number(r.ends_at),
    alertUrl: r.alert_url,
  }
}

export interface BudgetWindowSpan {
  /** Stable name of the window (part of the counter key). */
  key: string
  start: number
  end: number
}

/** The window in force at `now`, or null when a fixed budget is not running. */
export function currentWindow(b: BudgetDef, now: number): BudgetWindowSpan | null {
  const d = new Date(now)
  if (b.window === 'day') {
    const start = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate())
    return { key: new Date(start).toISOString().slice(0, 10), start, end: start + 86_400_000 }
  }
  if (b.window === 'month') {
    const start = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1)
    const end = Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1)
    return { key: new Date(start).toISOString().slice(0, 7), start, end }
  }
  if (b.startsAt === null || b.endsAt === null || now < b.startsAt || now >= b.endsAt) return null
  return { key: `fixed-${b.startsAt}`, start: b.startsAt, end: b.endsAt }
}

/** Whether the budget covers a call made in this context. */
export function covers(b: BudgetDef, ctx: BudgetContext): boolean {
  if (b.orgId !== ctx.principal.orgId) return false
  switch (b.scopeType) {
    case 'org':
      return true
    case 'workspace':
      return ctx.workspaceId === b.scopeId
    case 'user':
      return ctx.principal.userId === b.scopeId
    case 'token':
      return ctx.principal.tokenId === b.scopeId
    case 'credential':
      return ctx.credentialId === b.scopeId
  }
}

/** USD amounts are counted in integer nano-dollars so that concurrent adds stay exact. */
export const NANO = 1_000_000_000
/** Budget limits are stored in integer micro-dollars: the smallest limit is $0.000001. */
export const MICRO = 1_000_000

/** A USD limit from the API as whole micro-dollars, or null when it has finer digits. */
export function toMicro(usd: number): number | null {
  const micro = Math.round(usd * MICRO)
  // Tolerate binary noise (0.07 * 1e6 = 70000.00000000001), not a seventh decimal.
  return Math.abs(micro - usd * MICRO) < 1e-6 * Math.max(1, usd * MICRO) ? micro : null
}
export const toNano = (usd: number | null | undefined): number =>
  typeof usd === 'number' && Number.isFinite(usd) && usd > 0 ? Math.ceil(usd * NANO) : 0
