/**
 * The response side of a relayed stream, shared by the OpenAI-protocol relay and the Anthropic
 * one: SSE headers, drain-aware writes, time to first byte, a client disconnect that aborts the
 * upstream at once, and the idle timer that cuts a silent upstream.
 * @module
 */
import type { ServerResponse } from 'node:http'
import { AppError } from '../errors/app-error.js'
import type { StreamHandle } from './gateway.js'

type HeaderValues = Record<string, string | number | string[] | undefined>

function waitDrain(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    // 'close' may have fired already (client gone between two writes): never wait for it.
    if (res.destroyed) return resolve()
    const done = () => {
      res.off('drain', done)
      res.off('close', done)
      resolve()
    }
    res.on('drain', done)
    res.on('close', done)
  })
}

/** Why an upstream stream stopped after it began: silence past the idle timeout, or a broken connection. */
export function midStreamError(h: Pick<StreamHandle, 'target' | 'idleTimeoutMs'>, idle: boolean): AppError {
  const provider = h.target.credential.provider
  return idle
    ? new AppError(504, 'timeout_error', `${provider} sent nothing for ${h.idleTimeoutMs} ms`, {
        code: 'upstream_timeout',
      })
    : new AppError(502, 'api_error', `connection to ${provider} failed mid-stream`, {
        code: 'upstream_stream_interrupted',
      })
}

export class SseSession {
  clientGone = false
  idle = false
  ttftMs: number | null = null
  readonly #h: StreamHandle
  readonly #res: ServerResponse
  readonly #t0: number
  readonly #idleTimer: NodeJS.Timeout
  readonly #onClose = () => {
    if (!this.#res.writableFinished) this.#gone()
  }

  constructor(h: StreamHandle, res: ServerResponse, t0: number) {
    this.#h = h
    this.#res = res
    this.#t0 = t0
    res.on('close', this.#onClose)
    // The client left before the relay started (its 'close' event is already past).
    if (res.destroyed) this.#gone()
    this.#idleTimer = setTimeout(() => {
      this.idle = true
      h.controller.abort(new Error('idle timeout'))
    }, h.idleTimeoutMs)
  }

  #gone(): void {
    this.clientGone = true
    this.#h.controller.abort(new Error('client closed'))
  }

  /**
   * Sends the 200 with SSE headers (`baseHeaders` carries the request id and CORS headers set
   * earlier, then the upstream's pass-back headers). False when the response cannot start
   * (socket gone, invalid header value): the stream is then released and metered as an error.
   */
  start(baseHeaders: HeaderValues): boolean {
    const headers: Record<string, string | number | string[]> = {}
    for (const [k, v] of Object.entries(baseHeaders)) if (v !== undefined) headers[k] = v
    Object.assign(headers, this.#h.headers, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    })
    try {
      this.#res.writeHead(200, headers)
      return true
    } catch {
      this.#stop()
      this.#h.controller.abort(new Error('response failed'))
      this.#res.destroy()
      this.#h.finish({
        status: 'error',
        error: new AppError(500, 'api_error', 'could not start the response', { code: 'response_failed' }),
        usage: null,
        outputShape: {},
        ttftMs: null,
      })
      return false
    }
  }

  /** Writes one piece and waits for the socket to drain; a no-op once the client is gone. */
  async write(text: string | null): Promise<void> {
    if (text === null || text === '' || this.clientGone) return
    if (this.#res.destroyed) {
      this.clientGone = true
      return
    }
    if (this.ttftMs === null) this.ttftMs = Math.round((performance.now() - this.#t0) * 100) / 100
    if (!this.#res.write(text)) await waitDrain(this.#res)
  }

  /** An upstream event arrived: the idle timer starts over. */
  touch(): void {
    this.#idleTimer.refresh()
  }

  /** Upstream reading is over: no more idle cut. */
  stopIdle(): void {
    clearTimeout(this.#idleTimer)
  }

  /** Ends the response (when the client is still there) and releases the upstream if it was left unread. */
  end(unread: boolean): void {
    if (!this.clientGone) this.#res.end()
    this.#stop()
    if (this.clientGone || unread) void this.#h.rest.return?.(undefined).catch(() => {})
  }

  #stop(): void {
    clearTimeout(this.#idleTimer)
    this.#res.off('close', this.#onClose)
  }
}
