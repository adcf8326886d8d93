/**
 * A `fetch`-compatible function on top of undici's `request()`. undici's WHATWG `fetch` costs
 * several times more per call than `request()` (measured ~5× on loopback), which dominates the
 * translation path's overhead; this keeps the adapters' fetch-shaped seam but takes the fast
 * path. Redirects are never followed (as the egress guard requires); the body is exposed as a
 * web stream only when read.
 * @module
 */
import { Readable } from 'node:stream'
import { type Dispatcher, request } from 'undici'
import type { FetchLike } from '../adapter.js'

export function requestFetch(dispatcher?: Dispatcher): FetchLike {
  return async function requestViaUndici(url, init) {
    const headers: Record<string, string> = {}
    new Headers(init.headers).forEach((v, k) => {
      headers[k] = v
    })
    const res = await request(url, {
      method: (init.method ?? 'GET') as Dispatcher.HttpMethod,
      headers,
      body: init.body as string | Uint8Array | null | undefined,
      signal: init.signal ?? undefined,
      ...(dispatcher ? { dispatcher } : {}),
    })
    const out = new Headers()
    for (const [k, v] of Object.entries(res.headers)) {
      if (Array.isArray(v)) for (const x of v) out.append(k, x)
      else if (v !== undefined) out.set(k, String(v))
    }
    // 204/304 and HEAD have no body; Response rejects one for those statuses.
    const noBody = res.statusCode === 204 || res.statusCode === 304 || init.method === 'HEAD'
    if (noBody) res.body.resume()
    const body = noBody ? null : (Readable.toWeb(res.body) as ReadableStream<Uint8Array>)
    return new Response(body, { status: res.statusCode, headers: out })
  }
}
