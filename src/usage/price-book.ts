/**
 * `rt.prices`: cost of a call from the bundled price dataset (@pydantic/genai-prices, MIT,
 * data compiled into the package — nothing is downloaded: we never call its
 * `updatePrices`), overridden per org by `/api/v1/prices` rows. Served from memory; the
 * override table is reloaded when the `prices` bus topic fires.
 *
 * Token convention (CallEvent usage): `inputTokens` counts every input token including
 * cached reads and cache writes; `outputTokens` includes reasoning tokens. Cached and
 * reasoning tokens are then priced at their own rates where the model has them.
 * Unknown model → null, never 0.
 * @module
 */

import type { ModelInfo, ModelPrice } from '@pydantic/genai-prices'
import type { Kysely } from 'kysely'
import type { Database } from '../db/schema.js'
import type { PriceOverridesTable } from '../db/tables/usage.js'
import type { PriceBook } from '../gateway/spec/v1/prices.js'
import type { Usage } from '../gateway/spec/v1/usage.js'
import { calcPrice } from './genai-prices.js'

/** Provider kind → the dataset's provider id (kinds without public prices map to none). */
const DATASET_PROVIDER: Record<string, string> = {
  openai: 'openai',
  'azure-openai': 'azure',
  anthropic: 'anthropic',
  gemini: 'google',
  vertex: 'google',
  bedrock: 'aws',
  mistral: 'mistral',
  groq: 'groq',
  deepseek: 'deepseek',
  zhipu: 'zhipuai',
  moonshot: 'moonshotai',
  minimax: 'minimax',
}

/** USD per million tokens. */
export interface UnitPrices {
  input: number
  output: number
  cachedRead: number | null
  cacheWrite: number | null
  reasoning: number | null
}

export interface PriceQuote {
  source: 'override' | 'dataset'
  prices: UnitPrices | null
  overrideId?: string
}

const MTOK = 1_000_000

/** Normalised token counts (see the module note on conventions). */
function tokens(u: Usage) {
  const cachedRead = Math.max(0, u.cachedReadTokens ?? 0)
  const cacheWrite = Math.max(0, u.cacheWriteTokens ?? 0)
  let input = Math.max(0, u.inputTokens)
  // A provider that reports cached tokens outside the input count (Anthropic's raw usage)
  // would make the parts exceed the whole: count them in.
  if (cachedRead + cacheWrite > input) input += cachedRead + cacheWrite
  const output = Math.max(0, u.outputTokens)
  const reasoning = Math.min(Math.max(0, u.reasoningTokens ?? 0), output)
  return { input, cachedRead, cacheWrite, output, reasoning }
}

/** Cost with explicit unit prices (org overrides). */
export function costWith(p: UnitPrices, u: Usage): number {
  const t = tokens(u)
  const uncached = Math.max(0, t.input - t.cachedRead - t.cacheWrite)
  let usd =
    uncached * p.input + t.cachedRead * (p.cachedRead ?? p.input) + t.cacheWrite * (p.cacheWrite ?? p.input)
  usd +=
    p.reasoning === null
      ? t.output * p.output
      : (t.output - t.reasoning) * p.output + t.reasoning * p.reasoning
  return usd / MTOK
}

export class OverridePriceBook implements PriceBook {
  /** `${org}\0${provider}` → rows, newest effective date first. */
  #overrides = new Map<string, PriceOverridesTable[]>()
  #models = new Map<string, ModelInfo | null>()

  load(rows: PriceOverridesTable[]): void {
    const next = new Map<string, PriceOverridesTable[]>()
    for (const r of rows) {
      const k = `${r.org_id}\0${r.provider}`
      const list = next.get(k) ?? []
      list.push({
        ...r,
        effective_from: Number(r.effective_from),
        effective_to: r.effective_to === null ? null : Number(r.effective_to),
      })
      next.set(k, list)
    }
    for (const list of next.values()) list.sort((a, b) => b.effective_from - a.effective_from)
    this.#overrides = next
  }

  async reload(db: Kysely<Database>): Promise<void> {
    this.load(await db.selectFrom('price_overrides').selectAll().execute())
  }

  /**
   * The override in force: this provider's exact model, then its `*` row, then the same
   * model under provider `*` (an override given without a provider).
   */
  override(orgId: string, provider: string, model: string, at: number): PriceOverridesTable | undefined {
    const live = (r: PriceOverridesTable) =>
      r.effective_from <= at && (r.effective_to === null || at < r.effective_to)
    const own = this.#overrides.get(`${orgId}\0${provider}`) ?? []
    const any = this.#overrides.get(`${orgId}\0*`) ?? []
    return (
      own.find((r) => r.model === model && live(r)) ??
      own.find((r) => r.model === '*' && live(r)) ??
      any.find((r) => r.model === model && live(r))
    )
  }

  quote(orgId: string, provider: string, model: string, at = Date.now()): PriceQuote | null {
    const o = this.override(orgId, provider, model, at)
    if (o) {
      return {
        source: 'override',
        overrideId: o.id,
        prices: {
          input: o.input,
          output: o.output,
          cachedRead: o.cached_read,
          cacheWrite: o.cache_write,
          reasoning: o.reasoning,
        },
      }
    }
    const r = this.#dataset(provider, model, { input_tokens: 0, output_tokens: 0 }, at)
    if (!r) return null
    const mp = r.model_price as Record<string, unknown>
    const flat = (k: string): number | null => {
      const v = mp[k]
      if (typeof v === 'number') return v
      if (v && typeof v === 'object' && typeof (v as { base?: unknown }).base === 'number')
        return (v as { base: number }).base
      return null
    }
    return {
      source: 'dataset',
      prices: {
        input: flat('input_mtok') ?? 0,
        output: flat('output_mtok') ?? 0,
        cachedRead: flat('cache_read_mtok'),
        cacheWrite: flat('cache_write_mtok'),
        reasoning: flat('output_reasoning_mtok'),
      },
    }
  }

  /** The model's context window from the bundled dataset, when it knows one (Models page). */
  contextWindow(provider: string, model: string, at = Date.now()): number | null {
    return this.#model(provider, model, at)?.context_window ?? null
  }

  cost(orgId: string, provider: string, model: string, usage: Usage, at = Date.now()): number | null {
    const o = this.override(orgId, provider, model, at)
    if (o) {
      return costWith(
        {
          input: o.input,
          output: o.output,
          cachedRead: o.cached_read,
          cacheWrite: o.cache_write,
          reasoning: o.reasoning,
        },
        usage,
      )
    }
    const model_ = this.#model(provider, model, at)
    if (!model_) return null
    const p = pricesAt(model_, at)
    const t = tokens(usage)
    const unit = (k: string) => tiered(p[k], t.input)
    const input = unit('input_mtok')
    const output = unit('output_mtok')
    if (input === null || output === null) return null
    return costWith(
      {
        input,
        output,
        cachedRead: unit('cache_read_mtok'),
        cacheWrite: unit('cache_write_mtok'),
        reasoning: unit('output_reasoning_mtok'),
      },
      usage,
    )
  }

  /**
   * The dataset's entry for a model. Matching a model id against a provider's list is slow
   * (~0.1 ms: hundreds of entries, regexes) and the gateway prices every call twice, so the
   * match is made once per provider/model and the unit prices are read from the entry.
   */
  #model(provider: string, model: string, at: number): ModelInfo | null {
    const providerId = DATASET_PROVIDER[provider]
    if (!providerId) return null
    const key = `${providerId}\0${model}`
    const hit = this.#models.get(key)
    if (hit !== undefined) return hit
    let found: ModelInfo | null = null
    try {
      found =
        calcPrice({ input_tokens: 0, output_tokens: 0 }, model, { providerId, timestamp: new Date(at) })
          ?.model ?? null
    } catch {
      found = null
    }
    if (this.#models.size < 10_000) this.#models.set(key, found)
    return found
  }

  #dataset(provider: string, model: string, usage: Record<string, number | undefined>, at: number) {
    const providerId = DATASET_PROVIDER[provider]
    if (!providerId || !this.#model(provider, model, at)) return null
    try {
      return calcPrice(usage, model, { providerId, timestamp: new Date(at) })
    } catch {
      return null
    }
  }
}

/** The model's prices in force at `at` (start-date and time-of-day constraints, as the dataset applies them). */
function pricesAt(m: ModelInfo, at: number): ModelPrice {
  if (!Array.isArray(m.prices)) return m.prices
  const d = new Date(at)
  const secs =
    d.getUTCHours() * 3600 + d.getUTCMinutes() * 60 + d.getUTCSeconds() + d.getUTCMilliseconds() / 1000
  // "HH:MM:SS[.fff](Z|±HH:MM)" → seconds after UTC midnight, as the dataset reads it.
  const hms = (v: string) => {
    const m = /^(\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(Z|([+-])(\d{2}):(\d{2}))$/.exec(v)
    if (!m) return Number.NaN
    const local = Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(m[3]) + Number(`0.${m[4] ?? ''}`)
    const offset = m[5] === 'Z' ? 0 : (m[6] === '+' ? 1 : -1) * (Number(m[7]) * 3600 + Number(m[8]) * 60)
    return (local - offset + 86_400) % 86_400
  }
  for (let i = m.prices.length - 1; i >= 0; i--) {
    const c = m.prices[i]!
    const k = c.constraint
    if (!k) return c.prices
    if (k.type === 'start_date' && at >= Date.parse(`${k.start_date}T00:00:00Z`)) return c.prices
    if (k.type === 'time_of_date') {
      const from = hms(k.start_time)
      const to = hms(k.end_time)
      if (to < from ? secs >= from || secs < to : secs >= from && secs < to) return c.prices
    }
  }
  return m.prices[0]!.prices
}

/** A unit price, resolving input-size tiers (e.g. long-context rates) by the call's input tokens. */
function tiered(v: ModelPrice[string], inputTokens: number): number | null {
  if (typeof v === 'number') return v
  if (!v || typeof v !== 'object') return null
  let price = v.base
  for (const tier of v.tiers) if (inputTokens > tier.start) price = tier.price
  return price
}
