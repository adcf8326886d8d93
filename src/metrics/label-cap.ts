/**
 * Bounds the values of a metric label that callers choose. The upstream model of a gateway
 * call is whatever follows `<credential>/` in the request, so keying series by it let any
 * token holder create a label set per request: every scrape, and the process's memory, grew
 * without end. A value gets a label of its own once it proved genuine — an upstream served a
 * call with it, or the configuration names it (a route's target) — and while fewer than `max`
 * values have one; everything else is `other`.
 * @module
 */
import type { Registry } from 'prom-client'

/** Distinct model names that may appear as label values, per process. */
export const MAX_MODEL_LABELS = 200

export const OTHER_LABEL = 'other'

export class LabelCap {
  #known = new Set<string>()
  #recognised: (value: string) => boolean = () => false

  constructor(private readonly max: number) {}

  /** Values the configuration names are genuine whatever the call's outcome. */
  recognise(pred: (value: string) => boolean): void {
    this.#recognised = pred
  }

  /**
   * The label for `value`: itself if admitted earlier, or now when `genuine` and there is
   * room; otherwise `other`. Refused or failed calls never admit (an upstream's 404 for a made
   * up model name is the common case of the attack).
   */
  label(value: string, genuine: boolean): string {
    if (this.#known.has(value)) return value
    if ((genuine || this.#recognised(value)) && this.#known.size < this.max) {
      this.#known.add(value)
      return value
    }
    return OTHER_LABEL
  }

  get size(): number {
    return this.#known.size
  }
}

const perRegistry = new WeakMap<Registry, LabelCap>()

/**
 * The model-label cap of a registry: one per runtime, shared by every metric that labels by
 * model (usage metrics admit models, the breaker gauge only reuses admitted ones).
 */
export function modelLabels(registry: Registry): LabelCap {
  let cap = perRegistry.get(registry)
  if (!cap) {
    cap = new LabelCap(MAX_MODEL_LABELS)
    perRegistry.set(registry, cap)
  }
  return cap
}
