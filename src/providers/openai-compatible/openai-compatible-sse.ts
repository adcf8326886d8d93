/**
 * SSE decoding for upstream streams: bytes → events with eventsource-parser, one event at a
 * time so the consumer's pace (the client socket) sets the pace of reading upstream.
 * @module
 */
import { createParser } from 'eventsource-parser'
import type { StreamEvent } from '../../gateway/provider-adapter.js'

/** Largest single event buffered (a chunk is a few KB; a hostile stream must not grow memory). */
export const MAX_SSE_EVENT = 16 * 1024 * 1024

/** Decodes an SSE byte stream into events; errors of the byte stream propagate. */
export async function* decodeSse(
  body: AsyncIterable<Uint8Array>,
  maxEvent = MAX_SSE_EVENT,
): AsyncGenerator<StreamEvent> {
  const queue: StreamEvent[] = []
  let overflow: Error | null = null
  const parser = createParser({
    maxBufferSize: maxEvent,
    onEvent: (e) => queue.push(e.event ? { event: e.event, data: e.data } : { data: e.data }),
    onError: (err) => {
      if (err.type === 'max-buffer-size-exceeded') overflow = err
    },
  })
  const decoder = new TextDecoder()
  for await (const chunk of body) {
    parser.feed(decoder.decode(chunk, { stream: true }))
    while (queue.length > 0) yield queue.shift()!
    // Thrown as a stream failure: the relay ends the stream with an error event.
    if (overflow) throw overflow
  }
  parser.feed(decoder.decode())
  parser.reset({ consume: true })
  while (queue.length > 0) yield queue.shift()!
}
