import { Histogram, Registry } from 'prom-client'
import { describe, expect, it } from 'vitest'
import { ChildHistogram } from '../../src/metrics/child-histogram.js'

describe('ChildHistogram', () => {
  it('exposes exactly what a prom-client Histogram fed the same values does', async () => {
    const buckets = [0.005, 0.01, 0.1, 1, 10]
    const ours = new Registry()
    const theirs = new Registry()
    const h = new ChildHistogram({
      name: 'lat_seconds',
      help: 'Latency',
      labelNames: ['route', 'status'] as const,
      buckets,
      registers: [ours],
    })
    const p = new Histogram({
      name: 'lat_seconds',
      help: 'Latency',
      labelNames: ['route', 'status'] as const,
      buckets,
      registers: [theirs],
    })
    const values = [0, 0.005, 0.0051, 0.2, 1, 9.99, 10, 11, 250, 0.003]
    for (const [i, v] of values.entries()) {
      const route = i % 2 ? '/v1/chat/completions' : '/v1/messages'
      const status = i % 3 ? '200' : '429'
      h.child(route, status).observe(v)
      p.observe({ route, status }, v)
    }
    const sorted = (t: string) => t.split('\n').sort().join('\n')
    expect(sorted(await ours.metrics())).toBe(sorted(await theirs.metrics()))
    // Same JSON too (prom-client adds empty exemplar slots; order of label sets aside).
    const json = async (r: Registry) =>
      (await r.getMetricsAsJSON())[0]!.values
        .map((v) => JSON.stringify([(v as { metricName?: string }).metricName, v.labels, v.value]))
        .sort()
    expect(await json(ours)).toEqual(await json(theirs))
  })

  it('keeps one child per label set; a single label needs no key', async () => {
    const r = new Registry()
    const h = new ChildHistogram({
      name: 'one',
      help: 'h',
      labelNames: ['k'] as const,
      buckets: [1],
      registers: [r],
    })
    expect(h.child('a')).toBe(h.child('a'))
    h.child('a').observe(0.5)
    h.child('b').observe(2)
    const text = await r.metrics()
    expect(text).toContain('one_bucket{le="1",k="a"} 1')
    expect((await r.getMetricsAsJSON())[0]?.values[0]).toMatchObject({ labels: { le: 1, k: 'a' }, value: 1 })
    expect(text).toContain('one_bucket{le="+Inf",k="b"} 1')
    expect(text).toContain('one_sum{k="b"} 2')
    r.resetMetrics()
    expect(await r.metrics()).not.toContain('one_count{k="a"}')
  })
})
