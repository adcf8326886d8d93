/**
 * Relays a gateway stream to an Anthropic-protocol client. Native pass-through chunks carry the
 * upstream's raw SSE event, written byte for byte; translated chunks go through
 * AnthropicEventWriter. One event is written at a time (drain-aware), a client disconnect aborts
 * the upstream, an idle upstream is cut, and a failure after the 200 ends the stream with
 * Anthropic's `event: error` — never a silent truncated success.
 * @module
 */
import type { ServerResponse } from 'node:http'
import { AppError } from '../../errors/app-error.js'
import type { StreamHandle } from '../../gateway/gateway.js'
import { ChatStreamShape } from '../../gateway/shape.js'
import type { Usage } from '../../gateway/spec/v1/index.js'
import { midStreamError, SseSession } from '../../gateway/sse-session.js'
import { usageFromChat } from '../../gateway/usage.js'
import { AnthropicEventWriter } from '../../providers/anthropic/anthropic-event-writer.js'
import { NATIVE_EVENT, type RawEvent } from '../../providers/anthropic/anthropic-native.js'
import type { ChatCompletionChunk } from '../../providers/translate/openai-chat.js'

function sse(event: string, data: string): string {
  return `event: ${event}\ndata: ${data}\n\n`
}

export interface AnthropicRelayOptions {
  model: string
  messageId: string
  baseHeaders: Record<string, string | number | string[] | undefined>
  t0: number
}

export async function relayAnthropicStream(
  h: StreamHandle,
  res: ServerResponse,
  o: AnthropicRelayOptions,
): Promise<void> {
  const writer = new AnthropicEventWriter(o.model, o.messageId)
  const shape = new ChatStreamShape()
  let usage: Usage | null = null
  let finished = false
  let native = false
  let upstreamError: AppError | undefined
  const session = new SseSession(h, res, o.t0)
  if (!session.start(o.baseHeaders)) return

  const handle = (data: string): string => {
    if (data === '[DONE]') return ''
    let json: Record<string, unknown>
    try {
      json = JSON.parse(data) as Record<string, unknown>
    } catch {
      throw new AppError(502, 'api_error', 'malformed event from upstream', { code: 'upstream_malformed' })
    }
    if (json.error && typeof json.error === 'object') {
      const e = json.error as { message?: string; type?: string }
      upstreamError = new AppError(502, 'api_error', e.message ?? 'upstream error', {
        code: 'upstream_error_event',
      })
      return sse(
        'error',
        JSON.stringify({ type: 'error', error: { type: e.type ?? 'api_error', message: e.message ?? '' } }),
      )
    }
    shape.add(json, data.length)
    if (json.usage) usage = usageFromChat(json.usage) ?? usage
    const raw = json[NATIVE_EVENT] as RawEvent | undefined
    if (raw) {
      native = true
      if (raw.event === 'message_stop') finished = true
      if (raw.event === 'error') {
        upstreamError = new AppError(502, 'api_error', 'upstream sent an error event', {
          code: 'upstream_error_event',
        })
      }
      return sse(raw.event, raw.data)
    }
    // Native streams: chunks without a raw event (the trailing usage chunk) are metering only.
    if (native) return ''
    const chunk = json as unknown as ChatCompletionChunk
    if (chunk.choices?.some((c) => c.finish_reason)) finished = true
    return writer
      .push(chunk)
      .map((e) => sse(e.event, JSON.stringify(e.data)))
      .join('')
  }

  let failure: AppError | undefined
  try {
    await session.write(handle(h.first.data))
    while (!session.clientGone && !upstreamError) {
      const next = await h.rest.next()
      if (next.done) break
      session.touch()
      await session.write(handle(next.value.data))
    }
    if (!session.clientGone && !upstreamError) {
      if (!finished) {
        failure = new AppError(502, 'api_error', 'upstream ended the stream before it finished', {
          code: 'upstream_stream_truncated',
        })
      } else if (!native) {
        // Translated streams get their closing events here; native ones carried message_stop.
        await session.write(
          writer
            .end()
            .map((e) => sse(e.event, JSON.stringify(e.data)))
            .join(''),
        )
      }
    }
  } catch (err) {
    if (!session.clientGone) failure = AppError.is(err) ? err : midStreamError(h, session.idle)
  } finally {
    session.stopIdle()
  }
  if (failure && !session.clientGone) {
    await session.write(
      sse(
        'error',
        JSON.stringify({ type: 'error', error: { type: failure.type, message: failure.message } }),
      ),
    )
  }
  // Release the upstream when we stopped reading early (client gone, upstream error event).
  session.end(upstreamError !== undefined)
  const { clientGone, ttftMs } = session
  const error = failure ?? upstreamError
  h.finish(
    clientGone
      ? { status: 'cancelled', usage, outputShape: shape.shape(), ttftMs }
      : error
        ? { status: 'error', error, usage, outputShape: shape.shape(), ttftMs }
        : { status: 'ok', usage, outputShape: shape.shape(), ttftMs },
  )
}
