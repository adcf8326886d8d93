/**
 * A labelled Prometheus histogram whose per-request `observe` is an array increment. A
 * prom-client Histogram builds a label key string, validates the labels and allocates on
 * every observation (through `labels()` children too); the gateway observes three per call.
 * Here each label set has a cached child holding its bucket counts, and the registry reads
 * them at scrape time through prom-client's metric contract (`get` / `getForPromString`), so
 * the exposition format stays prom-client's. Same output as a prom-client Histogram fed the
 * same values (test/metrics/child-histogram.test.ts).
 * @module
 */
import type { Histogram, Registry } from 'prom-client'

export interface HistogramChild {
  observe(value: number): void
}

class Child implements HistogramChild {
  /** Non-cumulative counts per bucket; the last slot counts values above every bound. */
  readonly counts: Float64Array
  sum = 0
  count = 0
  constructor(
    readonly labels: Record<string, string>,
    readonly bounds: readonly number[],
  ) {
    this.counts = new Float64Array(bounds.length + 1)
  }
  observe(value: number): void {
    if (!Number.isFinite(value)) return
    const b = this.bounds
    let i = 0
    while (i < b.length && value > b[i]!) i++
    this.counts[i]! += 1
    this.sum += value
    this.count += 1
  }
}

interface Value {
  labels: Record<string, string | number>
  sharedLabels?: Record<string, string>
  value: number
  metricName: string
}

interface Exported {
  name: string
  help: string
  type: 'histogram'
  values: Value[]
  aggregator: 'sum'
}

export interface ChildHistogramConfig<T extends string> {
  name: string
  help: string
  labelNames: readonly T[]
  buckets: readonly number[]
  registers: Registry[]
}

/** At most this many label sets. */
const MAX_CHILDREN = 10_000

export class ChildHistogram<T extends string> {
  readonly name: string
  readonly help: string
  readonly type = 'histogram' as const
  readonly aggregator = 'sum' as const
  readonly #names: readonly T[]
  readonly #bounds: readonly number[]
  #children = new Map<string, Child>()

  constructor(config: ChildHistogramConfig<T>) {
    this.name = config.name
    this.help = config.help
    this.#names = config.labelNames
    this.#bounds = [...config.buckets].sort((a, b) => a - b)
    for (const r of config.registers) r.registerMetric(this as unknown as Histogram<T>)
  }

  /** The child for these label values, in `labelNames` order (one to three labels). */
  child(a: string, b?: string, c?: string): HistogramChild {
    const n = this.#names.length
    // One label: no key to build; more: one short string (prom-client builds one per observe).
    const key = n === 1 ? a : n === 2 ? `${a}\u0000${b}` : `${a}\u0000${b}\u0000${c}`
    let child = this.#children.get(key)
    if (!child) {
      // Labels are enums and ids; a runaway label set is dropped rather than grown without end.
      if (this.#children.size >= MAX_CHILDREN) return NOOP
      const labels: Record<string, string> = {}
      const values = [a, b, c]
      this.#names.forEach((name, i) => {
        labels[name] = values[i] ?? ''
      })
      child = new Child(labels, this.#bounds)
      this.#children.set(key, child)
    }
    return child
  }

  /** As prom-client's Histogram#get: label sets merged into each value's labels. */
  async get(): Promise<Exported> {
    const data = this.getForPromString()
    return {
      ...data,
      values: data.values.map(({ sharedLabels, ...v }) => ({
        ...v,
        labels: { ...v.labels, ...sharedLabels },
      })),
    }
  }

  /** As prom-client's Histogram#getForPromString: `le` first, then the child's labels. */
  getForPromString(): Exported {
    const values: Value[] = []
    const bucket = `${this.name}_bucket`
    for (const c of this.#children.values()) {
      let acc = 0
      this.#bounds.forEach((le, i) => {
        acc += c.counts[i]!
        values.push({ labels: { le }, sharedLabels: c.labels, value: acc, metricName: bucket })
      })
      values.push({ labels: { le: '+Inf' }, sharedLabels: c.labels, value: c.count, metricName: bucket })
      values.push({ labels: {}, sharedLabels: c.labels, value: c.sum, metricName: `${this.name}_sum` })
      values.push({ labels: {}, sharedLabels: c.labels, value: c.count, metricName: `${this.name}_count` })
    }
    return { name: this.name, help: this.help, type: this.type, values, aggregator: this.aggregator }
  }

  reset(): void {
    this.#children.clear()
  }
}

const NOOP: HistogramChild = { observe() {} }
