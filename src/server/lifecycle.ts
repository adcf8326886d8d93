/**
 * Readiness and graceful drain for rolling restarts behind a load balancer.
 *
 * `GET /readyz` answers 200 while the database (and Redis, when configured) answer and the
 * instance is not draining. On SIGTERM the instance:
 * 1. turns readiness off (503) and asks every response from now on to close its connection,
 *    so keep-alive clients reconnect — through the balancer, to another instance;
 * 2. keeps serving for `drainDelayMs` so the balancer notices (only when something has
 *    polled /readyz: a plain `npm start` with nobody watching stops at once);
 * 3. stops accepting connections, closes idle ones, and waits for in-flight calls and
 *    streams to finish, at most `drainTimeoutMs`;
 * 4. then cuts what is left, in the caller's protocol: an unanswered call gets a 503 error
 *    body, a stream gets its protocol's error event (the upstream is released), and the
 *    sockets close. Shutdown is bounded even under calls that never end.
 *
 * A request that reaches the instance while it drains is served normally (never Fastify's
 * own 503): the balancer may still send a few before it notices.
 * @module
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http'
import { sql } from 'kysely'
import { AppError } from '../errors/app-error.js'
import { CancelSignal } from '../gateway/cancel.js'
import { errorBody, protocolOf } from './protocol.js'
import type { Runtime } from './runtime.js'

declare module 'fastify' {
  interface FastifyInstance {
    /** Readiness and drain of this instance (server/lifecycle.ts). */
    lifecycle: Lifecycle
  }
}

export interface Readiness {
  ok: boolean
  /** Why not ready (no hostnames or driver messages: /readyz is open without auth). */
  reasons: string[]
}

export interface DrainOptions {
  drainDelayMs: number
  drainTimeoutMs: number
  /** How long cut calls get to write their last bytes before the sockets close. */
  cutGraceMs?: number
  log?: (msg: string, extra?: Record<string, unknown>) => void
}

interface InFlight {
  req: IncomingMessage
  res: ServerResponse
  cancel: CancelSignal | undefined
}

/** How long one readiness answer is reused: an open endpoint must not turn into DB load. */
/**
 * A response's in-flight entry, kept on the response itself. Not a WeakMap keyed by the
 * response: the entry points back at its key, and V8's young-generation GC keeps such an
 * ephemeron's value alive, so every request's objects (request, response, headers, the
 * call's closures) survived into the old generation and a mark-compact pause of tens of
 * milliseconds followed every few thousand calls — the gateway's p99 stall.
 */
const IN_FLIGHT = Symbol('latchkey.inFlight')
type Tracked = ServerResponse & { [IN_FLIGHT]?: InFlight }

const READY_CACHE_MS = 1000
const CHECK_TIMEOUT_MS = 2000

export const SHUTTING_DOWN = (): AppError =>
  new AppError(503, 'api_error', 'the server is shutting down; retry the request', {
    code: 'server_shutting_down',
    headers: { 'retry-after': '1' },
  })

export class Lifecycle {
  #draining = false
  #polled = false
  #inflight = new Set<InFlight>()
  #idle: (() => void) | undefined
  #cached: { at: number; value: Promise<Readiness> } | undefined

  constructor(private readonly rt: Pick<Runtime, 'db' | 'redis'>) {}

  get draining(): boolean {
    return this.#draining
  }

  get inflight(): number {
    return this.#inflight.size
  }

  /** Counts a request from arrival until its response closes; drain waits for these. */
  track(req: IncomingMessage, res: ServerResponse): void {
    const entry: InFlight = { req, res, cancel: undefined }
    this.#inflight.add(entry)
    const tracked: Tracked = res
    tracked[IN_FLIGHT] = entry
    // From the start of the drain on, every response asks its client to reconnect elsewhere.
    if (this.#draining) res.shouldKeepAlive = false
    res.once('close', () => {
      this.#inflight.delete(entry)
      if (this.#inflight.size === 0) this.#idle?.()
    })
  }

  /**
   * The call's cancel signal: aborts when the client goes away before its response finished,
   * or when the drain deadline cuts the call. Both transports take theirs from here.
   */
  cancelSignal(res: ServerResponse): CancelSignal {
    const gone = new CancelSignal()
    // 'close' fires on a finished response too; only an unfinished one means the client left.
    res.once('close', () => {
      if (!res.writableFinished) gone.abort(new Error('client closed'))
    })
    const entry = (res as Tracked)[IN_FLIGHT]
    if (entry) entry.cancel = gone
    return gone
  }

  /** The /readyz answer (cached for a second; checks bounded to two seconds each). */
  readiness(now = Date.now()): Promise<Readiness> {
    this.#polled = true
    if (this.#draining) return Promise.resolve({ ok: false, reasons: ['draining'] })
    if (this.#cached && now - this.#cached.at < READY_CACHE_MS) return this.#cached.value
    const value = this.#check()
    this.#cached = { at: now, value }
    return value
  }

  async #check(): Promise<Readiness> {
    const reasons: string[] = []
    const db = withTimeout(sql`select 1`.execute(this.rt.db.db), CHECK_TIMEOUT_MS)
    const redis = this.rt.redis ? withTimeout(this.rt.redis.ping(), CHECK_TIMEOUT_MS) : Promise.resolve()
    const [d, r] = await Promise.allSettled([db, redis])
    if (d.status === 'rejected') reasons.push('database unreachable')
    if (r.status === 'rejected') reasons.push('redis unreachable')
    return { ok: reasons.length === 0, reasons }
  }

  /**
   * The drain described above; resolves once no request is left (served or cut). The
   * server's `close` must be called by the caller afterwards (Fastify's hooks run there).
   */
  async drain(server: Server, o: DrainOptions): Promise<void> {
    const log = o.log ?? (() => {})
    this.#draining = true
    this.#cached = undefined
    for (const e of this.#inflight) e.res.shouldKeepAlive = false
    if (this.#polled && o.drainDelayMs > 0) {
      log('draining: readiness off, waiting for the load balancer', { delayMs: o.drainDelayMs })
      await sleep(o.drainDelayMs)
    }
    // Stop accepting; connections with no request in flight close now, the others after
    // their response (keep-alive is off for them).
    server.close()
    server.closeIdleConnections()
    if (this.#inflight.size > 0) {
      log('draining: waiting for calls in flight', { inflight: this.#inflight.size })
      const idle = new Promise<void>((resolve) => {
        this.#idle = resolve
      })
      const done = await Promise.race([idle.then(() => true), sleep(o.drainTimeoutMs).then(() => false)])
      if (!done) {
        log('draining: deadline reached, cutting calls still in flight', { inflight: this.#inflight.size })
        this.#cut()
        await Promise.race([idle, sleep(o.cutGraceMs ?? 1000)])
      }
    }
    server.closeAllConnections()
  }

  /** Ends every call still in flight in its caller's protocol and releases its upstream. */
  #cut(): void {
    const err = SHUTTING_DOWN()
    for (const e of this.#inflight) {
      const { req, res } = e
      if (!res.headersSent && !res.writableEnded && !res.destroyed) {
        const id = String(res.getHeader('x-latchkey-request-id') ?? '')
        const body = JSON.stringify(errorBody(protocolOf(req.url ?? '/', req.headers), err, id))
        res.shouldKeepAlive = false
        res.writeHead(503, {
          'content-type': 'application/json; charset=utf-8',
          'retry-after': '1',
          'content-length': Buffer.byteLength(body),
        })
        res.end(body)
      }
      // A stream sees its upstream fail and writes its protocol's error event; an answered
      // call's handler finds its response already sent.
      e.cancel?.abort(err)
    }
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms).unref())
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let t: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    t = setTimeout(() => reject(new Error('timeout')), ms)
    t.unref()
  })
  return Promise.race([p, timeout]).finally(() => clearTimeout(t))
}
