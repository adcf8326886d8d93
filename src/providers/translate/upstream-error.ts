/**
 * Maps a provider's error response (any of the four wire shapes) to an AppError with the
 * status the caller's SDK acts on: 429 keeps retry-after, overloaded → 503 (retryable),
 * context-too-long → 400 with the provider's reason, auth → 401 naming the credential (never
 * its secret), out of credit → 402 (the gateway fails over), Groq's 498 capacity → 503, other
 * 5xx → 502 naming the provider.
 * @see ../../../../shared/PROVIDERS.md §2, §3, §4, §5 (error bodies)
 * @module
 */
import { AppError } from '../../errors/app-error.js'
import { tryParseJson } from './json-args.js'

export interface UpstreamErrorInfo {
  /** Provider kind, e.g. `anthropic`. */
  provider: string
  /** Credential name (never its secret). */
  credential: string
  status: number
  body: string
  headers: Headers
  /** Secret strings to scrub from provider messages (some echo a masked key back). */
  secrets?: string[]
}

interface Parsed {
  message: string
  type: string
}

/** Pulls message/type out of OpenAI, Anthropic, Gemini or Bedrock error bodies. */
export function parseErrorBody(body: string, headers: Headers): Parsed {
  const json = tryParseJson(body) as Record<string, unknown> | undefined
  const amznType = headers.get('x-amzn-errortype')?.split(':')[0] ?? ''
  if (json && typeof json === 'object') {
    const err = json.error
    if (err && typeof err === 'object') {
      const e = err as Record<string, unknown>
      return {
        message: String(e.message ?? ''),
        type: String(e.type ?? e.status ?? e.code ?? ''),
      }
    }
    if (typeof err === 'string') return { message: err, type: '' }
    if (typeof json.message === 'string' || typeof json.Message === 'string') {
      return { message: String(json.message ?? json.Message), type: amznType || String(json.__type ?? '') }
    }
  }
  return { message: body.slice(0, 200), type: amznType }
}

const KEY_PATTERNS = [
  /sk-[A-Za-z0-9_*-]{8,}/g,
  /sk-ant-[A-Za-z0-9_*-]{8,}/g,
  /AIza[0-9A-Za-z_*-]{10,}/g,
  /AKIA[0-9A-Z*]{8,}/g,
  /(Bearer\s+)[A-Za-z0-9._*-]{8,}/gi,
]

/** Removes key-like substrings and the given secrets from a provider message. */
export function scrub(message: string, secrets: string[] = []): string {
  let out = message
  for (const s of secrets) if (s && s.length >= 4) out = out.split(s).join('[redacted]')
  for (const p of KEY_PATTERNS)
    out = out.replace(p, (_m, pre?: string) => `${typeof pre === 'string' ? pre : ''}[redacted]`)
  return out.length > 600 ? `${out.slice(0, 600)}…` : out
}

const CONTEXT_RE =
  /context.{0,20}(length|window)|too many (input )?tokens|prompt is too long|maximum context|input is too long|exceeds the maximum|token count .* exceeds/i

/** Seconds to wait, from retry-after(-ms) headers or a Gemini RetryInfo detail. */
export function retryAfterSeconds(headers: Headers, body: string): number | undefined {
  const ms = Number(headers.get('retry-after-ms'))
  if (Number.isFinite(ms) && ms > 0) return ms / 1000
  const ra = headers.get('retry-after')
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

/** Builds the AppError for an upstream error response. */
export function upstreamError(info: UpstreamErrorInfo): AppError {
  const { provider, credential, status, body, headers } = info
  const parsed = parseErrorBody(body, headers)
  const reason = scrub(parsed.message, info.secrets) || `HTTP ${status}`
  const type = parsed.type.toLowerCase()
  const details = { provider, upstream_status: status }
  // Gemini answers a bad key with 400 INVALID_ARGUMENT + reason API_KEY_INVALID.
  const badKey =
    /API_KEY_INVALID|api key not valid|invalid api key|incorrect api key|signature we calculated does not match|security token included in the request is invalid/i.test(
      body,
    ) || /unrecognizedclient|invalidsignature|expiredtoken/.test(type)
  if (status === 401 || type.includes('authentication') || type === 'unauthenticated' || badKey) {
    return new AppError(
      401,
      'authentication_error',
      `${provider} rejected credential '${credential}' (check or rotate the key)`,
      {
        code: 'upstream_auth_failed',
        retryable: false,
        details,
      },
    )
  }
  if (status === 403 || type.includes('permission') || type.includes('accessdenied')) {
    return new AppError(403, 'permission_error', `${provider} denied credential '${credential}': ${reason}`, {
      code: 'upstream_permission_denied',
      retryable: false,
      details,
    })
  }
  if (
    status === 429 ||
    type.includes('rate_limit') ||
    type.includes('resource_exhausted') ||
    type.includes('throttling')
  ) {
    const after = retryAfterSeconds(headers, body)
    return new AppError(429, 'rate_limit_error', `${provider} rate limit: ${reason}`, {
      code: 'upstream_rate_limited',
      headers: after !== undefined ? { 'retry-after': String(Math.max(1, Math.ceil(after))) } : {},
      details,
    })
  }
  if (status === 402 || type === 'billing_error') {
    const who = credential ? `${provider} credential '${credential}'` : provider
    return new AppError(402, 'billing_error', `${who} is out of credit: ${reason}`, {
      code: 'upstream_payment_required',
      retryable: false,
      details,
    })
  }
  if (
    status === 529 ||
    status === 498 ||
    type.includes('overloaded') ||
    type.includes('serviceunavailable') ||
    status === 503
  ) {
    const after = retryAfterSeconds(headers, body)
    return new AppError(503, 'overloaded_error', `${provider} is overloaded: ${reason}`, {
      code: 'upstream_overloaded',
      headers: after !== undefined ? { 'retry-after': String(Math.max(1, Math.ceil(after))) } : {},
      details,
    })
  }
  if (status === 408 || status === 504 || type.includes('timeout') || type.includes('deadline')) {
    return new AppError(504, 'timeout_error', `${provider} timed out: ${reason}`, {
      code: 'upstream_timeout',
      details,
    })
  }
  if (status === 413 || (status >= 400 && status < 500 && CONTEXT_RE.test(parsed.message))) {
    return new AppError(400, 'invalid_request_error', `${provider}: context too long: ${reason}`, {
      code: 'context_length_exceeded',
      retryable: false,
      details,
    })
  }
  if (status === 404) {
    return new AppError(404, 'not_found_error', `${provider}: ${reason}`, {
      code: 'upstream_not_found',
      retryable: false,
      details,
    })
  }
  if (status >= 400 && status < 500) {
    return new AppError(400, 'invalid_request_error', `${provider} rejected the request: ${reason}`, {
      code: 'upstream_bad_request',
      retryable: false,
      details,
    })
  }
  return new AppError(502, 'api_error', `${provider} upstream error (HTTP ${status}): ${reason}`, {
    code: 'upstream_error',
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
