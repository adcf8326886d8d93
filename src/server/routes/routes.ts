/**
 * /api/v1/routes: CRUD for gateway route aliases, and /api/v1/routes/:alias/health with the
 * circuit-breaker state of each target. Changes are audited in the same transaction and take
 * effect at once (memory cache reloaded, other instances told through the bus).
 * @module
 */

import type { FastifyInstance } from 'fastify'
import { z } from 'zod'
import { actorEvent } from '../../audit/actor-event.js'
import { notFound } from '../../errors/app-error.js'
import { checkRouteCredentials, RouteBody, type StoredRoute } from '../../gateway/routes-store.js'
import { authorize } from '../../identity/authorize.js'
import type { Principal } from '../../identity/principal.js'
import { principalOf } from '../plugins/auth.js'
import type { Runtime } from '../runtime.js'

const AliasParams = z.strictObject({ alias: z.string().min(1).max(200) })
const PutBody = RouteBody.omit({ alias: true }).extend({ alias: z.string().optional() })

function view(r: StoredRoute) {
  return {
    alias: r.alias,
    targets: r.targets,
    fallbacks: r.fallbacks,
    retry: r.retry,
    timeoutMs: r.timeoutMs ?? null,
    deadlineMs: r.deadlineMs ?? null,
    mode: r.mode ?? null,
    createdAt: r.createdAt,
    updatedAt: r.updatedAt,
  }
}

export async function routesRoutes(app: FastifyInstance, rt: Runtime): Promise<void> {
  const store = () => rt.gateway.routes
  const audit = (p: Principal, alias: string) => (trx: unknown, action: string, routeId: string) =>
    rt.audit.record(
      trx as never,
      actorEvent(p, action, {
        targetType: 'route',
        targetId: routeId,
        details: { alias },
      }),
    )
  const tags = ['routes']
  const found = (orgId: string, alias: string) => {
    const r = store().get(orgId, alias)
    if (!r) throw notFound(`no route ${alias}`, { code: 'route_not_found' })
    return r
  }

  app.get('/api/v1/routes', { schema: { tags, summary: 'List route aliases' } }, async (req) => {
    const p = principalOf(req)
    authorize(p, 'routes:read', { orgId: p.orgId })
    return { data: store().list(p.orgId).map(view) }
  })

  app.post(
    '/api/v1/routes',
    { schema: { tags, summary: 'Create a route alias', body: RouteBody } },
    async (req, reply) => {
      const p = principalOf(req)
      authorize(p, 'routes:manage', { orgId: p.orgId })
      const body = req.body as z.infer<typeof RouteBody>
      await checkRouteCredentials(rt.credentials, p, body)
      const r = await store().create(p.orgId, body, p.id, audit(p, body.alias))
      return reply.status(201).send(view(r))
    },
  )

  app.get(
    '/api/v1/routes/:alias',
    { schema: { tags, summary: 'Read a route alias', params: AliasParams } },
    async (req) => {
      const p = principalOf(req)
      authorize(p, 'routes:read', { orgId: p.orgId })
      const { alias } = req.params as z.infer<typeof AliasParams>
      const r = found(p.orgId, alias)
      return view(r)
    },
  )

  app.put(
    '/api/v1/routes/:alias',
    { schema: { tags, summary: 'Replace a route alias', params: AliasParams, body: PutBody } },
    async (req) => {
      const p = principalOf(req)
      authorize(p, 'routes:manage', { orgId: p.orgId })
      const { alias } = req.params as z.infer<typeof AliasParams>
      const body = RouteBody.parse({ ...(req.body as object), alias })
      await checkRouteCredentials(rt.credentials, p, body)
      return view(await store().replace(p.orgId, body, audit(p, alias)))
    },
  )

  app.delete(
    '/api/v1/routes/:alias',
    { schema: { tags, summary: 'Delete a route alias', params: AliasParams } },
    async (req, reply) => {
      const p = principalOf(req)
      authorize(p, 'routes:manage', { orgId: p.orgId })
      const { alias } = req.params as z.infer<typeof AliasParams>
      await store().remove(p.orgId, alias, audit(p, alias))
      return reply.status(204).send()
    },
  )

  app.get(
    '/api/v1/routes/:alias/health',
    { schema: { tags, summary: 'Circuit-breaker state of each target', params: AliasParams } },
    async (req) => {
      const p = principalOf(req)
      authorize(p, 'routes:read', { orgId: p.orgId })
      const { alias } = req.params as z.infer<typeof AliasParams>
      const r = found(p.orgId, alias)
      const models = [
        ...r.targets.map((t) => ({ model: t.model, role: 'target' as const, weight: t.weight ?? 1 })),
        ...r.fallbacks.map((f) => ({ model: f.model, role: 'fallback' as const, weight: null })),
      ]
      const targets = await Promise.all(
        models.map(async (m) => {
          const slash = m.model.indexOf('/')
          const cred = await rt.credentials.find(p, m.model.slice(0, slash)).catch(() => null)
          if (!cred)
            return {
              ...m,
              credentialId: null,
              state: 'unresolved',
              requests: 0,
              failures: 0,
              failureRate: 0,
              openedAt: null,
            }
          const snap = rt.gateway.breakers.peek(cred.credentialId, m.model.slice(slash + 1))
          return {
            ...m,
            credentialId: cred.credentialId,
            provider: cred.provider,
            state: snap?.state ?? 'closed',
            requests: snap?.requests ?? 0,
            failures: snap?.failures ?? 0,
            failureRate: snap?.failureRate ?? 0,
            openedAt: snap?.openedAt ?? null,
          }
        }),
      )
      const healthy = targets.filter((t) => t.state === 'closed' || t.state === 'half_open').length
      return { alias, healthy: healthy > 0, targets }
    },
  )
}
