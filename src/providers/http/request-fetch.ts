/**
 * A `fetch`-compatible function made directly on an undici dispatcher. undici's WHATWG `fetch`
 * costs several times more per call than its `request()` API, and `request()` in turn wraps
 * every answer in a Node `Readable` (event plumbing, next-tick hops) even when the caller only
 * wants the whole JSON text: together most of a translated call's HTTP-client cost. So this
 * is a `dispatch` handler of its own (undici's documented handler API): the answer is a thin
 * `FetchResponse` whose chunks are kept as they arrive — `text()`/`json()` join them once, and
 * a web `ReadableStream` is made only when `body` is read (streams), with backpressure (the
 * connection pauses while the reader is behind). Headers come from undici's plain object (a
 * `Headers` only if asked for). Redirects are never followed (as the egress guard requires).
 * @module
 */
import type { IncomingHttpHeaders } from 'node:http'
import { type Dispatcher, getGlobalDispatcher } from 'undici'
import { type CallSignal, onAbort } from '../../gateway/cancel.js'
import type { FetchInit, FetchLike, FetchResponse } from '../adapter.js'

/** An answer nobody reads is kept in memory up to this size, then the request is aborted. */
const MAX_UNREAD_BYTES = 64 * 1024 * 1024

export function requestFetch(dispatcher?: Dispatcher): FetchLike {
  return function requestViaUndici(url, init) {
    const u = new URL(url)
    return new Promise((resolve, reject) => {
      const handler = new FetchHandler(init.method === 'HEAD', init.signal ?? undefined, resolve, reject)
      ;(dispatcher ?? getGlobalDispatcher()).dispatch(
        {
          origin: u.origin,
          path: `${u.pathname}${u.search}`,
          method: (init.method ?? 'GET') as Dispatcher.HttpMethod,
          headers: plainHeaders(init.headers),
          body: init.body as string | Uint8Array | null | undefined,
        },
        handler,
      )
    })
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

type Controller = Dispatcher.DispatchController

/** Receives one exchange: resolves the fetch at the response head, then feeds the body. */
class FetchHandler implements Dispatcher.DispatchHandler {
  #off: (() => void) | undefined
  #response: UndiciResponse | undefined

  constructor(
    readonly head: boolean,
    readonly signal: CallSignal | undefined,
    readonly resolve: (r: FetchResponse) => void,
    readonly reject: (e: unknown) => void,
  ) {}

  onRequestStart(controller: Controller): void {
    const s = this.signal
    if (!s) return
    if (s.aborted) controller.abort(s.reason)
    else this.#off = onAbort(s, () => controller.abort(s.reason))
  }

  onResponseStart(controller: Controller, status: number, headers: IncomingHttpHeaders): void {
    // 204/304 and HEAD have no body.
    const noBody = status === 204 || status === 304 || this.head
    this.#response = new UndiciResponse(status, headers, noBody ? null : new BodyBuffer(controller))
    this.resolve(this.#response)
  }

  onResponseData(_controller: Controller, chunk: Buffer): void {
    this.#response?.buffer?.push(chunk)
  }

  onResponseEnd(): void {
    this.#off?.()
    this.#response?.buffer?.end()
  }

  onResponseError(_controller: Controller, err: Error): void {
    this.#off?.()
    if (this.#response) this.#response.buffer?.fail(err)
    else this.reject(err)
  }
}

/** An answer's body: chunks kept until read whole (text/json) or as a stream. */
class BodyBuffer {
  #chunks: Buffer[] = []
  #bytes = 0
  #done = false
  #error: Error | undefined
  #waiters: { resolve: (b: Buffer) => void; reject: (e: Error) => void }[] = []
  #stream: ReadableStreamDefaultController<Uint8Array> | undefined
  used = false

  constructor(readonly controller: Controller) {}

  push(chunk: Buffer): void {
    if (this.#stream) {
      this.#stream.enqueue(chunk)
      if ((this.#stream.desiredSize ?? 1) <= 0) this.controller.pause()
      return
    }
    this.#chunks.push(chunk)
    this.#bytes += chunk.length
    if (this.#bytes > MAX_UNREAD_BYTES && this.#waiters.length === 0) {
      this.controller.abort(new Error(`response body over ${MAX_UNREAD_BYTES} bytes left unread`))
    }
  }

  end(): void {
    this.#done = true
    if (this.#stream) {
      this.#stream.close()
      return
    }
    const all = this.#chunks.length === 1 ? this.#chunks[0]! : Buffer.concat(this.#chunks, this.#bytes)
    for (const w of this.#waiters.splice(0)) w.resolve(all)
  }

  fail(err: Error): void {
    this.#error = err
    if (this.#stream) this.#stream.error(err)
    for (const w of this.#waiters.splice(0)) w.reject(err)
  }

  /** The whole body, once it has arrived. */
  all(): Promise<Buffer> {
    this.#claim()
    if (this.#error) return Promise.reject(this.#error)
    if (this.#done) {
      return Promise.resolve(
        this.#chunks.length === 1 ? this.#chunks[0]! : Buffer.concat(this.#chunks, this.#bytes),
      )
    }
    return new Promise((resolve, reject) => this.#waiters.push({ resolve, reject }))
  }

  /** The body as a web stream: what has arrived first, then the rest, with backpressure. */
  stream(): ReadableStream<Uint8Array> {
    this.#claim()
    return new ReadableStream<Uint8Array>(
      {
        start: (c) => {
          for (const chunk of this.#chunks) c.enqueue(chunk)
          this.#chunks = []
          if (this.#error) c.error(this.#error)
          else if (this.#done) c.close()
          else this.#stream = c
        },
        pull: () => {
          if (this.controller.paused) this.controller.resume()
        },
        cancel: (reason) => {
          if (!this.#done && !this.#error) this.controller.abort(reason ?? new Error('body cancelled'))
        },
      },
      { highWaterMark: 16 },
    )
  }

  #claim(): void {
    if (this.used) throw new TypeError('response body already used')
    this.used = true
  }
}

class UndiciResponse implements FetchResponse {
  readonly ok: boolean
  #raw: IncomingHttpHeaders
  #headers: Headers | undefined
  #web: FetchResponse['body'] | undefined

  constructor(
    readonly status: number,
    raw: IncomingHttpHeaders,
    readonly buffer: BodyBuffer | null,
  ) {
    this.ok = status >= 200 && status < 300
    this.#raw = raw
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

  get body(): FetchResponse['body'] {
    if (this.#web === undefined)
      this.#web = this.buffer ? (this.buffer.stream() as FetchResponse['body']) : null
    return this.#web ?? null
  }

  async text(): Promise<string> {
    if (!this.buffer) return ''
    const text = (await this.buffer.all()).toString('utf8')
    // As WHATWG text(): a leading byte-order mark is not part of the text.
    return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text
  }

  async json(): Promise<unknown> {
    if (!this.buffer) throw new SyntaxError('empty body is not JSON')
    return JSON.parse(await this.text())
  }

  async arrayBuffer(): Promise<ArrayBuffer> {
    if (!this.buffer) return new ArrayBuffer(0)
    const b = await this.buffer.all()
    return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer
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
