/**
 * How one failed attempt is judged: the error the client would see, and what the gateway does
 * next — retry the same target, move to the next target, or stop (input errors are never
 * retried or failed over). Messages name the provider and credential, never secrets; upstream
 * text is scrubbed.
 * @module
 */

import { EgressBlockedError } from '../egress/dispatcher.js'
import { AppError } from '../errors/app-error.js'
import { localErrorKind } from '../providers/http/local-error.js'
import { credentialSecrets } from '../providers/http/send.js'
import { upstreamError } from '../providers/http/upstream-error.js'
import { sendableHeaderValue, sendableKey } from '../vault/secret-material.js'
import { retryAfterMs } from './retry.js'
import type { CredentialMaterial } from './spec/v1/index.js'

export type NextStep = 'retry' | 'next' | 'stop'

export interface AttemptFailure {
  error: AppError
  next: NextStep
  /** Counts against the breaker (5xx, timeouts, connection errors). */
  unhealthy: boolean
  retryAfterMs?: number
}

function label(cred: CredentialMaterial): string {
  return `${cred.provider} (credential ${cred.name})`
}

/**
 * A non-2xx upstream answer on the pass-through path: mapped by the one upstream error
 * mapping (providers/http/upstream-error.ts), exactly as a translated adapter's would be.
 */
export function httpFailure(
  cred: CredentialMaterial,
  status: number,
  text: string,
  headers: Record<string, string>,
): AttemptFailure {
  return mappedFailure(
    upstreamError({
      provider: cred.provider,
      credential: cred.name,
      status,
      body: text,
      headers,
      // Computed only here, on the error path: a successful call never needs them.
      secrets: credentialSecrets({ credential: cred }),
    }),
  )
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
  // A redirect (never followed): another target may work.
  if (err.status === 402 || err.code === 'unsupported_content' || err.code === 'upstream_redirect')
    return { error: err, next: 'next', unhealthy: false }
  if (err.status === 429) {
    const ms = retryAfterMs(err.headers)
    return { error: err, next: 'retry', unhealthy: false, ...(ms !== undefined ? { retryAfterMs: ms } : {}) }
  }
  if (err.status >= 500 || err.status === 408) {
    const ms = retryAfterMs(err.headers)
    return { error: err, next: 'retry', unhealthy: true, ...(ms !== undefined ? { retryAfterMs: ms } : {}) }
  }
  return { error: err, next: 'stop', unhealthy: false }
}
