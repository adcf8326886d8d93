/**
 * Headers on the way out and back, for every upstream request Latchkey makes: the
 * credential's custom headers (vault `secret.headers`, e.g. an org or project id a gateway in
 * front of the provider needs), and the upstream headers worth passing back to the caller.
 * @module
 */
import type { FetchResponse } from '../adapter.js'
import { headerEntries } from './request-fetch.js'

/** Upstream headers in any of the forms they arrive: WHATWG, undici's raw object, a response. */
export type HeaderSource = Headers | FetchResponse | Record<string, string | string[] | undefined>

/**
 * Passed back: the upstream request id (kept under its own name so SDKs surface it for
 * support tickets), rate-limit state and retry hints. Not passed: account details of the key
 * owner (`openai-organization`…), cookies, anything else.
 */
const PASS_HEADERS =
  /^(x-request-id|request-id|x-amzn-requestid|apim-request-id|x-ratelimit-.*|anthropic-ratelimit-.*|retry-after|retry-after-ms)$/i

function entries(h: HeaderSource): Iterable<[string, string]> {
  if (h instanceof Headers) return h.entries()
  if (!isRecord(h)) return headerEntries(h)
  const out: [string, string][] = []
  for (const [k, v] of Object.entries(h)) {
    if (v !== undefined) out.push([k, Array.isArray(v) ? v.join(', ') : String(v)])
  }
  return out
}

/** Upstream headers worth handing back to the caller, with lower-case names. */
export function passBackHeaders(h: HeaderSource): Record<string, string> {
  const out: Record<string, string> = {}
  if (isRecord(h)) {
    // undici's raw object (the pass-through hot path): no intermediate entry list.
    for (const k in h) {
      const v = h[k]
      if (v !== undefined && PASS_HEADERS.test(k)) out[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v
    }
    return out
  }
  for (const [k, v] of entries(h)) if (PASS_HEADERS.test(k)) out[k.toLowerCase()] = v
  return out
}

function isRecord(h: HeaderSource): h is Record<string, string | string[] | undefined> {
  return !(h instanceof Headers) && !('status' in h && typeof h.status === 'number' && 'headers' in h)
}

/** One header's value, whatever the source's form (names compared case-insensitively). */
export function headerValue(h: HeaderSource, name: string): string | undefined {
  if (h instanceof Headers) return h.get(name) ?? undefined
  for (const [k, v] of entries(h)) if (k.toLowerCase() === name) return v
  return undefined
}

/**
 * A credential's custom headers (vault `secret.headers`) with lower-case names, so that a
 * spread of ours after them replaces a same-named one whatever its case (`X-Api-Key` must
 * not ride along beside our `x-api-key`). Sent on every upstream request of every kind.
 */
export function customHeaders(secret: Record<string, unknown> | null | undefined): Record<string, string> {
  const h = secret?.headers
  if (!h || typeof h !== 'object') return {}
  const out: Record<string, string> = {}
  for (const [k, v] of Object.entries(h)) if (typeof v === 'string') out[k.toLowerCase()] = v
  return out
}
