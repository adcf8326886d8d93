/**
 * `toAppError`: anything thrown, anywhere (routes, the gateway, the fast path, framework
 * errors), as an AppError that is safe to show. Lives beside AppError so the gateway and the
 * HTTP layer share it without the gateway importing the server.
 * @module
 */
import { ZodError } from 'zod'
import { uniqueViolation } from '../db/errors.js'
import { AppError, badRequest, conflict, notFound, tooLarge } from './app-error.js'

/** What a thrown framework error may carry (Fastify's errors and validation failures). */
interface Thrown {
  code?: string
  statusCode?: number
  message?: string
  validation?: unknown[]
  validationContext?: string
}

/**
 * Converts anything thrown into an AppError without leaking internals. The one place where
 * validation errors become 400s naming the field (schema validation of body, query and path,
 * and any zod parse a handler runs itself) and unique violations become 409s (every create,
 * update and rename, on both dialects), so no route has to remember either.
 */
export function toAppError(err: unknown): AppError {
  if (err instanceof AppError) return err
  const e = err as Thrown
  if (e?.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return tooLarge()
  if (err instanceof ZodError) return zodError(err)
  const clash = uniqueViolation(err)
  if (clash) return conflictError(clash)
  if (e?.code === 'FST_ERR_BAD_URL') {
    return badRequest('malformed URL: a path segment is not valid percent-encoded UTF-8', { code: 'bad_url' })
  }
  if (e?.code === 'FST_ERR_MAX_PARAM_LENGTH') {
    return new AppError(414, 'invalid_request_error', 'a path parameter is longer than any id', {
      code: 'path_param_too_long',
    })
  }
  if (e?.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE' || e?.statusCode === 415) {
    return new AppError(415, 'unsupported_media_type', 'unsupported content type: send application/json')
  }
  // JSON bodies are parsed by server/json-body.ts, which throws AppErrors itself.
  if (e?.validation || e?.code === 'FST_ERR_VALIDATION') return validationError(e)
  if (e?.statusCode === 404) return notFound()
  if (e?.statusCode && e.statusCode >= 400 && e.statusCode < 500) {
    return new AppError(e.statusCode, 'invalid_request_error', e.message ?? 'invalid request')
  }
  return new AppError(500, 'api_error', 'internal error', { cause: err })
}

function validationError(e: Thrown): AppError {
  const issues = (e.validation ?? []) as {
    instancePath?: string
    message?: string
    params?: { issue?: { path?: (string | number)[]; message?: string; code?: string; keys?: string[] } }
  }[]
  const fields = issues.map((i) => {
    const path = i.params?.issue?.path
    return path?.length ? path.join('.') : (i.instancePath ?? '').replace(/^\//, '').replace(/\//g, '.')
  })
  const parts = issues.slice(0, 5).map((i, n) => {
    const issue = i.params?.issue
    if (issue?.code === 'unrecognized_keys' && issue.keys) return `unknown field(s): ${issue.keys.join(', ')}`
    const msg = issue?.message ?? i.message ?? 'invalid'
    return fields[n] ? `${fields[n]}: ${msg}` : msg
  })
  const where = e.validationContext && e.validationContext !== 'body' ? ` in ${e.validationContext}` : ''
  const first = fields[0] || issues[0]?.params?.issue?.keys?.[0]
  return badRequest(`invalid request${where}: ${parts.join('; ') || e.message}`, {
    code: 'validation_failed',
    ...(first ? { param: first } : {}),
  })
}

/** A zod parse a handler ran itself (e.g. a path parameter merged into a body schema). */
function zodError(err: ZodError): AppError {
  const issues = err.issues.slice(0, 5)
  const parts = issues.map((i) => (i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message))
  const first = issues[0]?.path.join('.')
  return badRequest(`invalid request: ${parts.join('; ')}`, {
    code: 'validation_failed',
    ...(first ? { param: first } : {}),
  })
}

const camel = (c: string) => c.replace(/_([a-z])/g, (_m, ch: string) => ch.toUpperCase())

/** A unique key already taken: which kind of object and which field, never the values. */
function conflictError(clash: { table: string | null; columns: string[] }): AppError {
  const fields = clash.columns.map(camel)
  const what = clash.table ? clash.table.replace(/_/g, ' ').replace(/s$/, '') : 'object'
  const by = fields.length ? ` with this ${fields.join(' and ')}` : ''
  return conflict(`a ${what}${by} already exists`, {
    code: 'already_exists',
    ...(fields[0] ? { param: fields[0] } : {}),
  })
}
