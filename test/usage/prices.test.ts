import { calcPrice } from '@pydantic/genai-prices'
import { describe, expect, it } from 'vitest'
import type { PriceOverridesTable } from '../../src/db/tables/usage.js'
import { costWith, OverridePriceBook } from '../../src/usage/price-book.js'

const ORG = 'org_p'
const M = 1_000_000
function close(a: number | null, b: number): void {
  expect(a).not.toBeNull()
  expect(a!).toBeCloseTo(b, 9)
}

function override(over: Partial<PriceOverridesTable>): PriceOverridesTable {
  return {
    id: `prc_${Math.random()}`,
    org_id: ORG,
    provider: 'ollama',
    model: 'llama3.1:8b',
    input: 0.1,
    output: 0.2,
    cached_read: null,
    cache_write: null,
    reasoning: null,
    effective_from: 0,
    effective_to: null,
    created_by: null,
    created_at: 0,
    ...over,
  }
}

describe('price book — bundled dataset (golden)', () => {
  const book = new OverridePriceBook()
  const at = Date.UTC(2025, 6, 1)

  it('plain input/output: gpt-4o at $2.50 / $10 per million', () => {
    close(book.cost(ORG, 'openai', 'gpt-4o', { inputTokens: M, outputTokens: M }, at), 12.5)
  })

  it('cached reads are billed at the cached rate, inside the input count (OpenAI)', () => {
    // 1M input of which 500k cached: 500k × $2.50 + 500k × $1.25.
    close(
      book.cost(ORG, 'openai', 'gpt-4o', { inputTokens: M, outputTokens: 0, cachedReadTokens: M / 2 }, at),
      1.875,
    )
  })

  it('Anthropic cache writes and reads at their own rates', () => {
    // claude-sonnet-4: $3 input, $3.75 cache write, $0.30 cache read, $15 output.
    const usage = { inputTokens: M, outputTokens: 0, cachedReadTokens: 500_000, cacheWriteTokens: 200_000 }
    close(
      book.cost(ORG, 'anthropic', 'claude-sonnet-4-20250514', usage, at),
      0.3 * 3 + 0.5 * 0.3 + 0.2 * 3.75,
    )
  })

  it('Anthropic-style usage that reports cache tokens outside the input count is not under-billed', () => {
    const usage = {
      inputTokens: 300_000,
      outputTokens: 0,
      cachedReadTokens: 500_000,
      cacheWriteTokens: 200_000,
    }
    close(
      book.cost(ORG, 'anthropic', 'claude-sonnet-4-20250514', usage, at),
      0.3 * 3 + 0.5 * 0.3 + 0.2 * 3.75,
    )
  })

  it('reasoning tokens are output tokens: o3-mini bills them at the output rate', () => {
    // $1.10 input, $4.40 output; 400k of the 1M output tokens are reasoning.
    close(
      book.cost(ORG, 'openai', 'o3-mini', { inputTokens: M, outputTokens: M, reasoningTokens: 400_000 }, at),
      1.1 + 4.4,
    )
  })

  it('maps provider kinds to the dataset (gemini → google, bedrock → aws, azure-openai → azure)', () => {
    expect(
      book.cost(ORG, 'gemini', 'gemini-2.5-flash', { inputTokens: 1000, outputTokens: 1000 }, at),
    ).toBeGreaterThan(0)
    expect(
      book.cost(ORG, 'azure-openai', 'gpt-4o', { inputTokens: 1000, outputTokens: 1000 }, at),
    ).toBeCloseTo(0.0125, 9)
  })

  it('agrees with the dataset library itself (tiers, time-of-day and start-date prices)', () => {
    const cases: [string, string, string, number][] = [
      ['openai', 'openai', 'gpt-4o-mini', at],
      ['openai', 'openai', 'o3', at],
      ['anthropic', 'anthropic', 'claude-3-5-haiku-latest', at],
      ['gemini', 'google', 'gemini-2.5-pro', at],
      ['deepseek', 'deepseek', 'deepseek-chat', Date.UTC(2025, 6, 1, 3)],
      ['deepseek', 'deepseek', 'deepseek-chat', Date.UTC(2025, 6, 1, 18)],
      ['mistral', 'mistral', 'mistral-large-latest', at],
    ]
    for (const [kind, providerId, model, when] of cases) {
      for (const input of [1000, 300_000]) {
        const usage = { inputTokens: input, outputTokens: 2000, cachedReadTokens: 400 }
        const lib = calcPrice({ input_tokens: input, output_tokens: 2000, cache_read_tokens: 400 }, model, {
          providerId,
          timestamp: new Date(when),
        })
        expect(lib, `${providerId}/${model}`).not.toBeNull()
        expect(book.cost(ORG, kind, model, usage, when), `${providerId}/${model} @${input}`).toBeCloseTo(
          lib!.total_price,
          12,
        )
      }
    }
    // Long-context tier: gemini-2.5-pro costs more per token past 200k input tokens.
    const small = book.cost(ORG, 'gemini', 'gemini-2.5-pro', { inputTokens: 100_000, outputTokens: 0 }, at)!
    const large = book.cost(ORG, 'gemini', 'gemini-2.5-pro', { inputTokens: 300_000, outputTokens: 0 }, at)!
    expect(large / 300_000).toBeGreaterThan(small / 100_000)
  })

  it('unknown model or local provider → null, never 0', () => {
    expect(
      book.cost(ORG, 'openai', 'no-such-model-xyz', { inputTokens: 10, outputTokens: 10 }, at),
    ).toBeNull()
    expect(book.cost(ORG, 'ollama', 'llama3.1:8b', { inputTokens: 10, outputTokens: 10 }, at)).toBeNull()
    expect(book.quote(ORG, 'ollama', 'llama3.1:8b')).toBeNull()
  })
})

describe('price book — org overrides', () => {
  it('prices a local model, with cached and reasoning rates (golden)', () => {
    const p = { input: 2, output: 8, cachedRead: 0.5, cacheWrite: 2.5, reasoning: 3 }
    // 1M input: 600k uncached × 2 + 300k read × 0.5 + 100k write × 2.5; 1M output: 600k × 8 + 400k × 3.
    const usage = {
      inputTokens: M,
      outputTokens: M,
      cachedReadTokens: 300_000,
      cacheWriteTokens: 100_000,
      reasoningTokens: 400_000,
    }
    expect(costWith(p, usage)).toBeCloseTo(1.2 + 0.15 + 0.25 + 4.8 + 1.2, 9)
  })

  it('overrides beat the dataset, follow effective dates, and fall back by model and provider', () => {
    const book = new OverridePriceBook()
    book.load([
      override({
        provider: 'openai',
        model: 'gpt-4o',
        input: 1,
        output: 1,
        effective_from: 1000,
        effective_to: 2000,
      }),
      override({ provider: 'openai', model: 'gpt-4o', input: 5, output: 5, effective_from: 2000 }),
      override({ provider: 'ollama', model: '*', input: 0, output: 0 }),
      override({ provider: '*', model: 'sovereign-large', input: 4, output: 4 }),
    ])
    const u = { inputTokens: M, outputTokens: M }
    expect(book.cost(ORG, 'openai', 'gpt-4o', u, 500)).toBeCloseTo(12.5, 9) // before any override: dataset
    expect(book.cost(ORG, 'openai', 'gpt-4o', u, 1500)).toBeCloseTo(2, 9)
    expect(book.cost(ORG, 'openai', 'gpt-4o', u, 2500)).toBeCloseTo(10, 9)
    expect(book.cost(ORG, 'ollama', 'anything', u, 2500)).toBe(0) // priced at zero on purpose
    expect(book.cost(ORG, 'mistral', 'sovereign-large', u, 2500)).toBeCloseTo(8, 9)
    expect(book.cost('org_other', 'ollama', 'anything', u, 2500)).toBeNull() // other orgs unaffected
  })
})
