/**
 * The one mapping from a provider's error answer (any of the four wire shapes, on any path:
 * pass-through, translated, native Anthropic, a mid-stream error event) to the AppError the
 * caller sees — the status its SDK acts on: 429 keeps retry-after, overloaded → 503
 * (retryable), context-too-long → 400 with the provider's reason, auth → 401 naming the
 * credential (never its secret), out of credit → 402 (the gateway fails over), Groq's 498
 * capacity → 503, other 5xx → 502, other 4xx keep their status. Provider text is scrubbed by
 * the one scrubber (errors/scrub.ts). What the gateway does next (retry, fail over, stop) is
 * read off the result by gateway/upstream-errors.ts `mappedFailure`.
 * @see ../../../../shared/PROVIDERS.md §2, §3, §4, §5 (error bodies)
 * @module
 */
import { AppError, type ErrorType } from '../../errors/app-error.js'
import { scrubSecrets } from '../../errors/scrub.js'
import { tryParseJson } from '../translate/json-args.js'
import { type HeaderSource, headerValue, passBackHeaders } from './headers.js'

export interface UpstreamErrorInfo {
  /** Provider kind, e.g. `anthropic`. */
  provider: string
  /** Credential name (never its secret); '' where unknown (a stream decoder). */
  credential: string
  status: number
  body: string
  headers: HeaderSource
  /** Secret strings to scrub from provider messages (some echo a masked key back). */
  secrets?: string[]
}

interface Parsed {
  message: string
  type: string
  /** OpenAI-style string `code` and `param`, kept for the caller. */
  code?: string
  param?: string
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined)

/** Pulls message/type/code/param out of OpenAI, Anthropic, Gemini or Bedrock error bodies. */
export function parseErrorBody(body: string, headers: HeaderSource): Parsed {
  const json = tryParseJson(body) as Record<string, unknown> | undefined
  const amznType = headerValue(headers, 'x-amzn-errortype')?.split(':')[0] ?? ''
  if (json && typeof json === 'object') {
    const err = json.error
    if (err && typeof err === 'object') {
      const e = err as Record<string, unknown>
      const code = str(e.code)
      const param = str(e.param)
      return {
        message: String(e.message ?? ''),
        type: String(e.type ?? e.status ?? e.code ?? ''),
        ...(code ? { code } : {}),
        ...(param ? { param } : {}),
      }
    }
    if (typeof err === 'string') return { message: err, type: '' }
    if (typeof json.message === 'string' || typeof json.Message === 'string') {
      return { message: String(json.message ?? json.Message), type: amznType || String(json.__type ?? '') }
    }
  }
  return { message: body.slice(0, 200), type: amznType }
}

/** Removes the given secrets and anything key-shaped from a provider message, capped in length. */
export function scrub(message: string, secrets: string[] = []): string {
  const out = scrubSecrets(message, secrets)
  return out.length > 600 ? `${out.slice(0, 600)}…` : out
}

const CONTEXT_RE =
  /context.{0,20}(length|window)|too many (input )?tokens|prompt is too long|maximum context|input is too long|exceeds the maximum|token count .* exceeds/i

/** Seconds to wait, from retry-after(-ms) headers or a Gemini RetryInfo detail. */
export function retryAfterSeconds(headers: HeaderSource, body: string): number | undefined {
  const ms = Number(headerValue(headers, 'retry-after-ms'))
  if (Number.isFinite(ms) && ms > 0) return ms / 1000
  const ra = headerValue(headers, 'retry-after')
  if (ra) {
    const n = Number(ra)
    if (Number.isFinite(n)) return Math.max(0, n)
    const at = Date.parse(ra)
    if (!Number.isNaN(at)) return Math.max(0, (at - Date.now()) / 1000)
  }
  // Gemini: details[{@type: ...RetryInfo, retryDelay: "30s"}]
  const m = /"retryDelay"\s*:\s*"(\d+(?:\.\d+)?)s"/.exec(body)
  return m ? Number(m[1]) : undefined
}

/** Error types an upstream may name that mean the same to our callers. */
const TYPES = new Set<string>([
  'invalid_request_error',
  'authentication_error',
  'permission_error',
  'not_found_error',
  'conflict_error',
  'request_too_large',
  'rate_limit_error',
])

function statusType(status: number): ErrorType | undefined {
  if (status === 401) return 'authentication_error'
  if (status === 403) return 'permission_error'
  if (status === 404) return 'not_found_error'
  if (status === 409) return 'conflict_error'
  if (status === 413) return 'request_too_large'
  return undefined
}

/** Builds the AppError for an upstream error response. */
export function upstreamError(info: UpstreamErrorInfo): AppError {
  const { provider, credential, status, body, headers } = info
  const parsed = parseErrorBody(body, headers)
  const reason = scrub(parsed.message, info.secrets) || `HTTP ${status}`
  const type = parsed.type.toLowerCase()
  const who = credential ? `${provider} (credential ${credential})` : provider
  const details = { provider, upstream_status: status }
  // Upstream request id and rate-limit state help the caller even on a failure.
  const passed = passBackHeaders(headers)
  const withRetryAfter = () => {
    const after = retryAfterSeconds(headers, body)
    if (after !== undefined) passed['retry-after'] = String(Math.max(1, Math.ceil(after)))
    return passed
  }
  if (status >= 300 && status < 400) {
    // Redirects are never followed (a redirect is a classic SSRF pivot); another target may work.
    return new AppError(
      502,
      'api_error',
      `${who} answered with a redirect (${status}), which Latchkey does not follow`,
      { code: 'upstream_redirect', retryable: false, details },
    )
  }
  // Gemini answers a bad key with 400 INVALID_ARGUMENT + reason API_KEY_INVALID.
  const badKey =
    /API_KEY_INVALID|api key not valid|invalid api key|incorrect api key|signature we calculated does not match|security token included in the request is invalid/i.test(
      body,
    ) || /unrecognizedclient|invalidsignature|expiredtoken/.test(type)
  if (status === 401 || type.includes('authentication') || type === 'unauthenticated' || badKey) {
    // The upstream's reason is kept (scrubbed): "invalid api key" and "key expired" call for
    // different fixes.
    return new AppError(401, 'authentication_error', `${who}: ${reason} (check or rotate the key)`, {
      code: 'upstream_auth_failed',
      retryable: false,
      headers: passed,
      details,
    })
  }
  if (status === 403 || type.includes('permission') || type.includes('accessdenied')) {
    const whom = credential ? `credential '${credential}'` : 'the request'
    return new AppError(403, 'permission_error', `${provider} denied ${whom}: ${reason}`, {
      code: 'upstream_permission_denied',
      retryable: false,
      headers: passed,
      details,
    })
  }
  if (
    status === 429 ||
    type.includes('rate_limit') ||
    type.includes('resource_exhausted') ||
    type.includes('throttling')
  ) {
    return new AppError(429, 'rate_limit_error', `${who} rate limited the request: ${reason}`, {
      code: parsed.code ?? 'upstream_rate_limited',
      headers: withRetryAfter(),
      details,
    })
  }
  if (status === 402 || type === 'billing_error') {
    return new AppError(402, 'billing_error', `${who} is out of credit: ${reason}`, {
      code: 'upstream_payment_required',
      retryable: false,
      headers: passed,
      details,
    })
  }
  if (
    status === 529 ||
    status === 498 ||
    status === 503 ||
    type.includes('overloaded') ||
    type.includes('serviceunavailable') ||
    type === 'unavailable'
  ) {
    // 498: Groq's "flex tier capacity exceeded, retry with backoff" — an overload, not bad input.
    return new AppError(503, 'overloaded_error', `${who} answered ${status} (unavailable): ${reason}`, {
      code: 'upstream_unavailable',
      headers: withRetryAfter(),
      details,
    })
  }
  if (status === 408 || status === 504 || type.includes('timeout') || type.includes('deadline')) {
    return new AppError(504, 'timeout_error', `${who} answered ${status} (timed out): ${reason}`, {
      code: 'upstream_timeout',
      headers: passed,
      details,
    })
  }
  const clientError = status >= 400 && status < 500
  // A 413 keeps its status unless the reason says context: Groq's 413 is its per-minute token
  // budget, Anthropic's a body over its size limit.
  if (clientError && (CONTEXT_RE.test(parsed.message) || parsed.code === 'context_length_exceeded')) {
    return new AppError(400, 'invalid_request_error', `${who}: context too long: ${reason}`, {
      code: 'context_length_exceeded',
      retryable: false,
      ...(parsed.param ? { param: parsed.param } : {}),
      headers: passed,
      details,
    })
  }
  if (clientError) {
    // The status decides the type where it names a class (404, 409…): Groq answers a bad key
    // 401 with type invalid_request_error, and clients branch on the type. The upstream's type
    // is kept only for statuses that name none (400, 422…); its code and param are kept.
    const errType = statusType(status) ?? ((TYPES.has(type) ? type : 'invalid_request_error') as ErrorType)
    const what = status === 404 ? `${who}: ${reason}` : `${who} rejected the request: ${reason}`
    return new AppError(status, errType, what, {
      code: parsed.code ?? (status === 404 ? 'upstream_not_found' : 'upstream_bad_request'),
      ...(parsed.param ? { param: parsed.param } : {}),
      retryable: false,
      headers: passed,
      details,
    })
  }
  return new AppError(502, 'api_error', `${who} answered ${status}: ${reason}`, {
    code: 'upstream_error',
    headers: passed,
    details,
  })
}

/** 502 for a response we cannot understand (malformed JSON, wrong shape). */
export function malformedUpstream(provider: string, what: string, cause?: unknown): AppError {
  return new AppError(502, 'api_error', `${provider} sent a malformed response: ${what}`, {
    code: 'upstream_malformed',
    cause,
    details: { provider },
  })
}

/** 502 for a stream that broke or reported an error after the 200. */
export function brokenStream(provider: string, what: string, cause?: unknown): AppError {
  return new AppError(502, 'api_error', `${provider} stream failed: ${what}`, {
    code: 'upstream_stream_error',
    cause,
    details: { provider },
  })
}
