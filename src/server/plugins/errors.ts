import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { AppError, badRequest, notFound, tooLarge } from '../../errors/app-error.js'
import { errorBody, protocolOf } from '../protocol.js'

/** Converts anything thrown into an AppError without leaking internals. */
export function toAppError(err: unknown): AppError {
  if (err instanceof AppError) return err
  const e = err as FastifyError & {
    validation?: { instancePath?: string; message?: string; params?: unknown }[]
  }
  if (e?.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return tooLarge()
  if (e?.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE' || e?.statusCode === 415) {
    return new AppError(415, 'unsupported_media_type', 'unsupported content type: send application/json')
  }
  // JSON bodies are parsed by server/json-body.ts, which throws AppErrors itself.
  if (e?.validation || e?.code === 'FST_ERR_VALIDATION') return validationError(e)
  if (e?.statusCode === 404) return notFound()
  if (e?.statusCode && e.statusCode >= 400 && e.statusCode < 500) {
    return new AppError(e.statusCode, 'invalid_request_error', e.message)
  }
  return new AppError(500, 'api_error', 'internal error', { cause: err })
}

function validationError(e: FastifyError & { validation?: unknown[]; validationContext?: string }): AppError {
  const issues = (e.validation ?? []) as {
    instancePath?: string
    message?: string
    params?: { issue?: { path?: (string | number)[]; message?: string; code?: string; keys?: string[] } }
  }[]
  const parts = issues.slice(0, 5).map((i) => {
    const issue = i.params?.issue
    const path = issue?.path?.length
      ? issue.path.join('.')
      : (i.instancePath ?? '').replace(/^\//, '').replace(/\//g, '.')
    if (issue?.code === 'unrecognized_keys' && issue.keys) return `unknown field(s): ${issue.keys.join(', ')}`
    const msg = issue?.message ?? i.message ?? 'invalid'
    return path ? `${path}: ${msg}` : msg
  })
  const where = e.validationContext && e.validationContext !== 'body' ? ` in ${e.validationContext}` : ''
  const first = issues[0]?.params?.issue?.path?.join('.')
  return badRequest(`invalid request${where}: ${parts.join('; ') || e.message}`, {
    code: 'validation_failed',
    ...(first ? { param: first } : {}),
  })
}

/** Renders errors and 404s in the caller's protocol; 5xx are logged without request content. */
export function registerErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler(function renderError(err: unknown, req: FastifyRequest, reply: FastifyReply) {
    const appErr = toAppError(err)
    if (appErr.status >= 500) req.log.error({ err: appErr.cause ?? err }, 'request failed')
    if (reply.sent || reply.raw.headersSent) return
    for (const [k, v] of Object.entries(appErr.headers)) reply.header(k, v)
    return reply
      .status(appErr.status)
      .type('application/json; charset=utf-8')
      .send(errorBody(protocolOf(req.url, req.headers), appErr, String(req.id)))
  })
  app.setNotFoundHandler(function notFoundRoute(req, reply) {
    const err = notFound(`no route for ${req.method} ${req.url.split('?')[0]}`, { code: 'route_not_found' })
    return reply.status(404).send(errorBody(protocolOf(req.url, req.headers), err, String(req.id)))
  })
}
