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
import { calcPrice } from '@pydantic/genai-prices'
import type { Kysely } from 'kysely'
import type { Database } from '../db/schema.js'
import type { PriceOverridesTable } from '../db/tables/usage.js'
import type { PriceBook } from '../gateway/spec/v1/prices.js'
import type { Usage } from '../gateway/spec/v1/usage.js'

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
  #missing = new Set<string>()

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
    const t = tokens(usage)
    const r = this.#dataset(
      provider,
      model,
      {
        input_tokens: t.input,
        output_tokens: t.output,
        cache_read_tokens: t.cachedRead || undefined,
        cache_write_tokens: t.cacheWrite || undefined,
        output_reasoning_tokens: t.reasoning || undefined,
      },
      at,
    )
    return r ? r.total_price : null
  }

  #dataset(provider: string, model: string, usage: Record<string, number | undefined>, at: number) {
    const providerId = DATASET_PROVIDER[provider]
    if (!providerId) return null
    const key = `${providerId}\0${model}`
    if (this.#missing.has(key)) return null
    try {
      const r = calcPrice(usage, model, { providerId, timestamp: new Date(at) })
      if (!r) {
        if (this.#missing.size < 10_000) this.#missing.add(key)
        return null
      }
      return r
    } catch {
      // Usage the dataset rejects (inconsistent counts): unknown rather than wrong.
      return null
    }
  }
}
