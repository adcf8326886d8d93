/**
 * SSE decoding for upstream streams: bytes → events with eventsource-parser, one event at a
 * time so the consumer's pace (the client socket) sets the pace of reading upstream.
 * @module
 */
import { createParser } from 'eventsource-parser'
import type { StreamEvent } from '../../gateway/provider-adapter.js'

/** Decodes an SSE byte stream into events; errors of the byte stream propagate. */
export async function* decodeSse(body: AsyncIterable<Uint8Array>): AsyncGenerator<StreamEvent> {
  const queue: StreamEvent[] = []
  const parser = createParser({
    onEvent: (e) => queue.push(e.event ? { event: e.event, data: e.data } : { data: e.data }),
  })
  const decoder = new TextDecoder()
  for await (const chunk of body) {
    parser.feed(decoder.decode(chunk, { stream: true }))
    while (queue.length > 0) yield queue.shift()!
  }
  parser.feed(decoder.decode())
  parser.reset({ consume: true })
  while (queue.length > 0) yield queue.shift()!
}
