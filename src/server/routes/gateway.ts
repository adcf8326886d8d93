/**
 * The OpenAI-compatible gateway endpoints: POST /v1/chat/completions, /v1/embeddings,
 * /v1/responses and GET /v1/models. Bodies are not schema-validated here (that would strip
 * unknown fields the upstream needs); the gateway checks the few fields it relies on.
 * The POST handlers are exchanges (server/gateway-exchange.ts): the same code serves the
 * Fastify routes and the raw fast path.
 * @module
 */
import type { FastifyInstance } from 'fastify'
import type { ListedModel } from '../../gateway/models.js'
import type { Endpoint } from '../../gateway/provider-adapter.js'
import { relayStream } from '../../gateway/stream-relay.js'
import { type ExchangeHandler, fastifyRoute, pickHeaders } from '../gateway-exchange.js'
import { principalOf } from '../plugins/auth.js'
import type { Runtime } from '../runtime.js'
import { messagesExchange } from './messages.js'

/** Client headers passed upstream (beta opt-ins); everything else, auth above all, stays here. */
const FORWARD = ['openai-beta'] as const

function callExchange(rt: Runtime, endpoint: Endpoint): ExchangeHandler {
  return async function gatewayCall(x) {
    const r = await rt.gateway.gateway.call({
      endpoint,
      body: x.body as Record<string, unknown>,
      bodyBytes: x.bodyBytes,
      principal: x.principal,
      requestId: x.requestId,
      signal: x.gone,
      forwardHeaders: pickHeaders(x.headers, FORWARD),
    })
    if (r.kind === 'json') return { status: r.status, headers: r.headers, body: r.text }
    await relayStream(r, x.res, x.takeOver(), x.t0)
    return null
  }
}

/** The gateway's POST endpoints by path: one table for the Fastify routes and the fast path. */
export function gatewayExchanges(rt: Runtime): ReadonlyMap<string, ExchangeHandler> {
  return new Map([
    ['/v1/chat/completions', callExchange(rt, 'chat')],
    ['/v1/embeddings', callExchange(rt, 'embeddings')],
    ['/v1/responses', callExchange(rt, 'responses')],
    ['/v1/messages', messagesExchange(rt)],
  ])
}

export async function gatewayRoutes(app: FastifyInstance, rt: Runtime): Promise<void> {
  const opts = { schema: { hide: true } }
  for (const [path, handler] of gatewayExchanges(rt)) app.post(path, opts, fastifyRoute(handler))

  app.get('/v1/models', opts, async function listModels(req) {
    const p = principalOf(req)
    const models = await rt.gateway.catalog.list(p)
    if (req.headers['anthropic-version']) {
      // Anthropic's list shape, for clients configured with an Anthropic SDK.
      const data = models.map((m) => ({
        type: 'model',
        id: m.id,
        display_name: m.id,
        created_at: new Date(m.created * 1000).toISOString(),
        ...latchkeyFields(m),
      }))
      return { data, has_more: false, first_id: data[0]?.id ?? null, last_id: data.at(-1)?.id ?? null }
    }
    return {
      object: 'list',
      data: models.map((m) => ({
        id: m.id,
        object: 'model',
        created: m.created,
        owned_by: m.ownedBy,
        ...latchkeyFields(m),
      })),
    }
  })
}

/** What Latchkey adds to each list entry (SDKs keep unknown fields): mode, capabilities, origin. */
function latchkeyFields(m: ListedModel) {
  return {
    mode: m.mode,
    capabilities: m.capabilities,
    ...(m.credential !== undefined
      ? { credential: m.credential, provider: m.provider, category: m.category, region: m.region ?? null }
      : {}),
    ...(m.contextWindow !== undefined ? { context_window: m.contextWindow } : {}),
  }
}
