/**
 * The OpenAI-compatible gateway endpoints: POST /v1/chat/completions, /v1/embeddings,
 * /v1/responses and GET /v1/models. Bodies are not schema-validated here (that would strip
 * unknown fields the upstream needs); the gateway checks the few fields it relies on.
 * @module
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { Endpoint } from '../../gateway/provider-adapter.js'
import { relayStream } from '../../gateway/stream-relay.js'
import { principalOf } from '../plugins/auth.js'
import type { Runtime } from '../runtime.js'

/** Client headers passed upstream (beta opt-ins); everything else, auth above all, stays here. */
const FORWARD = ['openai-beta']

export async function gatewayRoutes(app: FastifyInstance, rt: Runtime): Promise<void> {
  const opts = { schema: { hide: true } }
  const handle = (endpoint: Endpoint) =>
    async function gatewayCall(req: FastifyRequest, reply: FastifyReply) {
      const t0 = performance.now()
      const p = principalOf(req)
      const ac = new AbortController()
      // 'close' fires on a finished response too; only an unfinished one means the client left.
      reply.raw.on('close', () => {
        if (!reply.raw.writableFinished) ac.abort()
      })
      const forwardHeaders: Record<string, string> = {}
      for (const h of FORWARD) {
        const v = req.headers[h]
        if (typeof v === 'string') forwardHeaders[h] = v
      }
      const len = Number(req.headers['content-length'])
      const r = await rt.gateway.gateway.call({
        endpoint,
        body: req.body as Record<string, unknown>,
        bodyBytes: Number.isFinite(len) ? len : undefined,
        principal: p,
        requestId: String(req.id),
        signal: ac.signal,
        forwardHeaders,
      })
      if (r.kind === 'json') {
        return reply.status(r.status).headers(r.headers).type('application/json').send(r.text)
      }
      reply.hijack()
      await relayStream(r, reply.raw, reply.getHeaders(), t0)
    }

  app.post('/v1/chat/completions', opts, handle('chat'))
  app.post('/v1/embeddings', opts, handle('embeddings'))
  app.post('/v1/responses', opts, handle('responses'))

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
      }))
      return { data, has_more: false, first_id: data[0]?.id ?? null, last_id: data.at(-1)?.id ?? null }
    }
    return {
      object: 'list',
      data: models.map((m) => ({ id: m.id, object: 'model', created: m.created, owned_by: m.ownedBy })),
    }
  })
}
