import { Registry } from 'prom-client'
import { describe, expect, it } from 'vitest'
import { ChildCounter } from '../../src/metrics/counter-children.js'

describe('ChildCounter', () => {
  it('adds what its children counted when the registry collects, per label set', async () => {
    const registry = new Registry()
    const c = new ChildCounter({
      name: 't_total',
      help: 'h',
      labelNames: ['provider', 'status'] as const,
      registers: [registry],
    })
    c.child('openai', 'ok').inc()
    c.child('openai', 'ok').inc(2)
    c.child('openai', 'error').inc()
    c.child('anthropic', 'ok').inc(0.5)
    const text = await registry.metrics()
    expect(text).toContain('t_total{provider="openai",status="ok"} 3')
    expect(text).toContain('t_total{provider="openai",status="error"} 1')
    expect(text).toContain('t_total{provider="anthropic",status="ok"} 0.5')
    // Folded once: a second scrape without new increments reports the same totals.
    c.child('openai', 'ok').inc()
    const again = await registry.metrics()
    expect(again).toContain('t_total{provider="openai",status="ok"} 4')
    expect(again).toContain('t_total{provider="openai",status="error"} 1')
  })

  it('keeps one cached child per label set and works with a single label', async () => {
    const registry = new Registry()
    const c = new ChildCounter({
      name: 'one_total',
      help: 'h',
      labelNames: ['k'] as const,
      registers: [registry],
    })
    expect(c.child('a')).toBe(c.child('a'))
    expect(c.child('a')).not.toBe(c.child('b'))
    c.child('a').inc(7)
    expect(await registry.metrics()).toContain('one_total{k="a"} 7')
  })
})
