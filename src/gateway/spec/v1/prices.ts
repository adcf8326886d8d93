import type { Usage } from './usage.js'

/**
 * Prices per million tokens (implemented by src/usage from the bundled dataset plus org
 * overrides). `cost` returns null when the price is unknown — never 0.
 */
export interface PriceBook {
  cost(orgId: string, provider: string, model: string, usage: Usage, at?: number): number | null
}

export const unknownPrices: PriceBook = { cost: () => null }
