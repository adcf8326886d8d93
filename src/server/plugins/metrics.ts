import type { FastifyInstance } from 'fastify'
import { Histogram } from 'prom-client'
import type { Runtime } from '../runtime.js'

/** Request histogram by route pattern and status (never by raw URL: unbounded labels). */
export function registerRequestMetrics(app: FastifyInstance, rt: Runtime): void {
  const hist = new Histogram({
    name: 'latchkey_http_request_duration_seconds',
    help: 'HTTP request duration by method, route pattern and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers: [rt.metrics],
  })
  app.addHook('onResponse', async function observeRequest(req, reply) {
    hist.observe(
      { method: req.method, route: req.routeOptions.url ?? 'unmatched', status: String(reply.statusCode) },
      reply.elapsedTime / 1000,
    )
  })
}
