import type { AppError } from '../errors/app-error.js'

/** Which wire protocol a request speaks, so errors come back in the shape its SDK parses. */
export type Protocol = 'openai' | 'anthropic' | 'api'

export function protocolOf(url: string, headers: Record<string, unknown> = {}): Protocol {
  const path = url.split('?')[0] ?? url
  if (path === '/v1/messages' || path.startsWith('/v1/messages/')) return 'anthropic'
  if (path === '/v1/models' || path.startsWith('/v1/models/')) {
    return headers['anthropic-version'] ? 'anthropic' : 'openai'
  }
  if (path === '/v1' || path.startsWith('/v1/')) return 'openai'
  return 'api'
}

/** Error body in the caller's protocol. */
export function errorBody(protocol: Protocol, err: AppError, requestId: string): Record<string, unknown> {
  if (protocol === 'anthropic') {
    // Anthropic's vocabulary has no conflict/unsupported-media types; map to the nearest.
    const type =
      err.type === 'conflict_error' || err.type === 'unsupported_media_type'
        ? 'invalid_request_error'
        : err.type
    return { type: 'error', error: { type, message: err.message }, request_id: requestId }
  }
  if (protocol === 'openai') {
    return {
      error: { message: err.message, type: err.type, param: err.param ?? null, code: err.code ?? null },
    }
  }
  return {
    error: {
      type: err.type,
      message: err.message,
      ...(err.code ? { code: err.code } : {}),
      ...(err.param ? { param: err.param } : {}),
      ...(err.details ?? {}),
    },
  }
}
