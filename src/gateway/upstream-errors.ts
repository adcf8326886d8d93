/**
 * How one failed attempt is judged: the error the client would see, and what the gateway does
 * next — retry the same target, move to the next target, or stop (input errors are never
 * retried or failed over). Messages name the provider and credential, never secrets; upstream
 * text is scrubbed.
 * @module
 */

import { EgressBlockedError } from '../egress/dispatcher.js'
import { AppError, type ErrorType } from '../errors/app-error.js'
import { scrubSecrets } from '../vault/scrub.js'
import { sendableHeaderValue, sendableKey } from '../vault/secret-material.js'
import type { CredentialMaterial } from './spec/v1/index.js'

export type NextStep = 'retry' | 'next' | 'stop'

export interface AttemptFailure {
  error: AppError
  next: NextStep
  /** Counts against the breaker (5xx, timeouts, connection errors). */
  unhealthy: boolean
  retryAfterMs?: number
}

const TYPES = new Set<string>([
  'invalid_request_error',
  'authentication_error',
  'permission_error',
  'not_found_error',
  'conflict_error',
  'request_too_large',
  'rate_limit_error',
])

function label(cred: CredentialMaterial): string {
  return `${cred.provider} (credential ${cred.name})`
}

function secretsOf(cred: CredentialMaterial): string[] {
  const out: string[] = []
  if (cred.apiKey) out.push(cred.apiKey)
  return out
}

/** Reads an OpenAI-shaped error body leniently. */
function parseError(text: string): { message?: string; type?: string; code?: string; param?: string } {
  try {
    const j = JSON.parse(text) as { error?: unknown; message?: unknown }
    const e = (j && typeof j.error === 'object' && j.error ? j.error : j) as Record<string, unknown>
    const str = (v: unknown) => (typeof v === 'string' ? v : undefined)
    return {
      message: str(e.message) ?? str(j.error),
      type: str(e.type),
      code: str(e.code) ?? (typeof e.code === 'number' ? String(e.code) : undefined),
      param: str(e.param),
    }
  } catch {
    return {}
  }
}

/** A non-2xx upstream answer. */
export function httpFailure(
  cred: CredentialMaterial,
  status: number,
  text: string,
  headers: Record<string, string>,
  retryAfterMs: number | undefined,
): AttemptFailure {
  if (status < 400) {
    // Redirects are never followed (a redirect is a classic SSRF pivot); another target may work.
    return {
      error: new AppError(
        502,
        'api_error',
        `${label(cred)} answered with a redirect (${status}), which Latchkey does not follow`,
        {
          code: 'upstream_redirect',
        },
      ),
      next: 'next',
      unhealthy: false,
    }
  }
  const parsed = parseError(text)
  const upstreamMsg = parsed.message
    ? scrubSecrets(parsed.message, secretsOf(cred)).slice(0, 1000)
    : undefined
  const passHeaders = { ...headers }
  if (status === 429) {
    const err = new AppError(
      429,
      'rate_limit_error',
      `${label(cred)} rate limited the request${upstreamMsg ? `: ${upstreamMsg}` : ''}`,
      {
        code: parsed.code ?? 'upstream_rate_limited',
        headers: passHeaders,
      },
    )
    return { error: err, next: 'retry', unhealthy: false, retryAfterMs }
  }
  if (status === 402) {
    // Out of credit on this account: retrying cannot help, another credential or provider can.
    const err = new AppError(
      402,
      'billing_error',
      `${label(cred)} is out of credit${upstreamMsg ? `: ${upstreamMsg}` : ''}`,
      { code: 'upstream_payment_required', headers: passHeaders, retryable: false },
    )
    return { error: err, next: 'next', unhealthy: false }
  }
  if (status >= 500 || status === 408 || status === 498) {
    // 498: Groq's "flex tier capacity exceeded, retry with backoff" — an overload, not bad input.
    const unavailable = status === 503 || status === 529 || status === 498
    const err = new AppError(
      unavailable ? 503 : status === 504 || status === 408 ? 504 : 502,
      unavailable ? 'overloaded_error' : status === 504 || status === 408 ? 'timeout_error' : 'api_error',
      `${label(cred)} answered ${status}${unavailable ? ' (unavailable)' : ''}${upstreamMsg ? `: ${upstreamMsg}` : ''}`,
      { code: unavailable ? 'upstream_unavailable' : 'upstream_error', headers: passHeaders },
    )
    return { error: err, next: 'retry', unhealthy: true, retryAfterMs }
  }
  // Input errors and auth problems: passed back with the upstream status and scrubbed body.
  // The status decides where it names a class (401, 403, 404…): Groq answers a bad key 401 with
  // type invalid_request_error, and clients branch on the type. The upstream type is kept only
  // for statuses that name none (400, 422…).
  const type =
    statusType(status) ??
    ((parsed.type && TYPES.has(parsed.type) ? parsed.type : 'invalid_request_error') as ErrorType)
  const err = new AppError(status, type, `${label(cred)}: ${upstreamMsg ?? `answered ${status}`}`, {
    code: parsed.code ?? 'upstream_rejected',
    ...(parsed.param ? { param: parsed.param } : {}),
    headers: passHeaders,
    retryable: false,
  })
  return { error: err, next: 'stop', unhealthy: false }
}

function statusType(status: number): ErrorType | undefined {
  if (status === 401) return 'authentication_error'
  if (status === 403) return 'permission_error'
  if (status === 404) return 'not_found_error'
  if (status === 409) return 'conflict_error'
  if (status === 413) return 'request_too_large'
  return undefined
}

export function timeoutFailure(cred: CredentialMaterial, ms: number, what = 'response'): AttemptFailure {
  return {
    error: new AppError(504, 'timeout_error', `${label(cred)} gave no ${what} within ${ms} ms`, {
      code: 'upstream_timeout',
    }),
    next: 'retry',
    unhealthy: true,
  }
}

/** Connection-level failures (refused, reset, TLS, DNS) and egress refusals. */
export function networkFailure(cred: CredentialMaterial, err: unknown): AttemptFailure {
  const e = err as { code?: string; cause?: { code?: string } }
  const blocked =
    err instanceof EgressBlockedError ? err : e?.cause instanceof EgressBlockedError ? e.cause : null
  if (blocked) {
    return {
      error: new AppError(
        502,
        'api_error',
        `egress policy refused the connection to ${label(cred)}: ${blocked.reason}`,
        {
          code: 'egress_blocked',
          retryable: false,
        },
      ),
      next: 'next',
      unhealthy: false,
    }
  }
  if (e?.code === 'UPSTREAM_BODY_TOO_LARGE') {
    return {
      error: new AppError(
        502,
        'api_error',
        `${label(cred)} sent a response body larger than Latchkey accepts`,
        {
          code: 'upstream_too_large',
        },
      ),
      next: 'next',
      unhealthy: false,
    }
  }
  const local = localFailure(cred, err)
  if (local) return local
  const code = e?.code ?? e?.cause?.code ?? 'unknown'
  return {
    error: new AppError(502, 'api_error', `could not reach ${label(cred)} (${code})`, {
      code: 'upstream_connection_error',
    }),
    next: 'retry',
    unhealthy: true,
  }
}

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

/**
 * Whether the credential's own sealed material is what cannot be sent: its key, or a header
 * sealed with it. The vault refuses such values at entry (secret-material.ts); credentials
 * stored before that rule still hold them.
 */
function unsendableSecret(cred: CredentialMaterial): boolean {
  if (cred.apiKey !== undefined && !sendableKey(cred.apiKey)) return true
  const s = cred.secret
  if (typeof s?.apiKey === 'string' && !sendableKey(s.apiKey)) return true
  const h = s?.headers
  return (
    !!h &&
    typeof h === 'object' &&
    Object.values(h).some((v) => typeof v === 'string' && !sendableHeaderValue(v))
  )
}

/**
 * A failure of our own making rather than the upstream's: a value that cannot go in a header
 * (a key pasted with a `…` in it, stored before the vault refused such keys), or a bug (a
 * RangeError from a value too deep to serialise). Never reported as "could not reach" the
 * provider and never held against its breaker; the next target may still serve the call.
 * An unsendable key is a 422 telling an admin to re-enter it (nothing the caller or the
 * provider can fix, and nothing a retry changes); undefined for real network failures.
 */
export function localFailure(cred: CredentialMaterial, err: unknown): AttemptFailure | undefined {
  const kind = localErrorKind(err)
  if (!kind) return undefined
  const keyAtFault = kind === 'header' && unsendableSecret(cred)
  const error = keyAtFault
    ? new AppError(
        422,
        'invalid_request_error',
        `${label(cred)} holds a key or custom header with characters that cannot be sent in an HTTP header (such as '…', a space or a line break); an admin must re-enter it (rotate the credential's key)`,
        { code: 'credential_key_unsendable', retryable: false, cause: err },
      )
    : kind === 'header'
      ? new AppError(
          422,
          'invalid_request_error',
          `Latchkey could not build the request to ${label(cred)}: a header value cannot be sent (characters outside Latin-1, such as '…', or line breaks)`,
          { code: 'request_not_sendable', retryable: false, cause: err },
        )
      : new AppError(
          500,
          'api_error',
          `Latchkey failed while preparing the request to ${label(cred)} (internal error)`,
          {
            code: 'internal_error',
            retryable: false,
            cause: err,
          },
        )
  return { error, next: 'next', unhealthy: false }
}

export function badUpstreamBody(cred: CredentialMaterial): AttemptFailure {
  return {
    error: new AppError(502, 'api_error', `${label(cred)} returned a body that is not valid JSON`, {
      code: 'upstream_bad_response',
    }),
    next: 'retry',
    unhealthy: true,
  }
}

/** The client went away: nothing to answer, nothing to retry. */
export function clientClosed(): AppError {
  return new AppError(499, 'api_error', 'client closed the request', {
    code: 'client_closed',
    retryable: false,
  })
}

/**
 * An AppError an adapter already mapped: 429/5xx retry, 402 and unsupported content fail over,
 * other statuses stop.
 */
export function mappedFailure(err: AppError): AttemptFailure {
  // Out of credit, or content this model cannot take (images to a text-only model): another
  // target may serve it, and the target itself is healthy.
  if (err.status === 402 || err.code === 'unsupported_content')
    return { error: err, next: 'next', unhealthy: false }
  if (err.status === 429) {
    const ra = err.headers['retry-after']
    const ms = ra && /^\d+(\.\d+)?$/.test(ra) ? Math.ceil(Number(ra) * 1000) : undefined
    return { error: err, next: 'retry', unhealthy: false, ...(ms !== undefined ? { retryAfterMs: ms } : {}) }
  }
  if (err.status >= 500 || err.status === 408) return { error: err, next: 'retry', unhealthy: true }
  return { error: err, next: 'stop', unhealthy: false }
}
