/**
 * Errors of our own making while building an upstream request — a header value that cannot be
 * sent (a key pasted with a `…` in it, undici's ByteString/invalid-header errors), or a bug —
 * told apart from network failures, so that neither is ever reported as "could not reach" the
 * provider nor held against its circuit breaker (gateway/upstream-errors.ts `localFailure`).
 * @module
 */

/** Codes of errors raised while building a request, before anything was sent. */
const LOCAL_CODES = new Set([
  'UND_ERR_INVALID_ARG',
  'UND_ERR_NOT_SUPPORTED',
  'ERR_INVALID_CHAR',
  'ERR_INVALID_HTTP_TOKEN',
  'ERR_INVALID_ARG_TYPE',
  'ERR_INVALID_ARG_VALUE',
  'ERR_INVALID_URL',
])

/**
 * Whether `err` was raised on our side before anything was sent: `header` for a value that
 * cannot go in an HTTP header, `bug` for a programming error; undefined for network failures
 * (those carry a system or undici code, or a cause that does).
 */
export function localErrorKind(err: unknown): 'header' | 'bug' | undefined {
  const e = err as { code?: unknown; cause?: { code?: unknown } } | null
  const code = typeof e?.code === 'string' ? e.code : typeof e?.cause?.code === 'string' ? e.cause.code : ''
  if (LOCAL_CODES.has(code) || (err instanceof TypeError && /ByteString|header/i.test(err.message)))
    return 'header'
  if (code) return undefined
  if (
    err instanceof RangeError ||
    err instanceof ReferenceError ||
    err instanceof SyntaxError ||
    err instanceof TypeError
  )
    return 'bug'
  return undefined
}
