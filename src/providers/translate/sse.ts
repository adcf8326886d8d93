/**
 * Server-sent events in and out. Reading wraps eventsource-parser over a fetch body and turns
 * transport failures into a typed 502 (a reset mid-stream must end the caller's stream with an
 * error, not hang or crash). Writing produces the exact framing each protocol's SDK parses.
 * @module
 */
import { createParser, type EventSourceMessage } from 'eventsource-parser'
import { parseFailure } from '../../errors/parse-failure.js'
import { brokenStream } from '../http/upstream-error.js'

/** Yields SSE messages from a response body; throws a 502 AppError when the body breaks. */
export async function* readSse(
  body: ReadableStream<Uint8Array> | null,
  provider: string,
): AsyncGenerator<EventSourceMessage> {
  if (!body) throw brokenStream(provider, 'empty response body')
  const queue: EventSourceMessage[] = []
  const parser = createParser({
    onEvent: (e) => queue.push(e),
    // 8 MiB per event: big enough for base64 images echoed back, small enough to stop a runaway.
    maxBufferSize: 8 * 1024 * 1024,
    onError: () => {},
  })
  const decoder = new TextDecoder()
  const reader = body.getReader()
  try {
    for (;;) {
      let chunk: Awaited<ReturnType<typeof reader.read>>
      try {
        chunk = await reader.read()
      } catch (err) {
        throw brokenStream(provider, 'connection lost mid-stream', err)
      }
      if (chunk.done) break
      parser.feed(decoder.decode(chunk.value, { stream: true }))
      while (queue.length) yield queue.shift()!
    }
    parser.feed(decoder.decode())
    parser.feed('\n\n')
    while (queue.length) yield queue.shift()!
  } finally {
    // Stop the upstream when the consumer stops early (client gone, error): no tokens for nobody.
    reader.cancel().catch(() => {})
  }
}

/** One `data:` frame (OpenAI style, no event name). */
export function sseData(payload: unknown): string {
  return `data: ${typeof payload === 'string' ? payload : JSON.stringify(payload)}\n\n`
}

/** One named event frame (Anthropic style: `event:` + `data:` repeating `type`). */
export function sseEvent(event: string, payload: unknown): string {
  return `event: ${event}\ndata: ${JSON.stringify(payload)}\n\n`
}

/** Parses an SSE data line as JSON or throws a 502 naming the provider. */
export function parseSseJson(data: string, provider: string): unknown {
  try {
    return JSON.parse(data)
  } catch (err) {
    throw brokenStream(provider, 'malformed JSON in event stream', parseFailure(err))
  }
}
