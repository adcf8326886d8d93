/**
 * Builds the HTTP server: one Fastify instance with auth, limits, errors in the caller's
 * protocol, metrics, OpenAPI and every route module.
 * @module
 */

import http from 'node:http'
import fastifyCookie from '@fastify/cookie'
import fastifyCors from '@fastify/cors'
import fastifySwagger from '@fastify/swagger'
import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from 'fastify'
import { jsonSchemaTransform, serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod'
import type { TrustProxy } from '../config/trust-proxy.js'
import { createFastPath } from './fast-path.js'
import { parseJsonBody } from './json-body.js'
import { Lifecycle } from './lifecycle.js'
import { registerAuth } from './plugins/auth.js'
import { registerErrorHandling, renderError } from './plugins/errors.js'
import { createRequestObserver, registerRequestMetrics } from './plugins/metrics.js'
import { registerNoNul } from './plugins/no-nul.js'
import { requestId } from './request-id.js'
import { gatewayExchanges } from './routes/gateway.js'
import { registerRoutes } from './routes/index.js'
import type { Runtime } from './runtime.js'

/** Fastify's own defaults for the server it would have made (the fast path makes it instead). */
const KEEP_ALIVE_TIMEOUT_MS = 72_000

/**
 * Fastify's form of the trust-proxy setting. A hop count becomes a function: Fastify turns a
 * bare number into "trust nothing" (it cannot check the peer), while the operator asked for
 * N proxies in front. A list goes as it is (compiled by @fastify/proxy-addr).
 */
function fastifyTrustProxy(tp: TrustProxy): false | string[] | ((addr: string, hop: number) => boolean) {
  if (tp === false) return false
  if ('hops' in tp) {
    const hops = tp.hops
    return hops === 0
      ? false
      : function trustedHop(_addr: string, hop: number) {
          return hop < hops
        }
  }
  return tp.proxies
}

export async function buildApp(rt: Runtime): Promise<FastifyInstance> {
  const observe = createRequestObserver(rt)
  const lifecycle = new Lifecycle(rt)
  let closing = false
  const fastPath = createFastPath(rt, {
    exchanges: gatewayExchanges(rt),
    observe,
    bodyLimit: rt.config.bodyLimit,
    closing: () => closing,
    lifecycle,
  })
  const app = Fastify({
    // API clients' gateway calls bypass Fastify's pipeline (server/fast-path.ts); the rest,
    // and anything the fast path declines, goes through Fastify as usual.
    serverFactory: (fastify) => {
      const server = http.createServer((req, res) => {
        lifecycle.track(req, res)
        if (!fastPath.take(req, res)) fastify(req, res)
      })
      server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS
      server.requestTimeout = 0
      return server
    },
    loggerInstance: rt.logger as FastifyBaseLogger,
    bodyLimit: rt.config.bodyLimit,
    trustProxy: fastifyTrustProxy(rt.config.trustProxy),
    genReqId: requestId,
    // One log line per request (written by the metrics hook at completion) instead of
    // Fastify's two ("incoming request" + "request completed"): half the logging work on
    // the gateway's hot path, same information.
    logController: new LogController({ disableRequestLogging: true }),
    // Shutdown drains through server/lifecycle.ts (readiness off, calls finish, connections
    // close); a request arriving meanwhile is served, never answered with Fastify's own 503.
    forceCloseConnections: 'idle',
    return503OnClosing: false,
    // maxParamLength: every id or alias the API creates (prices up to 300) stays addressable;
    // a longer path parameter is a 414 (rendered by renderError, as is a malformed URL).
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 300 },
    frameworkErrors: renderError,
  })
  app.setValidatorCompiler(validatorCompiler)
  app.setSerializerCompiler(serializerCompiler)
  // JSON only: anything else is a 415 naming the expected type. One JSON parser for both
  // transports (server/json-body.ts); Fastify still enforces the body limit before it.
  app.removeContentTypeParser(['text/plain', 'application/json'])
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, function jsonBody(_req, body, done) {
    try {
      done(null, parseJsonBody(body as Buffer))
    } catch (err) {
      done(err as Error, undefined)
    }
  })

  // Callback-style hook: no promise per request (async hooks cost one each on the hot path).
  app.addHook('onRequest', function requestIdHeader(req, reply, done) {
    reply.header('x-latchkey-request-id', req.id)
    done()
  })

  await app.register(fastifyCookie)
  // Allowed origins: LATCHKEY_CORS_ORIGINS plus any org's settings (CORS runs before auth).
  await app.register(fastifyCors, {
    origin: (origin, cb) => cb(null, origin !== undefined && rt.settings.allCorsOrigins().has(origin)),
    methods: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'],
    allowedHeaders: [
      'authorization',
      'content-type',
      'x-api-key',
      'anthropic-version',
      'anthropic-beta',
      'x-csrf-token',
      'openai-organization',
      'openai-project',
      'x-stainless-*',
    ],
    exposedHeaders: [
      'x-latchkey-request-id',
      'x-latchkey-credential',
      'x-latchkey-model',
      'retry-after',
      'x-latchkey-warning',
      'warning',
    ],
    maxAge: 600,
  })
  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'Latchkey management API', version: '1' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
    transform: jsonSchemaTransform,
    hideUntagged: false,
  })

  app.decorate('fastPath', fastPath)
  app.decorate('lifecycle', lifecycle)
  registerErrorHandling(app)
  registerNoNul(app)
  registerAuth(app, rt)
  registerRequestMetrics(app, observe)
  // app.close() runs after the drain (server/start.ts): nothing is in flight any more, and
  // the runtime's services close next; the fast path steps aside for anything left.
  app.addHook('preClose', function stopFastPath(done) {
    closing = true
    done()
  })
  app.addHook('onRoute', (route) => {
    const limit = managementBodyLimit(route.url, rt.config.bodyLimit)
    if (limit !== undefined && route.bodyLimit === undefined) route.bodyLimit = limit
  })
  await registerRoutes(app, rt)
  return app
}

/**
 * Management requests carry names, ids, settings and small secrets: 1 MiB is far above any
 * valid one (every string field has a maxLength, the largest a 256 KiB recipe), so a huge body
 * is refused with a 413 as it arrives instead of being buffered and parsed whole first.
 * Compare and workflow runs carry prompts, inputs and images: they keep LATCHKEY_BODY_LIMIT,
 * as the gateway does.
 */
export const MANAGEMENT_BODY_LIMIT = 1024 * 1024
const CONTENT_ROUTES = ['/api/v1/compare', '/api/v1/workflows']

export function managementBodyLimit(url: string, configured: number): number | undefined {
  if (!url.startsWith('/api/v1/')) return undefined
  if (CONTENT_ROUTES.some((p) => url === p || url.startsWith(`${p}/`))) return undefined
  return Math.min(configured, MANAGEMENT_BODY_LIMIT)
}
