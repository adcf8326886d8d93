/**
 * `GET /api/v1/usage`: spend and tokens per user, credential, model, workflow or workspace,
 * with an hourly/daily series for charts; CSV with `format=csv` or `Accept: text/csv`.
 * Members see their own usage; owners, admins and auditors see the whole org.
 * @module
 */
import type { FastifyInstance } from 'fastify'
import { z } from 'zod'
import { badRequest } from '../../errors/app-error.js'
import { authorize, can } from '../../identity/authorize.js'
import { timeParam } from '../../usage/time-param.js'
import { labelUsage } from '../../usage/usage-labels.js'
import { GROUP_BY, queryUsage, type UsageTotals, usageCsv } from '../../usage/usage-query.js'
import { principalOf } from '../plugins/auth.js'
import type { Runtime } from '../runtime.js'

const Query = z.strictObject({
  groupBy: z.enum(GROUP_BY).default('model'),
  from: timeParam.optional(),
  to: timeParam.optional(),
  bucket: z.enum(['hour', 'day']).optional(),
  format: z.enum(['json', 'csv']).optional(),
})

const MAX_SPAN_MS = 400 * 86_400_000

export async function usageRoutes(app: FastifyInstance, rt: Runtime): Promise<void> {
  app.get(
    '/api/v1/usage',
    {
      schema: {
        tags: ['usage'],
        summary: 'Usage and cost totals with an optional time series',
        querystring: Query,
      },
    },
    async (req, reply) => {
      const p = principalOf(req)
      authorize(p, 'usage:read')
      const q = req.query as z.infer<typeof Query>
      const to = q.to ?? Date.now()
      const from = q.from ?? to - 30 * 86_400_000
      if (from >= to) throw badRequest('from must be before to', { param: 'from' })
      if (to - from > MAX_SPAN_MS) throw badRequest('the range may span at most 400 days', { param: 'from' })
      const all = can(p, 'usage:read-all')
      const raw = await queryUsage(rt.db.db, {
        orgId: p.orgId,
        groupBy: q.groupBy,
        from,
        to,
        bucket: q.bucket,
        own: all ? undefined : { userId: p.userId, tokenId: p.tokenId },
      })
      const label = <R extends UsageTotals>(rows: R[]) => labelUsage(rt.db.db, p.orgId, q.groupBy, rows)
      const res = { data: await label(raw.data), ...(raw.series ? { series: await label(raw.series) } : {}) }
      const wantsCsv =
        q.format === 'csv' || (q.format === undefined && /\btext\/csv\b/.test(req.headers.accept ?? ''))
      if (wantsCsv) {
        reply.header('content-disposition', `attachment; filename="latchkey-usage-${q.groupBy}.csv"`)
        reply.type('text/csv; charset=utf-8')
        return usageCsv(res.series ?? res.data)
      }
      return {
        ...res,
        from: new Date(from).toISOString(),
        to: new Date(to).toISOString(),
        scope: all ? 'org' : 'own',
      }
    },
  )
}
