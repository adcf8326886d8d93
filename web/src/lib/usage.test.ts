import { describe, expect, it } from 'vitest'
import type { UsageRow } from '../api/types.js'
import { toCsv } from './csv.js'
import { count, usd } from './format.js'
import { groupModels } from './models.js'
import { budgetLevel, byKey, toSeries, totals } from './usage.js'

const row = (key: string, day: string | null, costUsd: number, tokens = 10): UsageRow => ({
  key,
  ...(day ? { bucket: day } : {}),
  requests: 1,
  inputTokens: tokens,
  outputTokens: tokens,
  costUsd,
})

describe('usage series', () => {
  it('pivots bucketed rows into aligned series, zero-filling gaps', () => {
    const rows = [row('a', '2026-01-01', 1), row('b', '2026-01-01', 2), row('a', '2026-01-02', 3)]
    const s = toSeries(rows, 'costUsd')!
    expect(s.keys).toEqual(['a', 'b'])
    expect(s.xs).toEqual([Date.parse('2026-01-01') / 1000, Date.parse('2026-01-02') / 1000])
    expect(s.ys).toEqual([
      [1, 3],
      [2, 0],
    ])
  })

  it('folds the long tail into "other" and has no series without time buckets', () => {
    const rows = ['a', 'b', 'c'].map((k, i) => row(k, '2026-01-01', 3 - i))
    expect(toSeries(rows, 'costUsd', 2)!.keys).toEqual(['a', 'b', 'other'])
    expect(toSeries([row('a', null, 1)], 'costUsd')).toBeNull()
  })

  it('totals and per-key sums', () => {
    const rows = [row('a', '2026-01-01', 1), row('a', '2026-01-02', 2), row('b', null, 5)]
    expect(byKey(rows).map((r) => [r.key, r.costUsd, r.requests])).toEqual([
      ['b', 5, 1],
      ['a', 3, 2],
    ])
    expect(totals(rows)).toEqual({ requests: 3, inputTokens: 30, outputTokens: 30, costUsd: 8 })
    expect(budgetLevel(85, 100)).toEqual({ ratio: 0.85, tone: 'warn' })
    expect(budgetLevel(100, 100).tone).toBe('bad')
  })
})

describe('csv', () => {
  it('quotes and neutralises spreadsheet formulas', () => {
    expect(toCsv([{ a: '=HYPERLINK("x")', b: 'x,y', c: -3 }])).toBe(
      'a,b,c\r\n"\'=HYPERLINK(""x"")","x,y",-3\r\n',
    )
  })
})

describe('format / models', () => {
  it('formats money and counts', () => {
    expect(usd(0.00042)).toBe('$0.00042')
    expect(usd(0.005)).toBe('$0.005')
    expect(usd(0.000001)).toBe('$0.000001')
    expect(usd(1234.5)).toBe('$1,234.50')
    expect(count(12_345)).toBe('12.3k')
    expect(usd(null)).toBe('—')
  })

  it('groups models by category, from the model or its credential', () => {
    const g = groupModels(
      [{ id: 'local-llm/llama' }, { id: 'oa/gpt' }, { id: 'm/x', category: 'sovereign' }, { id: 'alias' }],
      [
        { id: '1', name: 'oa', provider: 'openai', category: 'frontier' },
        { id: '2', name: 'local-llm', provider: 'ollama', category: 'local' },
      ],
    )
    expect(g.map((x) => [x.category, x.models.map((m) => m.id)])).toEqual([
      ['frontier', ['oa/gpt']],
      ['sovereign', ['m/x']],
      ['local', ['local-llm/llama']],
      ['other', ['alias']],
    ])
  })
})

describe('labels and prices', () => {
  it('names usage keys and keeps unknown ids', async () => {
    const { labelFor } = await import('./key-labels.js')
    const labels = new Map([['cred_1', 'openai-prod']])
    expect(labelFor(labels, 'cred_1')).toBe('openai-prod')
    expect(labelFor(labels, 'cred_2')).toBe('cred_2')
    expect(labelFor(labels, '(none)')).toBe('none')
  })

  it('prices tokens per million', async () => {
    const { priceTokens } = await import('./cost.js')
    expect(priceTokens({ input: 2.5, output: 10 }, 1_000_000, 500_000)).toBe(7.5)
  })
})
