/**
 * Wires the gateway into the runtime: routes cache, egress, breakers, limits, metrics,
 * adapters, and `rt.invoke` for workflows and compare.
 * @module
 */
import { EgressService } from '../egress/egress-service.js'
import { newId } from '../identity/secrets.js'
import { modelLabels } from '../metrics/label-cap.js'
import { openAICompatibleAdapter } from '../providers/openai-compatible/openai-compatible-adapter.js'
import type { Runtime } from '../server/runtime.js'
import { sharedBreakerStore } from '../state/breaker-store.js'
import { Breakers, DEFAULT_BREAKER } from './breaker.js'
import { Gateway } from './gateway.js'
import { RateLimiter } from './limits.js'
import { createGatewayMetrics } from './metrics.js'
import { ModelCatalog } from './models.js'
import { adapterFor, registerAdapter } from './provider-adapter.js'
import { RoutesStore } from './routes-store.js'
import type { Invoke } from './spec/v1/index.js'

export interface GatewayService {
  gateway: Gateway
  routes: RoutesStore
  egress: EgressService
  breakers: Breakers
  catalog: ModelCatalog
}

export async function setupGateway(rt: Runtime): Promise<void> {
  // The OpenAI-wire pass-through; translation adapters are registered by the provider layer
  // (src/providers/registry.ts, its own SETUP step) through bridgeTranslationAdapter.
  if (!adapterFor('openai')) registerAdapter(openAICompatibleAdapter)
  // Org egress modes and limits come from rt.settings (one in-memory copy, env-capped).
  const egress = new EgressService(rt.config, rt.settings)
  const routes = new RoutesStore(rt.db, rt.bus)
  await routes.reload()
  const metrics = createGatewayMetrics(rt.metrics)
  // Models a route names keep their metric label even before a call succeeds.
  modelLabels(rt.metrics).recognise((m) => routes.namesModel(m))
  const breakers = new Breakers(
    DEFAULT_BREAKER,
    (id, model, s) => metrics.breakerState(id, model, s),
    rt.clock,
    await sharedBreakerStore(rt),
  )
  const gateway = new Gateway({
    // Seams are read at call time: later setups (vault, usage) replace them on the runtime.
    credentials: () => rt.credentials,
    budget: () => rt.budget,
    prices: () => rt.prices,
    calls: () => rt.calls,
    routes,
    egress,
    breakers,
    limiter: new RateLimiter(rt.counters, rt.settings, rt.clock),
    metrics,
    content: () => rt.usage?.content,
  })
  const catalog = new ModelCatalog(() => rt.credentials, egress, routes)
  rt.gateway = { gateway, routes, egress, breakers, catalog }
  rt.invoke = createInvoke(gateway)
  rt.onClose({ name: 'gateway egress pools', close: () => egress.close() })
}

/** In-process chat call: same routing, limits, budgets and metering as POST /v1/chat/completions. */
export function createInvoke(gateway: Gateway): Invoke {
  return async (request, ctx) => {
    const { stream: _stream, stream_options: _so, ...body } = request
    const r = await gateway.call({
      endpoint: 'chat',
      body: { ...body, stream: false },
      principal: ctx.principal,
      requestId: ctx.requestId ?? newId('req'),
      workspaceId: ctx.workspaceId ?? ctx.principal.workspaceId,
      signal: ctx.signal ?? new AbortController().signal,
      meterEndpoint: 'invoke',
      runId: ctx.runId ?? null,
      stepId: ctx.stepId ?? null,
      workflowId: ctx.workflowId ?? null,
      alsoUsableBy: ctx.alsoUsableBy,
    })
    if (r.kind !== 'json') throw new Error('invoke: unexpected stream')
    return {
      response: r.json as Record<string, unknown>,
      usage: r.usage,
      costUsd: r.costUsd,
      credentialId: r.target.credential.credentialId,
      provider: r.target.credential.provider,
      model: r.target.upstreamModel,
      latencyMs: r.latencyMs,
      attempts: r.attempts,
    }
  }
}
