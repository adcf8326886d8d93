/**
 * The audit log API: filtered, cursor-paged listing; chain verification; JSONL export
 * (every record with its hashes, verifiable offline — docs/usage-and-audit.md).
 * @module
 */
import { Readable } from 'node:stream'
import type { FastifyInstance } from 'fastify'
import { z } from 'zod'
import { iterateChain, listAudit } from '../../audit/audit-query.js'
import { badRequest } from '../../errors/app-error.js'
import { authorize } from '../../identity/authorize.js'
import { displayNames } from '../../identity/display-names.js'
import { timeParam } from '../../usage/time-param.js'
import { principalOf } from '../plugins/auth.js'
import type { Runtime } from '../runtime.js'

/** Characters per write of the JSONL export (whole lines; a line longer than this goes alone). */
const EXPORT_CHUNK = 64 * 1024

const ListQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  after: z
    .string()
    .regex(/^\d{1,15}$/, 'expected a cursor from nextCursor')
    .optional(),
  order: z.enum(['asc', 'desc']).default('desc'),
  from: timeParam.optional(),
  to: timeParam.optional(),
  actor: z.string().max(64).optional(),
  credentialId: z.string().max(64).optional(),
  model: z.string().max(300).optional(),
  action: z.string().max(64).optional(),
})

const VerifyQuery = z.strictObject({
  /** Verify the chain alone, not against the signed checkpoint file (default: against it). */
  skipCheckpoint: z.enum(['true', 'false']).default('false'),
  anchorSeq: z.coerce.number().int().min(1).optional(),
  anchorHash: z
    .string()
    .regex(/^[0-9a-f]{64}$/, 'expected a SHA-256 hex digest')
    .optional(),
})

export async function auditRoutes(app: FastifyInstance, rt: Runtime): Promise<void> {
  const db = rt.db.db

  app.get(
    '/api/v1/audit',
    {
      schema: {
        tags: ['audit'],
        summary: 'Audit records (shape only), newest first',
        querystring: ListQuery,
      },
    },
    async (req) => {
      const p = principalOf(req)
      authorize(p, 'audit:read')
      const q = req.query as z.infer<typeof ListQuery>
      const page = await listAudit(db, p.orgId, {
        ...q,
        after: q.after === undefined ? undefined : Number(q.after),
      })
      // Records keep ids (they are hash-chained); the names people read come alongside.
      const ids = page.data.flatMap((r) => [r.actor, r.credentialId, r.workspaceId, r.targetId])
      return { ...page, names: await displayNames(db, p.orgId, ids) }
    },
  )

  app.get(
    '/api/v1/audit/verify',
    {
      schema: {
        tags: ['audit'],
        summary: "Verify the org's audit chain (hashes, MACs) and its signed checkpoints",
        querystring: VerifyQuery,
      },
    },
    async (req) => {
      const p = principalOf(req)
      authorize(p, 'audit:read')
      const q = req.query as z.infer<typeof VerifyQuery>
      if ((q.anchorSeq === undefined) !== (q.anchorHash === undefined)) {
        throw badRequest('anchorSeq and anchorHash go together', { param: 'anchorHash' })
      }
      const anchor = q.anchorSeq !== undefined ? { seq: q.anchorSeq, hash: q.anchorHash! } : undefined
      return rt.usage.checkpoints.verify(p.orgId, { anchor, skip: q.skipCheckpoint === 'true' })
    },
  )

  app.get(
    '/api/v1/audit/export',
    { schema: { tags: ['audit'], summary: 'Every audit record as JSON Lines, oldest first, with hashes' } },
    async (req, reply) => {
      const p = principalOf(req)
      authorize(p, 'audit:read')
      // Lines go out in chunks of about EXPORT_CHUNK characters, not one write per record: a
      // chain of 100k records was 100k writes (and, under app.inject, 100k event-loop turns
      // before the response was let go). Only one chunk is ever held; the stream's
      // backpressure keeps the rest in the database.
      async function* chunks() {
        let chunk = ''
        for await (const r of iterateChain(db, p.orgId)) {
          chunk += `${JSON.stringify(r)}\n`
          if (chunk.length >= EXPORT_CHUNK) {
            yield chunk
            chunk = ''
          }
        }
        if (chunk) yield chunk
      }
      reply.type('application/x-ndjson; charset=utf-8')
      reply.header('content-disposition', 'attachment; filename="latchkey-audit.jsonl"')
      return reply.send(Readable.from(chunks()))
    },
  )
}
