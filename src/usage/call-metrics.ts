/**
 * Usage metrics on the runtime registry, by provider, upstream model and credential id
 * (never by user: unbounded and personal). Model names are chosen by callers, so they pass
 * through the registry's label cap (metrics/label-cap.ts): unknown ones count as `other`.
 * The gateway's own metrics count requests per
 * endpoint; these add model/credential breakdowns, cost and the writer's health.
 * @module
 */
import { Gauge, type Registry } from 'prom-client'
import type { CallEvent } from '../gateway/spec/v1/call-event.js'
import { ChildHistogram } from '../metrics/child-histogram.js'
import { ChildCounter } from '../metrics/counter-children.js'
import { modelLabels } from '../metrics/label-cap.js'

type L = 'provider' | 'model' | 'credential_id'

export interface WriterProbe {
  depth: number
  journalBytes: number
  errors: number
}

export function createCallMetrics(registry: Registry, probe: () => WriterProbe): (e: CallEvent) => void {
  const labels = ['provider', 'model', 'credential_id'] as const
  const models = modelLabels(registry)
  const requests = new ChildCounter<L | 'status'>({
    name: 'latchkey_usage_requests_total',
    help: 'Metered calls by provider, model, credential and status',
    labelNames: [...labels, 'status'],
    registers: [registry],
  })
  const tokens = new ChildCounter<L | 'kind'>({
    name: 'latchkey_usage_tokens_total',
    help: 'Tokens by provider, model, credential and kind (input, output, cached_read, cache_write, reasoning)',
    labelNames: [...labels, 'kind'],
    registers: [registry],
  })
  const cost = new ChildCounter<L>({
    name: 'latchkey_usage_cost_usd_total',
    help: 'Cost in USD of priced calls',
    labelNames: labels,
    registers: [registry],
  })
  const unpriced = new ChildCounter<L>({
    name: 'latchkey_usage_unpriced_calls_total',
    help: 'Calls with usage but no known price (cost recorded as null): add a price override',
    labelNames: labels,
    registers: [registry],
  })
  const latency = new ChildHistogram<L>({
    name: 'latchkey_usage_latency_seconds',
    help: 'Call latency by provider, model and credential',
    labelNames: labels,
    buckets: [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120],
    registers: [registry],
  })
  const ttft = new ChildHistogram<L>({
    name: 'latchkey_usage_ttfb_seconds',
    help: 'Time to first token (streams) by provider, model and credential',
    labelNames: labels,
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30],
    registers: [registry],
  })
  new Gauge({
    name: 'latchkey_usage_writer_queue_depth',
    help: 'Call records waiting for the database (memory queue + journal only)',
    registers: [registry],
    collect() {
      this.set(probe().depth)
    },
  })
  new Gauge({
    name: 'latchkey_usage_journal_bytes',
    help: 'Bytes in the local usage journal not yet known to be in the database',
    registers: [registry],
    collect() {
      this.set(probe().journalBytes)
    },
  })
  new Gauge({
    name: 'latchkey_usage_writer_errors',
    help: 'Failed database writes of the usage writer since start (retried from the journal)',
    registers: [registry],
    collect() {
      this.set(probe().errors)
    },
  })

  return function observeCall(e: CallEvent) {
    const provider = e.provider ?? 'none'
    const model = models.label((e.model ?? 'none').slice(0, 100), e.status === 'ok')
    const credentialId = e.credentialId ?? 'none'
    requests.child(provider, model, credentialId, e.status).inc()
    latency.child(provider, model, credentialId).observe(e.latencyMs / 1000)
    if (e.ttftMs != null) ttft.child(provider, model, credentialId).observe(e.ttftMs / 1000)
    const u = e.usage
    if (!u) return
    const add = (kind: string, v: number | undefined) => {
      if (v && v > 0) tokens.child(provider, model, credentialId, kind).inc(v)
    }
    add('input', u.inputTokens)
    add('output', u.outputTokens)
    add('cached_read', u.cachedReadTokens)
    add('cache_write', u.cacheWriteTokens)
    add('reasoning', u.reasoningTokens)
    if (typeof e.costUsd === 'number') cost.child(provider, model, credentialId).inc(e.costUsd)
    else unpriced.child(provider, model, credentialId).inc()
  }
}
