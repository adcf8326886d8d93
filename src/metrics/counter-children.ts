/**
 * Labelled prom-client counters whose per-request increments are plain additions. prom-client
 * turns the label object into a string key on every `inc` (even through `labels()`
 * children), a few hundred nanoseconds and an allocation each, several times per gateway
 * call. Here each label set has a cached child that accumulates locally; the sums are added
 * to the prom-client counter when the registry collects (a scrape), so the exposition, the
 * registry and the metric itself stay prom-client's.
 * @module
 */
import { Counter, type CounterConfiguration } from 'prom-client'

export interface CounterChild {
  inc(value?: number): void
}

class Child implements CounterChild {
  pending = 0
  constructor(readonly labels: Record<string, string>) {}
  inc(value = 1): void {
    this.pending += value
  }
}

/** Children by label values, nested one Map per label: no key string is built per call. */
type Level = Map<string, Level | Child>

/** At most this many label sets are kept; past it the cache starts over (labels are bounded enums and ids). */
const MAX_CHILDREN = 10_000

export class ChildCounter<T extends string> {
  readonly counter: Counter<T>
  readonly #names: readonly T[]
  #root: Level = new Map()
  #all: Child[] = []

  constructor(config: Omit<CounterConfiguration<T>, 'collect'> & { labelNames: readonly T[] }) {
    this.#names = config.labelNames
    const fold = () => this.#fold()
    this.counter = new Counter<T>({ ...config, collect: fold })
  }

  /** The child for these label values, in `labelNames` order (up to four labels). */
  child(a: string, b?: string, c?: string, d?: string): CounterChild {
    const n = this.#names.length
    let level: Level = this.#root
    for (let i = 0; i < n; i++) {
      const v = (i === 0 ? a : i === 1 ? b : i === 2 ? c : d) ?? ''
      const next = level.get(v)
      if (next instanceof Child) return next
      if (next) {
        level = next
        continue
      }
      return this.#add(a, b, c, d)
    }
    throw new Error('counter children need at least one label')
  }

  #add(a: string, b?: string, c?: string, d?: string): CounterChild {
    if (this.#all.length >= MAX_CHILDREN) {
      this.#fold()
      this.#root = new Map()
      this.#all = []
    }
    const values = [a, b, c, d].slice(0, this.#names.length).map((v) => v ?? '')
    const labels: Record<string, string> = {}
    let level = this.#root
    for (let i = 0; i < values.length - 1; i++) {
      let next = level.get(values[i]!) as Level | undefined
      if (!next) {
        next = new Map()
        level.set(values[i]!, next)
      }
      level = next
    }
    values.forEach((v, i) => {
      labels[this.#names[i]!] = v
    })
    const child = new Child(labels)
    level.set(values[values.length - 1]!, child)
    this.#all.push(child)
    return child
  }

  #fold(): void {
    for (const c of this.#all) {
      if (c.pending === 0) continue
      this.counter.inc(c.labels as Partial<Record<T, string>>, c.pending)
      c.pending = 0
    }
  }
}
