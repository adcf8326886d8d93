/**
 * `/api/v1/prices`: org price overrides (USD per million tokens) for models the bundled
 * dataset lacks or prices differently (sovereign hosts, local servers, negotiated rates),
 * with effective dates; plus a lookup of the price in force for a provider/model.
 * @module
 */

import type { FastifyInstance } from 'fastify'
import { z } from 'zod'
import { actorEvent } from '../../audit/actor-event.js'
import type { PriceOverridesTable } from '../../db/tables/usage.js'
import { badRequest, notFound } from '../../errors/app-error.js'
import { authorize } from '../../identity/authorize.js'
import { newId } from '../../identity/secrets.js'
import { timeParam } from '../../usage/time-param.js'
import { principalOf } from '../plugins/auth.js'
import type { Runtime } from '../runtime.js'
import { deleteAudited } from './delete-audited.js'

const price = z.number().finite().min(0).max(100_000)
const time = z.union([z.number().int().min(0), timeParam])

const Create = z
  .strictObject({
    /** Provider kind (`openai`, `ollama`, …); omitted or `*` = any provider. */
    provider: z
      .string()
      .trim()
      .min(1)
      .max(64)
      .regex(/^[a-z0-9*][a-z0-9._-]*$/, 'expected a provider kind')
      .optional(),
    /** Upstream model id, or `*` for every model of the provider. */
    model: z.string().trim().min(1).max(300),
    input: price.optional(),
    output: price.optional(),
    inputPerMTok: price.optional(),
    outputPerMTok: price.optional(),
    cachedRead: price.nullable().optional(),
    cacheWrite: price.nullable().optional(),
    reasoning: price.nullable().optional(),
    effectiveFrom: time.optional(),
    effectiveTo: time.nullable().optional(),
  })
  .superRefine((b, ctx) => {
    if (b.input === undefined && b.inputPerMTok === undefined)
      ctx.addIssue({ code: 'custom', path: ['input'], message: 'required' })
    if (b.output === undefined && b.outputPerMTok === undefined)
      ctx.addIssue({ code: 'custom', path: ['output'], message: 'required' })
    if (b.provider === '*' && b.model === '*')
      ctx.addIssue({ code: 'custom', path: ['model'], message: 'give a provider or a model' })
  })

const LookupQuery = z.strictObject({ provider: z.string().min(1).max(64), model: z.string().min(1).max(300) })
const IdParams = z.strictObject({ id: z.string().min(1).max(300) })

function view(r: PriceOverridesTable) {
  return {
    id: r.id,
    provider: r.provider,
    model: r.model,
    input: r.input,
    output: r.output,
    inputPerMTok: r.input,
    outputPerMTok: r.output,
    cachedRead: r.cached_read,
    cacheWrite: r.cache_write,
    reasoning: r.reasoning,
    effectiveFrom: Number(r.effective_from),
    effectiveTo: r.effective_to === null ? null : Number(r.effective_to),
    createdAt: Number(r.created_at),
    source: 'override' as const,
  }
}

export async function priceRoutes(app: FastifyInstance, rt: Runtime): Promise<void> {
  const db = rt.db.db
  const changed = async () => {
    await rt.bus.publish('prices')
    await rt.usage.prices.reload(db)
  }

  app.get(
    '/api/v1/prices',
    { schema: { tags: ['prices'], summary: 'Price overrides of the org' } },
    async (req) => {
      const p = principalOf(req)
      authorize(p, 'prices:read')
      const rows = await db
        .selectFrom('price_overrides')
        .selectAll()
        .where('org_id', '=', p.orgId)
        .orderBy('provider')
        .orderBy('model')
        .orderBy('effective_from', 'desc')
        .execute()
      return { data: rows.map(view) }
    },
  )

  app.get(
    '/api/v1/prices/lookup',
    {
      schema: {
        tags: ['prices'],
        summary: 'Price in force for a provider and model',
        querystring: LookupQuery,
      },
    },
    async (req) => {
      const p = principalOf(req)
      authorize(p, 'prices:read')
      const q = req.query as z.infer<typeof LookupQuery>
      const quote = rt.usage.prices.quote(p.orgId, q.provider, q.model)
      return {
        provider: q.provider,
        model: q.model,
        known: quote !== null,
        ...(quote ?? { source: null, prices: null }),
      }
    },
  )

  app.post(
    '/api/v1/prices',
    { schema: { tags: ['prices'], summary: 'Add a price override', body: Create } },
    async (req, reply) => {
      const p = principalOf(req)
      authorize(p, 'prices:manage')
      const b = req.body as z.infer<typeof Create>
      const from = b.effectiveFrom ?? Date.now()
      const to = b.effectiveTo ?? null
      if (to !== null && to <= from)
        throw badRequest('effectiveTo must be after effectiveFrom', { param: 'effectiveTo' })
      const row: PriceOverridesTable = {
        id: newId('prc'),
        org_id: p.orgId,
        provider: b.provider ?? '*',
        model: b.model,
        input: (b.input ?? b.inputPerMTok)!,
        output: (b.output ?? b.outputPerMTok)!,
        cached_read: b.cachedRead ?? null,
        cache_write: b.cacheWrite ?? null,
        reasoning: b.reasoning ?? null,
        effective_from: from,
        effective_to: to,
        created_by: p.id,
        created_at: Date.now(),
      }
      await db.transaction().execute(async (trx) => {
        await trx.insertInto('price_overrides').values(row).execute()
        await rt.audit.record(
          trx,
          actorEvent(p, 'price.override.created', {
            targetType: 'price',
            targetId: row.id,
            details: { provider: row.provider, model: row.model, input: row.input, output: row.output },
          }),
        )
      })
      await changed()
      reply.code(201)
      return view(row)
    },
  )

  app.delete(
    '/api/v1/prices/:id',
    { schema: { tags: ['prices'], summary: 'Delete a price override', params: IdParams } },
    async (req, reply) => {
      const p = principalOf(req)
      authorize(p, 'prices:manage')
      const { id } = req.params as z.infer<typeof IdParams>
      const gone = await deleteAudited(rt, p, 'price_overrides', id, {
        action: 'price.override.deleted',
        targetType: 'price',
      })
      if (!gone) throw notFound('price override not found')
      await changed()
      reply.code(204)
    },
  )
}
