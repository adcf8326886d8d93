/**
 * The gateway's fast path: API clients' POSTs to the gateway endpoints are served straight
 * from `node:http`, without Fastify's per-request pipeline (routing, hook chain, child logger,
 * reply object, content-type parser). On a small machine that pipeline cost about a quarter
 * of a translated call's CPU time (docs/gateway.md "Performance").
 *
 * It takes only the plain case — POST, bearer or `x-api-key` token, `application/json`, no
 * `Origin` header, server not closing — and does exactly what the Fastify path does for it:
 * the same request id and header, the same token check and 401, the same body limit (413),
 * JSON parser and 400s (server/json-body.ts), the same exchange
 * handler (server/gateway-exchange.ts), errors rendered in the caller's protocol, the same
 * request metric and access-log line. Everything else (browsers and CORS, session cookies,
 * other content types, preflights) goes to Fastify, untouched.
 * @module
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import { AppError, tooLarge } from '../errors/app-error.js'
import { toAppError } from '../errors/to-app-error.js'
import type { Answer, ExchangeHandler } from './gateway-exchange.js'
import { parseJsonBody } from './json-body.js'
import type { Lifecycle } from './lifecycle.js'
import { bearerToken, tokenPrincipal } from './plugins/auth.js'
import type { RequestObserver } from './plugins/metrics.js'
import { errorBody, protocolOf } from './protocol.js'
import { requestId } from './request-id.js'
import type { Runtime } from './runtime.js'

export interface FastPathOptions {
  exchanges: ReadonlyMap<string, ExchangeHandler>
  observe: RequestObserver
  bodyLimit: number
  /** True once the app closes (after the drain): anything left goes to Fastify. */
  closing: () => boolean
  /** Cancel signals the drain can cut (server/lifecycle.ts). */
  lifecycle: Lifecycle
}

export interface FastPath {
  /** Serves the request and returns true, or returns false and leaves it to Fastify. */
  take(req: IncomingMessage, res: ServerResponse): boolean
  /** Requests taken so far (tests and diagnostics). */
  readonly served: number
}

declare module 'fastify' {
  interface FastifyInstance {
    /** The gateway fast path in front of this instance (server/fast-path.ts). */
    fastPath: FastPath
  }
}

const JSON_TYPE = /^application\/json\s*(;|$)/i

/** The route path of a URL: no query string, at most one trailing slash dropped (as Fastify's router). */
function routePath(url: string): string {
  const q = url.indexOf('?')
  const path = q === -1 ? url : url.slice(0, q)
  return path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path
}

export function createFastPath(rt: Runtime, o: FastPathOptions): FastPath {
  let served = 0
  return {
    get served() {
      return served
    },
    take(req, res) {
      if (req.method !== 'POST' || o.closing()) return false
      const url = req.url ?? '/'
      const route = routePath(url)
      const handler = o.exchanges.get(route)
      if (!handler) return false
      const h = req.headers
      if (
        h.origin !== undefined ||
        typeof h['content-type'] !== 'string' ||
        !JSON_TYPE.test(h['content-type'])
      )
        return false
      const token = bearerToken({ headers: h, url })
      if (!token) return false
      served++
      void serve(rt, o, handler, req, res, route, token)
      return true
    },
  }
}

async function serve(
  rt: Runtime,
  o: FastPathOptions,
  handler: ExchangeHandler,
  req: IncomingMessage,
  res: ServerResponse,
  route: string,
  token: string,
): Promise<void> {
  const t0 = performance.now()
  const id = requestId()
  const url = req.url ?? '/'
  // Headers go out in one writeHead (no setHeader first: Node then takes its fast path).
  const base = { 'x-latchkey-request-id': id }
  const gone = o.lifecycle.cancelSignal(res)
  res.once('close', () => {
    o.observe({ id, method: 'POST', url, route }, res.statusCode, performance.now() - t0)
  })
  try {
    const known = tokenPrincipal(rt, token)
    const principal = known instanceof Promise ? await known : known
    const raw = await readBody(req, o.bodyLimit)
    const answer: Answer = await handler({
      body: parseJsonBody(raw),
      bodyBytes: raw.length,
      headers: req.headers,
      requestId: id,
      principal,
      t0,
      res,
      gone,
      takeOver: () => base,
    })
    if (answer) send(res, answer.status, base, answer.headers, answer.body)
  } catch (err) {
    const e = toAppError(err)
    if (e.status >= 500) rt.logger.error({ reqId: id, err: e.cause ?? err }, 'request failed')
    if (res.headersSent) {
      // A stream already under way ends here (its relay wrote the error event).
      if (!res.writableEnded) res.end()
      return
    }
    const body = JSON.stringify(errorBody(protocolOf(url, req.headers), e, id))
    send(res, e.status, base, { ...e.headers, 'content-type': 'application/json; charset=utf-8' }, body)
    // A body cut short by the limit is still arriving: close rather than read it all.
    if (e.status === 413) res.once('finish', () => req.destroy())
  }
}

function send(
  res: ServerResponse,
  status: number,
  base: Record<string, string>,
  headers: Record<string, string>,
  body: string,
): void {
  // Already answered: the drain deadline cut this call (server/lifecycle.ts).
  if (res.destroyed || res.headersSent) return
  res.writeHead(status, {
    'content-type': 'application/json',
    ...base,
    ...headers,
    'content-length': Buffer.byteLength(body),
  })
  res.end(body)
}

/** The whole body as a Buffer, refused with 413 past the limit (declared or received). */
function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length'])
  if (declared > limit) {
    req.resume()
    return Promise.reject(tooLarge())
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    const onData = (c: Buffer) => {
      size += c.length
      if (size > limit) {
        cleanup()
        req.resume()
        reject(tooLarge())
        return
      }
      chunks.push(c)
    }
    const onEnd = () => {
      cleanup()
      resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size))
    }
    const onError = (err: Error) => {
      cleanup()
      reject(new AppError(400, 'invalid_request_error', 'request body could not be read', { cause: err }))
    }
    const onAborted = () => onError(new Error('client aborted'))
    const cleanup = () => {
      req.off('data', onData)
      req.off('end', onEnd)
      req.off('error', onError)
      req.off('aborted', onAborted)
    }
    req.on('data', onData)
    req.on('end', onEnd)
    req.on('error', onError)
    req.on('aborted', onAborted)
  })
}
