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
import { midStreamError, SseSession } from './sse-session.js'
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
  const session = new SseSession(h, res, t0)
  if (!session.start(baseHeaders)) return

  let failure: AppError | undefined
  try {
    await session.write(tracker.handle(h.first))
    while (!session.clientGone) {
      const next = await h.rest.next()
      if (next.done) break
      session.touch()
      await session.write(tracker.handle(next.value))
    }
    if (!session.clientGone) {
      const end = tracker.end()
      if ('error' in end) failure = end.error
      else await session.write(end.tail)
    }
  } catch {
    if (!session.clientGone) failure = midStreamError(h, session.idle)
  } finally {
    session.stopIdle()
  }
  if (failure && !session.clientGone) await session.write(tracker.errorFrame(failure))
  // A client that left gets the upstream body released even if the iterator was between reads.
  session.end(false)
  const { clientGone, ttftMs } = session

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
