import type { FastifyInstance } from 'fastify'
import { ChildHistogram } from '../../metrics/child-histogram.js'
import type { Runtime } from '../runtime.js'

/** Records one finished request: histogram sample and access-log line. */
export type RequestObserver = (
  r: { id: string; method: string; url: string; route: string | undefined },
  statusCode: number,
  elapsedMs: number,
) => void

/**
 * Request histogram by route pattern and status (never by raw URL: unbounded labels), and the
 * one access-log line per request (Fastify's own request logging is off, see app.ts). One
 * observer for both transports (Fastify hook and the gateway fast path).
 */
export function createRequestObserver(rt: Runtime): RequestObserver {
  const hist = new ChildHistogram({
    name: 'latchkey_http_request_duration_seconds',
    help: 'HTTP request duration by method, route pattern and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers: [rt.metrics],
  })
  // The access line holds only the request id, method, path (the `req` serializer drops the
  // query string), status and time: nothing the redaction paths could match. Redaction is
  // off for it because pino applies every path — `*.…` ones to every key — to each line: a
  // third of a pass-through call's allocations (bench/results.md, CPU breakdown).
  const access = rt.logger.child({}, { redact: { paths: [], censor: '[redacted]' } })
  return function observeRequest(r, statusCode, elapsedMs) {
    hist.child(r.method, r.route ?? 'unmatched', String(statusCode)).observe(elapsedMs / 1000)
    // Same fields Fastify's "request completed" line carried, plus the request's method and path.
    if (access.isLevelEnabled('info')) {
      access.info({ reqId: r.id, req: r, res: { statusCode }, responseTime: elapsedMs }, 'request completed')
    }
  }
}

export function registerRequestMetrics(app: FastifyInstance, observe: RequestObserver): void {
  // Callback-style hook: no promise per request on the hot path.
  app.addHook('onResponse', function observeRequest(req, reply, done) {
    observe(
      { id: String(req.id), method: req.method, url: req.url, route: req.routeOptions.url },
      reply.statusCode,
      reply.elapsedTime,
    )
    done()
  })
}
