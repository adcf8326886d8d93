/**
 * Untouched Anthropic Messages pass-through carried through the gateway's Chat seam. The
 * `/v1/messages` route hands the caller's original body to the gateway next to the canonical
 * request (`ProviderCall.anthropicBody`); an attempt whose target speaks Anthropic natively
 * sends that body as is (model swapped) and returns, next to the canonical mapping the gateway
 * meters, the upstream message (NATIVE_MESSAGE) or each raw SSE event (NATIVE_EVENT), which
 * the route hands back byte for byte.
 * @module
 */

import type { ProviderCall } from '../adapter.js'
import { brokenStream } from '../http/upstream-error.js'
import type { ChatCompletion, ChatCompletionChunk } from '../translate/openai-chat.js'
import { parseSseJson, readSse } from '../translate/sse.js'
import { type AnthropicMessage, anthropicStreamEventSchema } from './anthropic-api.js'
import { AnthropicStreamMapper } from './anthropic-stream.js'

export const NATIVE_MESSAGE = '__latchkey_anthropic_message'
export const NATIVE_EVENT = '__latchkey_anthropic_event'

export interface RawEvent {
  event: string
  data: string
}

/** The caller's own Anthropic body, when the call came in on POST /v1/messages. */
export function nativeRequestOf(call: ProviderCall): Record<string, unknown> | undefined {
  return call.anthropicBody
}

export function withNativeMessage(res: ChatCompletion, msg: AnthropicMessage): ChatCompletion {
  return Object.assign(res, { [NATIVE_MESSAGE]: msg })
}

/**
 * Raw Anthropic SSE → chunks that carry each raw event (plus the canonical deltas, for
 * metering). Events that map to no delta (ping, block stop) travel in an empty carrier chunk.
 */
export function nativeAnthropicStream(
  body: ReadableStream<Uint8Array> | null,
  model: string,
  created: number,
  provider: string,
): AsyncGenerator<ChatCompletionChunk> {
  return nativeAnthropicEvents(readSse(body, provider), model, created, provider)
}

/** Same, from already-framed events (Bedrock wraps each Anthropic event in a binary frame). */
export async function* nativeAnthropicEvents(
  source: AsyncIterable<{ event?: string | undefined; data: string }>,
  model: string,
  created: number,
  provider: string,
): AsyncGenerator<ChatCompletionChunk> {
  const mapper = new AnthropicStreamMapper(model, created, provider)
  for await (const msg of source) {
    const json = parseSseJson(msg.data, provider)
    const parsed = anthropicStreamEventSchema.safeParse(json)
    if (!parsed.success) throw brokenStream(provider, 'unexpected event shape')
    const raw: RawEvent = { event: msg.event ?? parsed.data.type, data: msg.data }
    let chunks: ChatCompletionChunk[]
    try {
      chunks = mapper.push(parsed.data)
    } catch (err) {
      // Hand the upstream's own error event to the caller first, then fail the stream.
      yield carrier(raw, model, created)
      throw err
    }
    if (chunks.length === 0) yield carrier(raw, model, created)
    else {
      const [first, ...rest] = chunks
      yield Object.assign(first!, { [NATIVE_EVENT]: raw })
      yield* rest
    }
    if (mapper.done) return
  }
  throw brokenStream(provider, 'stream ended before message_stop')
}

function carrier(raw: RawEvent, model: string, created: number): ChatCompletionChunk {
  return Object.assign(
    { id: '', object: 'chat.completion.chunk' as const, created, model, choices: [] },
    { [NATIVE_EVENT]: raw },
  )
}
