/**
 * Workflows API: recipes (`/api/v1/workflows`), runs (`/workflows/:id/runs`, `/runs/:id`,
 * `/runs/:id/cancel`), the review queue (`/reviews`, `/runs/:id/review`) and recipe compare
 * (`/workflows/:id/compare`, `/workflow-compares/:id`). Logic lives in src/workflows.
 * @module
 */
import type { FastifyInstance } from 'fastify'
import { z } from 'zod'
import { compareReport, startCompare } from '../../workflows/compare.js'
import { Id, IdParams } from '../id-schema.js'
import { principalOf } from '../plugins/auth.js'
import type { Runtime } from '../runtime.js'

const SaveBody = z.strictObject({
  yaml: z
    .string()
    .min(1)
    .max(256 * 1024),
  workspaceId: Id.optional(),
})
const NewVersionBody = z.strictObject({
  yaml: z
    .string()
    .min(1)
    .max(256 * 1024),
})
const Inputs = z.record(z.string(), z.unknown())
const RunBody = z.strictObject({
  inputs: Inputs.default({}),
  /** Per-step model overrides: {stepId: "credential/model"}. */
  models: z.record(z.string(), z.string().min(1).max(300)).optional(),
  version: z.number().int().min(1).optional(),
})
const ReviewBody = z.strictObject({
  decision: z.enum(['approve', 'reject']),
  comment: z.string().max(4000).optional(),
})
const CompareBody = z.strictObject({
  inputs: Inputs.default({}),
  models: z.array(z.string().min(1).max(300)).min(2).max(6),
})
/** Long-poll: wait up to N seconds for the run to leave queued/running. */
const WaitQuery = z.strictObject({ wait: z.coerce.number().min(0).max(60).optional() })

export async function workflowRoutes(app: FastifyInstance, rt: Runtime): Promise<void> {
  const tags = ['workflows']
  const svc = () => rt.workflows

  app.post(
    '/api/v1/workflows',
    { schema: { tags, summary: 'Save a recipe (YAML)', body: SaveBody } },
    async (req, reply) => {
      const p = principalOf(req)
      const body = req.body as z.infer<typeof SaveBody>
      reply.code(201)
      return svc().create(p, body.yaml, body.workspaceId ?? p.workspaceId)
    },
  )

  app.get(
    '/api/v1/workflows',
    {
      schema: {
        tags,
        summary: 'List recipes',
        querystring: z.strictObject({ name: z.string().max(100).optional() }),
      },
    },
    async (req) => ({ data: await svc().list(principalOf(req), (req.query as { name?: string }).name) }),
  )

  app.get(
    '/api/v1/workflows/:id',
    {
      schema: {
        tags,
        summary: 'Get a recipe (latest or ?version=)',
        params: IdParams,
        querystring: z.strictObject({ version: z.coerce.number().int().min(1).optional() }),
      },
    },
    async (req) =>
      svc().get(
        principalOf(req),
        (req.params as { id: string }).id,
        (req.query as { version?: number }).version,
      ),
  )

  app.put(
    '/api/v1/workflows/:id',
    { schema: { tags, summary: 'Save a new version of a recipe', params: IdParams, body: NewVersionBody } },
    async (req) =>
      svc().newVersion(
        principalOf(req),
        (req.params as { id: string }).id,
        (req.body as { yaml: string }).yaml,
      ),
  )

  app.delete(
    '/api/v1/workflows/:id',
    { schema: { tags, summary: 'Delete a recipe', params: IdParams } },
    async (req, reply) => {
      await svc().remove(principalOf(req), (req.params as { id: string }).id)
      reply.code(204)
      return null
    },
  )

  app.post(
    '/api/v1/workflows/:id/runs',
    { schema: { tags, summary: 'Start a run as the caller', params: IdParams, body: RunBody } },
    async (req, reply) => {
      const body = req.body as z.infer<typeof RunBody>
      const run = await svc().startRun(principalOf(req), (req.params as { id: string }).id, body)
      reply.code(202)
      return { id: run.id, status: run.status }
    },
  )

  app.get(
    '/api/v1/workflows/:id/runs',
    {
      schema: {
        tags,
        summary: 'Recent runs of a recipe',
        params: IdParams,
        querystring: z.strictObject({ limit: z.coerce.number().int().min(1).max(200).optional() }),
      },
    },
    async (req) => ({
      data: await svc().listRuns(
        principalOf(req),
        (req.params as { id: string }).id,
        (req.query as { limit?: number }).limit,
      ),
    }),
  )

  app.get(
    '/api/v1/runs/:id',
    {
      schema: {
        tags,
        summary: 'Run status, per-step model/tokens/cost/latency, output',
        params: IdParams,
        querystring: WaitQuery,
      },
    },
    async (req) => {
      const wait = (req.query as { wait?: number }).wait ?? 0
      return svc().getRun(principalOf(req), (req.params as { id: string }).id, wait * 1000)
    },
  )

  app.post(
    '/api/v1/runs/:id/cancel',
    { schema: { tags, summary: 'Cancel a run', params: IdParams } },
    async (req) => svc().cancel(principalOf(req), (req.params as { id: string }).id),
  )

  app.get(
    '/api/v1/reviews',
    { schema: { tags: ['reviews'], summary: 'Runs waiting for a review decision' } },
    async (req) => ({
      data: await svc().reviews(principalOf(req)),
    }),
  )

  app.post(
    '/api/v1/runs/:id/review',
    {
      schema: {
        tags: ['reviews'],
        summary: 'Approve or reject a run waiting for review',
        params: IdParams,
        body: ReviewBody,
      },
    },
    async (req) => {
      const body = req.body as z.infer<typeof ReviewBody>
      return svc().review(principalOf(req), (req.params as { id: string }).id, body.decision, body.comment)
    },
  )

  app.post(
    '/api/v1/workflows/:id/compare',
    {
      schema: {
        tags,
        summary: 'Run a recipe once per model and compare',
        params: IdParams,
        body: CompareBody,
      },
    },
    async (req, reply) => {
      const body = req.body as z.infer<typeof CompareBody>
      const r = await startCompare(svc(), principalOf(req), (req.params as { id: string }).id, body)
      reply.code(202)
      return r
    },
  )

  app.get(
    '/api/v1/workflow-compares/:id',
    { schema: { tags, summary: 'Side-by-side compare report', params: IdParams, querystring: WaitQuery } },
    async (req) => {
      const wait = (req.query as { wait?: number }).wait ?? 0
      return compareReport(svc(), principalOf(req), (req.params as { id: string }).id, wait * 1000)
    },
  )
}
