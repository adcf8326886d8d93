/**
 * Relays an open upstream stream to an HTTP response, event by event: the next upstream event
 * is read only after the previous one was written (and the socket drained), so a slow client
 * slows the upstream read instead of filling memory. Usage is read from the events for
 * metering; the usage-only chunk the gateway asked for is dropped unless the client asked for
 * it. A failure after the first byte ends the stream with an error event in OpenAI's protocol
 * (never a silent truncated success); a client disconnect aborts the upstream at once.
 * @module
 */
import type { ServerResponse } from 'node:http'
import { AppError } from '../errors/app-error.js'
import type { StreamHandle, StreamOutcome } from './gateway.js'
import type { StreamEvent } from './provider-adapter.js'
import { ChatStreamShape, responsesResponseShape } from './shape.js'
import type { ContentShape, Usage } from './spec/v1/index.js'
import { usageFromChat, usageFromResponses } from './usage.js'

type Obj = Record<string, unknown>

function frame(ev: StreamEvent, data = ev.data): string {
  const lines = data.includes('\n')
    ? data
        .split('\n')
        .map((l) => `data: ${l}`)
        .join('\n')
    : `data: ${data}`
  return ev.event ? `event: ${ev.event}\n${lines}\n\n` : `${lines}\n\n`
}

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

/** Per-protocol bookkeeping over the events. */
interface Tracker {
  /** Returns the text to send for this event, or null to drop it. */
  handle(ev: StreamEvent): string | null
  /** The stream ended normally: what to append (e.g. `[DONE]`), or an error. */
  end(): { tail: string } | { error: AppError }
  usage: Usage | null
  upstreamError: boolean
  shape(): ContentShape
  errorFrame(err: AppError): string
  /** The reassembled answer, only when content capture was asked for. */
  captured?(): unknown
}

function chatTracker(clientWantsUsage: boolean, capture: boolean): Tracker {
  const shape = new ChatStreamShape(capture)
  let sawDone = false
  const t: Tracker = {
    captured: () =>
      shape.captured && {
        content: shape.captured.content.join(''),
        toolCalls: Object.values(shape.captured.toolCalls).map((c) => ({
          name: c.name,
          arguments: c.arguments.join(''),
        })),
        finishReason: shape.finishReason ?? null,
      },
    usage: null,
    upstreamError: false,
    handle(ev) {
      if (ev.data === '[DONE]') {
        sawDone = true
        return frame(ev)
      }
      let json: Obj
      try {
        json = JSON.parse(ev.data) as Obj
      } catch {
        return frame(ev)
      }
      if (json.error) {
        t.upstreamError = true
        return frame(ev)
      }
      const bytes = ev.data.length
      if (json.usage && typeof json.usage === 'object') {
        t.usage = usageFromChat(json.usage) ?? t.usage
        if (!clientWantsUsage && Array.isArray(json.choices) && json.choices.length === 0) return null
      }
      shape.add(json, bytes)
      // include_usage adds `"usage":null` to every chunk; the client did not ask for it.
      return clientWantsUsage ? frame(ev) : frame(ev, ev.data.replace(',"usage":null', ''))
    },
    end() {
      if (sawDone || t.upstreamError) return { tail: '' }
      // Some OpenAI-compatible servers omit [DONE]; a finished choice is still a complete answer.
      if (shape.finishReason) return { tail: 'data: [DONE]\n\n' }
      return {
        error: new AppError(502, 'api_error', 'upstream ended the stream before it finished', {
          code: 'upstream_stream_truncated',
        }),
      }
    },
    shape: () => shape.shape(),
    errorFrame: (err) =>
      `data: ${JSON.stringify({ error: { message: err.message, type: err.type, param: null, code: err.code ?? null } })}\n\n`,
  }
  return t
}

const TERMINAL = new Set(['response.completed', 'response.incomplete', 'response.failed'])

function responsesTracker(): Tracker {
  let terminal = false
  let bytes = 0
  let last: unknown
  let seq = 0
  const t: Tracker = {
    usage: null,
    upstreamError: false,
    handle(ev) {
      bytes += ev.data.length
      const type = ev.event
      if (type === 'error') t.upstreamError = true
      if (type && TERMINAL.has(type)) {
        terminal = true
        try {
          const json = JSON.parse(ev.data) as Obj
          last = json.response
          t.usage = usageFromResponses((json.response as Obj | undefined)?.usage)
          if (typeof json.sequence_number === 'number') seq = json.sequence_number
        } catch {
          // Unparseable terminal event: relayed as is, usage unknown.
        }
      }
      return frame(ev)
    },
    end() {
      if (terminal || t.upstreamError) return { tail: '' }
      return {
        error: new AppError(502, 'api_error', 'upstream ended the stream before it finished', {
          code: 'upstream_stream_truncated',
        }),
      }
    },
    shape: () => ({ ...responsesResponseShape(last), bytes }),
    errorFrame: (err) =>
      `event: error\ndata: ${JSON.stringify({ type: 'error', code: err.code ?? null, message: err.message, param: null, sequence_number: seq + 1 })}\n\n`,
  }
  return t
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

/**
 * Writes the stream to `res` (headers first: `baseHeaders` carries the request id and CORS
 * headers set earlier) and calls `h.finish` exactly once with the outcome.
 */
export async function relayStream(
  h: StreamHandle,
  res: ServerResponse,
  baseHeaders: Record<string, string | number | string[] | undefined>,
  t0: number,
): Promise<void> {
  const tracker =
    h.endpoint === 'responses'
      ? responsesTracker()
      : chatTracker(h.clientWantsUsage, h.captureContent === true)
  let clientGone = false
  let idle = false
  const onClose = () => {
    if (!res.writableFinished) {
      clientGone = true
      h.controller.abort(new Error('client closed'))
    }
  }
  res.on('close', onClose)
  if (res.destroyed) {
    // The client left before the relay started (its 'close' event is already past).
    clientGone = true
    h.controller.abort(new Error('client closed'))
  }
  const idleTimer = setTimeout(() => {
    idle = true
    h.controller.abort(new Error('idle timeout'))
  }, h.idleTimeoutMs)

  const headers: Record<string, string | number | string[]> = {}
  for (const [k, v] of Object.entries(baseHeaders)) if (v !== undefined) headers[k] = v
  Object.assign(headers, h.headers, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
  })
  try {
    res.writeHead(200, headers)
  } catch {
    // Headers refused (socket gone, invalid value): nothing can be sent; end and meter.
    clearTimeout(idleTimer)
    res.off('close', onClose)
    h.controller.abort(new Error('response failed'))
    res.destroy()
    h.finish({
      status: 'error',
      error: new AppError(500, 'api_error', 'could not start the response', { code: 'response_failed' }),
      usage: null,
      outputShape: {},
      ttftMs: null,
    })
    return
  }

  let ttftMs: number | null = null
  let failure: AppError | undefined
  const write = async (text: string | null) => {
    if (text === null || text === '' || clientGone) return
    if (res.destroyed) {
      clientGone = true
      return
    }
    if (ttftMs === null) ttftMs = Math.round((performance.now() - t0) * 100) / 100
    if (!res.write(text)) await waitDrain(res)
  }
  try {
    await write(tracker.handle(h.first))
    while (!clientGone) {
      const next = await h.rest.next()
      if (next.done) break
      idleTimer.refresh()
      await write(tracker.handle(next.value))
    }
    if (!clientGone) {
      const end = tracker.end()
      if ('error' in end) failure = end.error
      else await write(end.tail)
    }
  } catch {
    if (!clientGone) {
      failure = midStreamError(h, idle)
    }
  } finally {
    clearTimeout(idleTimer)
  }
  if (failure && !clientGone) await write(tracker.errorFrame(failure))
  if (!clientGone) res.end()
  res.off('close', onClose)
  if (clientGone) {
    // Make sure the upstream body is released even if the iterator was between reads.
    void h.rest.return?.().catch(() => {})
  }

  const outcome: StreamOutcome = clientGone
    ? { status: 'cancelled', usage: tracker.usage, outputShape: tracker.shape(), ttftMs }
    : failure || tracker.upstreamError
      ? {
          status: 'error',
          error:
            failure ??
            new AppError(502, 'api_error', 'upstream sent an error event', { code: 'upstream_error_event' }),
          usage: tracker.usage,
          outputShape: tracker.shape(),
          ttftMs,
        }
      : { status: 'ok', usage: tracker.usage, outputShape: tracker.shape(), ttftMs }
  if (h.captureContent) outcome.captured = tracker.captured?.() ?? null
  h.finish(outcome)
}
