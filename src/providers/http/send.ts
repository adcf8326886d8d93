/**
 * One upstream HTTP exchange with typed failures: connection errors → 502 naming the
 * provider, non-2xx → the provider's error mapped (upstream-error.ts), 2xx JSON validated
 * with the wire schema → 502 when it does not fit. Secrets never reach an error message.
 * @module
 */
import type { z } from 'zod'
import { AppError } from '../../errors/app-error.js'
import { parseFailure } from '../../errors/parse-failure.js'
import { secretStrings } from '../../errors/scrub.js'
import type { FetchLike, FetchResponse, ProviderCall } from '../adapter.js'
import { customHeaders } from './headers.js'
import { localErrorKind } from './local-error.js'
import { requestFetch } from './request-fetch.js'
import { malformedUpstream, upstreamError } from './upstream-error.js'

export interface SendOptions {
  provider: string
  call: ProviderCall
  method?: string
  headers: Record<string, string>
  body?: string | Uint8Array
  /** Strings to scrub from upstream error messages besides the credential's own (always scrubbed). */
  secrets?: string[]
}

/** Used when the caller injects no fetch (tests, tools): undici request(), not WHATWG fetch. */
export const defaultFetch: FetchLike = requestFetch()

/** Sends a request; resolves with a 2xx Response or throws an AppError. */
export async function send(url: string, opts: SendOptions): Promise<FetchResponse> {
  const f: FetchLike = opts.call.fetch ?? defaultFetch
  // Credential-level custom headers (vault `secret.headers`) go first: ours (auth) always win.
  const extra = credentialHeaders(opts.call)
  let res: FetchResponse
  try {
    res = await f(url, {
      method: opts.method ?? 'POST',
      headers: { ...extra, ...opts.headers },
      body: opts.body as RequestInit['body'],
      signal: opts.call.signal,
    })
  } catch (err) {
    if (err instanceof AppError) throw err
    // Our own failure (a header value that cannot be sent, a bug) is not the provider's: the
    // gateway reports it as such, never as "cannot reach".
    if (localErrorKind(err)) throw err
    if ((err as Error)?.name === 'AbortError')
      throw new AppError(499 as number, 'api_error', 'request aborted', { cause: err, retryable: false })
    throw new AppError(
      502,
      'api_error',
      `cannot reach ${opts.provider}: ${(err as Error)?.message ?? 'connection failed'}`,
      {
        code: 'upstream_unreachable',
        cause: err,
        details: { provider: opts.provider },
      },
    )
  }
  if (res.status >= 200 && res.status < 300) return res
  const body = await res.text().catch(() => '')
  throw upstreamError({
    provider: opts.provider,
    credential: opts.call.credential.name,
    status: res.status,
    body,
    headers: res.headers,
    // Computed only here, on the error path: a successful call never needs them.
    secrets: [...credentialSecrets(opts.call), ...(opts.secrets ?? [])],
  })
}

function credentialHeaders(call: ProviderCall): Record<string, string> {
  return customHeaders(call.credential.secret)
}

/** Reads and validates a JSON body; 502 when it is not JSON or not the expected shape. */
export async function readJson<T extends z.ZodType>(
  res: FetchResponse,
  schema: T,
  provider: string,
): Promise<z.infer<T>> {
  let text: string
  try {
    text = await res.text()
  } catch (err) {
    throw malformedUpstream(provider, 'connection lost while reading the body', err)
  }
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (err) {
    throw malformedUpstream(provider, 'body is not JSON', parseFailure(err))
  }
  const parsed = schema.safeParse(json)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    throw malformedUpstream(
      provider,
      `unexpected shape at ${issue?.path.join('.') || '(root)'}: ${issue?.message ?? ''}`,
    )
  }
  return parsed.data
}

/** Secret strings of a credential (for scrubbing): its key and every string of its secret. */
export function credentialSecrets(call: Pick<ProviderCall, 'credential'>): string[] {
  return secretStrings([call.credential.apiKey ?? '', call.credential.secret ?? {}])
}
