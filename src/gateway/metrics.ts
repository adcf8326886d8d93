/**
 * Gateway metrics on the runtime's registry. Labels are ids and enums only (never names a
 * user typed into a prompt, never secrets).
 * @module
 */
import { Gauge, type Registry } from 'prom-client'
import { ChildHistogram } from '../metrics/child-histogram.js'
import { ChildCounter } from '../metrics/counter-children.js'
import { modelLabels } from '../metrics/label-cap.js'
import type { BreakerState } from './breaker.js'

export interface GatewayMetrics {
  requests: ChildCounter<'endpoint' | 'provider' | 'status'>
  attempts: ChildCounter<'provider' | 'outcome'>
  duration: ChildHistogram<'endpoint'>
  ttft: ChildHistogram<'endpoint'>
  tokens: ChildCounter<'provider' | 'direction'>
  breaker: Gauge<'credential_id' | 'model'>
  breakerState(credentialId: string, model: string, s: BreakerState): void
}

const STATE_VALUE: Record<BreakerState, number> = { closed: 0, half_open: 1, open: 2 }

export function createGatewayMetrics(registry: Registry): GatewayMetrics {
  const requests = new ChildCounter({
    name: 'latchkey_gateway_requests_total',
    help: 'Gateway calls by endpoint, provider and final status (ok, error, cancelled)',
    labelNames: ['endpoint', 'provider', 'status'] as const,
    registers: [registry],
  })
  const attempts = new ChildCounter({
    name: 'latchkey_gateway_attempts_total',
    help: 'Upstream attempts by provider and outcome (ok, retry, failover, stop, breaker_open)',
    labelNames: ['provider', 'outcome'] as const,
    registers: [registry],
  })
  const duration = new ChildHistogram({
    name: 'latchkey_gateway_request_duration_seconds',
    help: 'Gateway call latency, whole call (streams: until the last byte)',
    labelNames: ['endpoint'] as const,
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120],
    registers: [registry],
  })
  const ttft = new ChildHistogram({
    name: 'latchkey_gateway_time_to_first_token_seconds',
    help: 'Time from request to the first streamed event sent to the client',
    labelNames: ['endpoint'] as const,
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30],
    registers: [registry],
  })
  const tokens = new ChildCounter({
    name: 'latchkey_gateway_tokens_total',
    help: 'Tokens reported by upstreams, by provider and direction (input, output)',
    labelNames: ['provider', 'direction'] as const,
    registers: [registry],
  })
  const breaker = new Gauge({
    name: 'latchkey_gateway_breaker_state',
    help: 'Circuit breaker per credential and upstream model: 0 closed, 1 half-open, 2 open',
    labelNames: ['credential_id', 'model'] as const,
    registers: [registry],
  })
  // Only models the usage metrics admitted keep their name (breaker changes prove nothing).
  const models = modelLabels(registry)
  return {
    requests,
    attempts,
    duration,
    ttft,
    tokens,
    breaker,
    breakerState(credentialId, model, s) {
      breaker.set({ credential_id: credentialId, model: models.label(model, false) }, STATE_VALUE[s])
    },
  }
}
