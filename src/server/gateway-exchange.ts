/**
 * The gateway endpoints written once, transport-neutral: an `ExchangeHandler` takes the parsed
 * body, the principal and the raw response, and either returns a JSON answer or streams on
 * the raw response itself. Two transports run the same handlers: Fastify routes (every
 * request the fast path does not take: browsers with CORS, session cookies, odd content
 * types, `inject` in tests) and the raw `node:http` fast path (server/fast-path.ts) for
 * API clients, which skips the framework's per-request pipeline on the hot path.
 * @module
 */
import type { IncomingHttpHeaders, ServerResponse } from 'node:http'
import type { FastifyReply, FastifyRequest } from 'fastify'
import type { CancelSignal } from '../gateway/cancel.js'
import type { Principal } from '../identity/principal.js'
import { principalOf } from './plugins/auth.js'

export interface Exchange {
  /** The JSON body as parsed (any JSON value; handlers check the shape). */
  body: unknown
  /** Size of the body as received (shape only). */
  bodyBytes: number | undefined
  headers: IncomingHttpHeaders
  requestId: string
  principal: Principal
  /** Time the request arrived (performance.now()), for time-to-first-token. */
  t0: number
  /** For streams. */
  res: ServerResponse
  /** Aborts when the client goes away before its response is finished. */
  gone: CancelSignal
  /** Hands the raw response to the handler (a stream); returns the headers already set. */
  takeOver(): Record<string, string | number | string[] | undefined>
}

/** A JSON answer; `null` when the handler streamed on the raw response itself. */
export type Answer = { status: number; headers: Record<string, string>; body: string } | null

export type ExchangeHandler = (x: Exchange) => Promise<Answer>

/** Headers a handler forwards upstream (allow-list; auth headers never pass). */
export function pickHeaders(headers: IncomingHttpHeaders, names: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {}
  for (const h of names) {
    const v = headers[h]
    if (typeof v === 'string') out[h] = v
  }
  return out
}

/** Size of the body from its content-length header (the fast path knows the exact count). */
export function declaredLength(headers: IncomingHttpHeaders): number | undefined {
  const len = Number(headers['content-length'])
  return Number.isFinite(len) ? len : undefined
}

/** Runs an exchange handler as a Fastify route handler. */
export function fastifyRoute(handler: ExchangeHandler) {
  return async function exchangeRoute(req: FastifyRequest, reply: FastifyReply) {
    const t0 = performance.now() - reply.elapsedTime
    const answer = await handler({
      body: req.body,
      bodyBytes: declaredLength(req.headers),
      headers: req.headers,
      requestId: String(req.id),
      principal: principalOf(req),
      t0,
      res: reply.raw,
      // Aborts when the client leaves, or when a shutdown's drain deadline cuts the call.
      gone: req.server.lifecycle.cancelSignal(reply.raw),
      takeOver: () => {
        reply.hijack()
        return reply.getHeaders()
      },
    })
    if (!answer) return
    return reply.status(answer.status).headers(answer.headers).type('application/json').send(answer.body)
  }
}
