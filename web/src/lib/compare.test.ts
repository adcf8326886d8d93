import { describe, expect, it } from 'vitest'
import { applyCompareEvent, emptyColumn, leaders } from './compare.js'

describe('applyCompareEvent', () => {
  it('routes multiplexed events to their columns and records timings, tokens and cost', () => {
    let cols = [emptyColumn('a/x'), emptyColumn('b/y')]
    const ev = (event: string, data: Record<string, unknown>) => {
      cols = applyCompareEvent(cols, { event, data })
    }
    ev('start', { column: 0 })
    ev('start', { column: 1 })
    ev('delta', { column: 1, text: 'B1', ttftMs: 40 })
    ev('delta', { column: 0, text: 'A1', ttftMs: 90 })
    ev('delta', { column: 0, text: 'A2' })
    ev('done', { column: 0, latencyMs: 300, costUsd: 0.002, usage: { inputTokens: 10, outputTokens: 4 } })
    ev('error', { column: 1, error: { message: 'rate limited by provider' }, latencyMs: 50 })
    expect(cols[0]).toMatchObject({
      text: 'A1A2',
      status: 'done',
      ttftMs: 90,
      latencyMs: 300,
      inputTokens: 10,
      outputTokens: 4,
      costUsd: 0.002,
    })
    expect(cols[1]).toMatchObject({ text: 'B1', status: 'error', error: 'rate limited by provider' })
  })

  it('maps a re-run stream (column 0) onto the column being re-run and ignores unknown columns', () => {
    const cols = [emptyColumn('a'), emptyColumn('b'), emptyColumn('c')]
    const next = applyCompareEvent(
      cols,
      { event: 'delta', data: { column: 0, text: 'hi' } },
      (i) => [2][i] ?? -1,
    )
    expect(next[2]!.text).toBe('hi')
    expect(next[0]!.text).toBe('')
    expect(applyCompareEvent(cols, { event: 'delta', data: { column: 7, text: 'x' } })).toBe(cols)
  })

  it('keeps column identity across a restart', () => {
    const c = emptyColumn('a')
    const [r] = applyCompareEvent([c], { event: 'start', data: { column: 0 } })
    expect(r!.key).toBe(c.key)
  })
})

describe('leaders', () => {
  it('finds the fastest and cheapest finished columns', () => {
    const cols = [
      { ...emptyColumn('a'), status: 'done' as const, latencyMs: 500, costUsd: 0.001 },
      { ...emptyColumn('b'), status: 'done' as const, latencyMs: 200, costUsd: 0.01 },
      { ...emptyColumn('c'), status: 'error' as const, latencyMs: 10 },
    ]
    expect(leaders(cols)).toEqual({ fastest: 1, cheapest: 0 })
    // A tie names nobody.
    expect(leaders([cols[0]!, { ...cols[0]!, key: 'x' }])).toEqual({ fastest: -1, cheapest: -1 })
  })
})
