import type { Principal } from '../../../identity/principal.js'
import type { Usage } from './usage.js'

export interface BudgetContext {
  principal: Principal
  workspaceId: string | null
  credentialId: string
  provider: string
  model: string
  workflowId?: string | null
}

/** Worst-case estimate of a request before it is sent. */
export interface BudgetEstimate {
  inputTokens: number
  /** max_tokens or a default ceiling when the caller gave none. */
  maxOutputTokens: number
  /** Worst-case cost, when prices are known. */
  costUsd: number | null
}

export interface Reservation {
  id: string
  /** Budgets the reservation counts against (for settle). */
  budgetIds: string[]
  estimate: BudgetEstimate
}

/**
 * Reserve-then-settle budget check (DESIGN.md seam). `reserve` throws an AppError 429 naming
 * the budget when the estimate does not fit; `settle` replaces the reservation by the actual
 * amount (or releases it when the call failed with no usage).
 */
export interface BudgetGuard {
  /**
   * Whether any budget may apply to the call. False lets the gateway skip the estimate,
   * reserve and settle altogether (the common case: most calls fall under no budget).
   */
  covers?(ctx: BudgetContext): boolean
  reserve(ctx: BudgetContext, estimate: BudgetEstimate): Promise<Reservation>
  settle(reservation: Reservation, actual: { usage: Usage | null; costUsd: number | null }): Promise<void>
}

/** The reservation of a call no budget covers: nothing held, nothing to settle. */
export const NO_RESERVATION: Reservation = Object.freeze({
  id: 'none',
  budgetIds: [],
  estimate: Object.freeze({ inputTokens: 0, maxOutputTokens: 0, costUsd: null }),
}) as Reservation

/** Until the usage issue lands: every call fits. */
export const noopBudgetGuard: BudgetGuard = {
  covers: () => false,
  async reserve(_ctx, estimate) {
    return { id: 'noop', budgetIds: [], estimate }
  },
  async settle() {},
}
