/**
 * AWS event-stream (application/vnd.amazon.eventstream) framing, decoded and encoded with
 * Smithy's codec (which checks both CRCs). The body arrives in arbitrary pieces, so frames are
 * reassembled from the 4-byte big-endian total length before decoding. Encoding is used by
 * tests and fakes to produce byte-exact Bedrock streams.
 * @see ../../../../shared/PROVIDERS.md §5 (Streaming)
 * @module
 */
import { createRequire } from 'node:module'
import type { EventStreamCodec } from '@smithy/eventstream-codec'
import { parseFailure } from '../../errors/parse-failure.js'
import { brokenStream, upstreamError } from '../http/upstream-error.js'

// Smithy's codec is loaded at the first Bedrock stream, not at server start (cold start).
let codecInstance: EventStreamCodec | undefined
function codec(): EventStreamCodec {
  if (codecInstance) return codecInstance
  const require = createRequire(import.meta.url)
  const { EventStreamCodec: Codec } =
    require('@smithy/eventstream-codec') as typeof import('@smithy/eventstream-codec')
  const { fromUtf8, toUtf8 } = require('@smithy/util-utf8') as typeof import('@smithy/util-utf8')
  codecInstance = new Codec(toUtf8, fromUtf8)
  return codecInstance
}

export interface EventStreamFrame {
  /** `event`, `exception` or `error`. */
  messageType: string
  /** `:event-type` or `:exception-type` (or `:error-code`). */
  type: string
  /** JSON payload (or `{message}` for error frames). */
  payload: Record<string, unknown>
}

/** Largest frame accepted (AWS caps frames at 16 MiB plus prelude). */
const MAX_FRAME = 16 * 1024 * 1024 + 1024

/** Yields decoded frames from a response body; 502 on a bad frame or a cut connection. */
export async function* readEventStream(
  body: ReadableStream<Uint8Array> | null,
  provider = 'bedrock',
): AsyncGenerator<EventStreamFrame> {
  if (!body) throw brokenStream(provider, 'empty response body')
  const reader = body.getReader()
  let buf: Uint8Array = new Uint8Array(0)
  try {
    for (;;) {
      let r: Awaited<ReturnType<typeof reader.read>>
      try {
        r = await reader.read()
      } catch (err) {
        throw brokenStream(provider, 'connection lost mid-stream', err)
      }
      if (r.done) break
      buf = concat(buf, r.value)
      while (buf.length >= 4) {
        const total = new DataView(buf.buffer, buf.byteOffset, 4).getUint32(0, false)
        if (total < 16 || total > MAX_FRAME)
          throw brokenStream(provider, `invalid event-stream frame length ${total}`)
        if (buf.length < total) break
        const frame = buf.slice(0, total)
        buf = buf.slice(total)
        yield decodeFrame(frame, provider)
      }
    }
    if (buf.length) throw brokenStream(provider, 'stream ended inside an event-stream frame')
  } finally {
    reader.cancel().catch(() => {})
  }
}

function decodeFrame(frame: Uint8Array, provider: string): EventStreamFrame {
  let msg: ReturnType<EventStreamCodec['decode']>
  try {
    msg = codec().decode(frame)
  } catch (err) {
    throw brokenStream(provider, 'corrupt event-stream frame (checksum or header)', err)
  }
  const h = (name: string) => {
    const v = msg.headers[name]
    return v && v.type === 'string' ? v.value : ''
  }
  const messageType = h(':message-type') || 'event'
  if (messageType === 'error') {
    return { messageType, type: h(':error-code'), payload: { message: h(':error-message') } }
  }
  const text = Buffer.from(msg.body.buffer, msg.body.byteOffset, msg.body.byteLength).toString('utf8')
  let payload: Record<string, unknown> = {}
  if (text) {
    try {
      payload = JSON.parse(text) as Record<string, unknown>
    } catch (err) {
      throw brokenStream(provider, 'malformed JSON in event-stream frame', parseFailure(err))
    }
  }
  return { messageType, type: messageType === 'exception' ? h(':exception-type') : h(':event-type'), payload }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.length === 0) return b
  const out = new Uint8Array(a.length + b.length)
  out.set(a)
  out.set(b, a.length)
  return out
}

/** Encodes one frame (for fakes and tests). */
export function encodeEventFrame(
  type: string,
  payload: unknown,
  messageType: 'event' | 'exception' = 'event',
): Uint8Array {
  const typeHeader = messageType === 'event' ? ':event-type' : ':exception-type'
  return codec().encode({
    headers: {
      ':message-type': { type: 'string', value: messageType },
      [typeHeader]: { type: 'string', value: type },
      ':content-type': { type: 'string', value: 'application/json' },
    },
    body: new Uint8Array(Buffer.from(JSON.stringify(payload), 'utf8')),
  })
}

/** HTTP status for each Bedrock exception frame type (the stream itself answered 200). */
const EXCEPTION_STATUS: Record<string, number> = {
  throttlingException: 429,
  serviceUnavailableException: 503,
  internalServerException: 500,
  modelStreamErrorException: 502,
  validationException: 400,
  modelTimeoutException: 504,
}

/** The upstream error an exception frame (`messageType` other than `event`) stands for. */
export function exceptionFrameError(frame: EventStreamFrame, provider: string): Error {
  const message = String(frame.payload.message ?? frame.payload.Message ?? frame.type)
  return upstreamError({
    provider,
    credential: '',
    status: EXCEPTION_STATUS[frame.type] ?? 502,
    body: JSON.stringify({ message }),
    headers: new Headers({ 'x-amzn-errortype': frame.type }),
  })
}
