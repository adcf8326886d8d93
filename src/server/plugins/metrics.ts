import type { FastifyInstance } from 'fastify'
import { Histogram } from 'prom-client'
import type { Runtime } from '../runtime.js'

/**
 * Request histogram by route pattern and status (never by raw URL: unbounded labels), and the
 * one access-log line per request (Fastify's own request logging is off, see app.ts).
 */
export function registerRequestMetrics(app: FastifyInstance, rt: Runtime): void {
  const hist = new Histogram({
    name: 'latchkey_http_request_duration_seconds',
    help: 'HTTP request duration by method, route pattern and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers: [rt.metrics],
  })
  // Callback-style hook: no promise per request on the hot path.
  app.addHook('onResponse', function observeRequest(req, reply, done) {
    const elapsedMs = reply.elapsedTime
    hist.observe(
      { method: req.method, route: req.routeOptions.url ?? 'unmatched', status: String(reply.statusCode) },
      elapsedMs / 1000,
    )
    // Same fields Fastify's "request completed" line carried, plus the request's method and path.
    if (rt.logger.isLevelEnabled('info')) {
      req.log.info({ req, res: reply, responseTime: elapsedMs }, 'request completed')
    }
    done()
  })
}
