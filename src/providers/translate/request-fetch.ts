/**
 * A `fetch`-compatible function on top of undici's `request()`. undici's WHATWG `fetch` costs
 * several times more per call than `request()` (measured ~5× on loopback), and so does
 * wrapping `request()`'s answer in a WHATWG `Response` (Headers object, `Readable.toWeb`,
 * transferable web stream): on the translation path that wrapping alone cost about as much
 * as the upstream exchange. So the answer here is a thin `FetchResponse`: `text()`/`json()`
 * read undici's body directly, headers are read from undici's plain object, and a web stream
 * is made only when `body` is actually read (streams). Redirects are never followed (as the
 * egress guard requires).
 * @module
 */
import type { IncomingHttpHeaders } from 'node:http'
import { Readable } from 'node:stream'
import { type Dispatcher, getGlobalDispatcher } from 'undici'
import type { FetchInit, FetchLike, FetchResponse } from '../adapter.js'

export function requestFetch(dispatcher?: Dispatcher): FetchLike {
  return async function requestViaUndici(url, init) {
    // The dispatcher itself, not undici's top-level request(): that wrapper re-parses the URL
    // and copies the options on every call.
    const u = new URL(url)
    const res = await (dispatcher ?? getGlobalDispatcher()).request({
      origin: u.origin,
      path: `${u.pathname}${u.search}`,
      method: (init.method ?? 'GET') as Dispatcher.HttpMethod,
      headers: plainHeaders(init.headers),
      body: init.body as string | Uint8Array | null | undefined,
      // An AbortSignal or the gateway's CancelSignal (an EventEmitter): undici takes both.
      signal: init.signal ?? undefined,
    })
    // 204/304 and HEAD have no body.
    const noBody = res.statusCode === 204 || res.statusCode === 304 || init.method === 'HEAD'
    if (noBody) res.body.resume()
    return new UndiciResponse(res.statusCode, res.headers, noBody ? null : res.body)
  }
}

/** Request headers as undici takes them; adapters pass plain objects, so that path copies nothing. */
function plainHeaders(h: FetchInit['headers']): Record<string, string> | undefined {
  if (h === undefined || h === null) return undefined
  if (h instanceof Headers || Array.isArray(h)) {
    const out: Record<string, string> = {}
    new Headers(h).forEach((v, k) => {
      out[k] = v
    })
    return out
  }
  return h as Record<string, string>
}

type UndiciBody = Dispatcher.ResponseData['body']

class UndiciResponse implements FetchResponse {
  readonly ok: boolean
  #raw: IncomingHttpHeaders
  #body: UndiciBody | null
  #headers: Headers | undefined
  #web: ReadableStream<Uint8Array> | null | undefined

  constructor(
    readonly status: number,
    raw: IncomingHttpHeaders,
    body: UndiciBody | null,
  ) {
    this.ok = status >= 200 && status < 300
    this.#raw = raw
    this.#body = body
  }

  /** Upstream headers as undici gave them (lower-case names); no Headers object is built. */
  get rawHeaders(): IncomingHttpHeaders {
    return this.#raw
  }

  get headers(): Headers {
    if (!this.#headers) {
      const out = new Headers()
      for (const [k, v] of Object.entries(this.#raw)) {
        if (Array.isArray(v)) for (const x of v) out.append(k, x)
        else if (v !== undefined) out.set(k, String(v))
      }
      this.#headers = out
    }
    return this.#headers
  }

  get body(): ReadableStream<Uint8Array> | null {
    if (this.#web === undefined)
      this.#web = this.#body ? (Readable.toWeb(this.#body) as ReadableStream<Uint8Array>) : null
    return this.#web
  }

  text(): Promise<string> {
    return this.#body ? this.#body.text() : Promise.resolve('')
  }

  json(): Promise<unknown> {
    return this.#body ? this.#body.json() : Promise.reject(new SyntaxError('empty body is not JSON'))
  }

  async arrayBuffer(): Promise<ArrayBuffer> {
    return this.#body ? this.#body.arrayBuffer() : new ArrayBuffer(0)
  }
}

/** Upstream headers as a plain object with lower-case names (cheap for our own responses). */
export function headerEntries(res: FetchResponse): [string, string][] {
  if (res instanceof UndiciResponse) {
    const out: [string, string][] = []
    for (const [k, v] of Object.entries(res.rawHeaders)) {
      if (v === undefined) continue
      out.push([k, Array.isArray(v) ? v.join(', ') : String(v)])
    }
    return out
  }
  const out: [string, string][] = []
  res.headers.forEach((v, k) => {
    out.push([k, v])
  })
  return out
}
