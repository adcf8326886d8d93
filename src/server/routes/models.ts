/**
 * `GET /api/v1/models`: the gateway's model discovery (the same catalog `GET /v1/models`
 * lists, every credential kind, aliases included) with what the Models page shows beside
 * each entry: the price in force for the caller's org and the context window where the
 * provider's list or the bundled price dataset knows one.
 * @module
 */
import type { FastifyInstance } from 'fastify'
import { z } from 'zod'
import type { ListedModel } from '../../gateway/models.js'
import { authorize } from '../../identity/authorize.js'
import type { OverridePriceBook as PriceBook } from '../../usage/price-book.js'
import { principalOf } from '../plugins/auth.js'
import type { Runtime } from '../runtime.js'

const Price = z.object({
  source: z.enum(['override', 'dataset']),
  input: z.number(),
  output: z.number(),
  cachedRead: z.number().nullable(),
})

const Entry = z.object({
  id: z.string(),
  kind: z.enum(['model', 'route']),
  credential: z.string().nullable(),
  provider: z.string().nullable(),
  category: z.string().nullable(),
  region: z.string().nullable(),
  upstreamModel: z.string().nullable(),
  mode: z.string(),
  capabilities: z.array(z.string()),
  contextWindow: z.number().nullable(),
  price: Price.nullable(),
})

/** One catalog entry with its org price and window (routes have neither: their targets do). */
export function describeModel(prices: PriceBook, orgId: string, m: ListedModel): z.infer<typeof Entry> {
  if (m.credential === undefined || m.provider === undefined) {
    return {
      id: m.id,
      kind: 'route',
      credential: null,
      provider: null,
      category: null,
      region: null,
      upstreamModel: null,
      mode: m.mode,
      capabilities: m.capabilities,
      contextWindow: null,
      price: null,
    }
  }
  const upstream = m.id.slice(m.credential.length + 1)
  const q = prices.quote(orgId, m.provider, upstream)
  return {
    id: m.id,
    kind: 'model',
    credential: m.credential,
    provider: m.provider,
    category: m.category ?? null,
    region: m.region ?? null,
    upstreamModel: upstream,
    mode: m.mode,
    capabilities: m.capabilities,
    contextWindow: m.contextWindow ?? prices.contextWindow(m.provider, upstream),
    price: q?.prices
      ? { source: q.source, input: q.prices.input, output: q.prices.output, cachedRead: q.prices.cachedRead }
      : null,
  }
}

export async function modelRoutes(app: FastifyInstance, rt: Runtime): Promise<void> {
  app.get(
    '/api/v1/models',
    {
      schema: {
        tags: ['models'],
        summary: 'Models the caller may use, with capabilities, context window and price',
        response: { 200: z.object({ data: z.array(Entry) }) },
      },
    },
    async (req) => {
      const p = principalOf(req)
      authorize(p, 'credentials:read', { orgId: p.orgId })
      const models = await rt.gateway.catalog.list(p)
      return { data: models.map((m) => describeModel(rt.usage.prices, p.orgId, m)) }
    },
  )
}
