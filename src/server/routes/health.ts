import type { FastifyInstance } from 'fastify'
import { z } from 'zod'
import { forbidden, unauthorized } from '../../errors/app-error.js'
import { authorize } from '../../identity/authorize.js'
import { bearerToken } from '../plugins/auth.js'
import type { Runtime } from '../runtime.js'

export async function healthRoutes(app: FastifyInstance, rt: Runtime): Promise<void> {
  app.get(
    '/healthz',
    {
      config: { auth: false },
      schema: { hide: true, response: { 200: z.object({ ok: z.literal(true) }) } },
      logLevel: 'warn',
    },
    async () => ({ ok: true as const }),
  )

  // Load balancers and Kubernetes: 200 while this instance should get traffic, 503 when the
  // database or Redis does not answer or the instance drains for a shutdown.
  app.get(
    '/readyz',
    { config: { auth: false }, schema: { hide: true }, logLevel: 'warn' },
    async (_req, reply) => {
      const r = await app.lifecycle.readiness()
      reply.header('cache-control', 'no-store')
      return reply.status(r.ok ? 200 : 503).send(r.ok ? { ok: true } : { ok: false, reasons: r.reasons })
    },
  )

  // Prometheus scrapers send a bearer token only; session cookies are not accepted here.
  app.get('/metrics', { config: { auth: false }, schema: { hide: true } }, async (req, reply) => {
    const raw = bearerToken(req)
    if (!raw) throw unauthorized('missing credentials: send Authorization: Bearer lk_…')
    const p = await rt.auth.authenticateToken(raw)
    if (!p) throw unauthorized('invalid, expired or revoked access token')
    try {
      authorize(p, 'metrics:read')
    } catch {
      throw forbidden('metrics need a token with role auditor or higher')
    }
    reply.type(rt.metrics.contentType)
    return rt.metrics.metrics()
  })
}
