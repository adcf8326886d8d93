import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { notFound } from '../../errors/app-error.js'
import { toAppError } from '../../errors/to-app-error.js'
import { errorBody, protocolOf } from '../protocol.js'

/**
 * Renders an error in the caller's protocol; 5xx are logged without request content. Also
 * Fastify's `frameworkErrors` (a malformed URL, an over-long path parameter), which answer
 * before any route runs and would otherwise come back in Fastify's own shape.
 */
export function renderError(err: unknown, req: FastifyRequest, reply: FastifyReply) {
  const appErr = toAppError(err)
  if (appErr.status >= 500) req.log.error({ err: appErr.cause ?? err }, 'request failed')
  if (reply.sent || reply.raw.headersSent) return
  for (const [k, v] of Object.entries(appErr.headers)) reply.header(k, v)
  return reply
    .status(appErr.status)
    .type('application/json; charset=utf-8')
    .send(errorBody(protocolOf(req.url, req.headers), appErr, String(req.id)))
}

/** Renders errors and 404s in the caller's protocol. */
export function registerErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler(renderError)
  app.setNotFoundHandler(function notFoundRoute(req, reply) {
    const err = notFound(`no route for ${req.method} ${req.url.split('?')[0]}`, { code: 'route_not_found' })
    return reply.status(404).send(errorBody(protocolOf(req.url, req.headers), err, String(req.id)))
  })
}
