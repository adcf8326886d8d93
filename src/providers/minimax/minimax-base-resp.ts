/**
 * MiniMax's own error envelope. Besides HTTP 4xx bodies in the usual `{error:{message,type}}`
 * shape, some failures come back as HTTP 200 with `choices: null` and a non-zero
 * `base_resp.status_code` (recorded: 1039 "token limit"). This maps such a body to the error the
 * caller gets, through the status MiniMax's code stands for.
 * @see https://platform.minimax.io/docs/api-reference/errorcode
 * @module
 */
import { AppError } from '../../errors/app-error.js'
import { malformedUpstream, upstreamError } from '../http/upstream-error.js'

/** MiniMax `base_resp.status_code` → the HTTP status it means (from the error-code table). */
const STATUS_OF: Record<number, number> = {
  1000: 500, // unknown error
  1001: 504, // request timeout
  1002: 429, // rate limit
  1004: 401, // not authorized
  1008: 402, // insufficient balance
  1024: 500, // internal error
  1026: 400, // input flagged as sensitive
  1027: 400, // output flagged as sensitive
  1033: 500, // system / downstream error
  1039: 400, // token limit (whether context or throughput is not documented; not retried)
  2013: 400, // invalid params
  2049: 401, // invalid API key
}

type WithBaseResp = {
  choices?: unknown
  base_resp?: { status_code?: unknown; status_msg?: unknown } | null
} | null

/**
 * The failure a 200 answer stands for: no `choices` and a non-zero `base_resp.status_code`
 * (HTTP status it means, MiniMax's reason); undefined for a real answer.
 */
export function minimaxBodyFailure(body: unknown): { status: number; message: string } | undefined {
  const b = body as WithBaseResp
  const br = b?.base_resp
  const code = typeof br?.status_code === 'number' ? br.status_code : 0
  if (!code || Array.isArray(b?.choices)) return undefined
  const reason = typeof br?.status_msg === 'string' && br.status_msg ? br.status_msg : 'error'
  return { status: STATUS_OF[code] ?? 502, message: `${reason} (base_resp ${code})` }
}

/** The error for a MiniMax body without `choices` (its `base_resp`, or a malformed answer). */
export function minimaxBaseRespError(body: unknown): AppError {
  const failure = minimaxBodyFailure(body)
  if (!failure) return malformedUpstream('minimax', 'response without choices')
  if (failure.status === 401) {
    // The quirk does not know the credential's name; never echo MiniMax's text (it may quote the key).
    return new AppError(
      401,
      'authentication_error',
      'minimax rejected the credential (check or rotate the key)',
      {
        code: 'upstream_auth_failed',
        retryable: false,
        details: { provider: 'minimax' },
      },
    )
  }
  return upstreamError({
    provider: 'minimax',
    credential: '',
    status: failure.status,
    body: JSON.stringify({ error: { message: failure.message } }),
    headers: new Headers(),
  })
}
