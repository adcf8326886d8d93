/**
 * Anthropic Messages pass-through on Bedrock (`/v1/messages` → Claude on Bedrock): the caller's
 * body goes to InvokeModel untouched except `model` (moved to the URL), `stream` (chosen by the
 * operation) and `anthropic_version: bedrock-2023-05-31`; `anthropic-beta` becomes the body's
 * `anthropic_beta` list. Streams come back as event-stream `chunk` frames whose `bytes` hold
 * one Anthropic event each; they are unwrapped into the raw SSE events the caller receives.
 * @see https://docs.aws.amazon.com/bedrock/latest/userguide/model-parameters-anthropic-claude-messages.html
 * @module
 */
import type { ProviderCall } from '../adapter.js'
import { nativeAnthropicEvents } from '../anthropic/anthropic-native.js'
import { brokenStream } from '../http/upstream-error.js'
import type { ChatCompletionChunk } from '../translate/openai-chat.js'
import { exceptionFrameError, readEventStream } from './bedrock-event-stream.js'

export const BEDROCK_ANTHROPIC_VERSION = 'bedrock-2023-05-31'

export function bedrockAnthropicBody(
  native: Record<string, unknown>,
  call: ProviderCall,
): Record<string, unknown> {
  const { model: _m, stream: _s, ...rest } = native
  const beta = call.callerHeaders?.['anthropic-beta']
  return {
    ...rest,
    anthropic_version: BEDROCK_ANTHROPIC_VERSION,
    ...(beta
      ? {
          anthropic_beta: beta
            .split(',')
            .map((b) => b.trim())
            .filter(Boolean),
        }
      : {}),
  }
}

async function* unwrap(
  body: ReadableStream<Uint8Array> | null,
): AsyncGenerator<{ event?: string; data: string }> {
  for await (const frame of readEventStream(body)) {
    if (frame.messageType !== 'event') {
      throw exceptionFrameError(frame, 'bedrock')
    }
    if (frame.type !== 'chunk') continue
    const bytes = frame.payload.bytes
    if (typeof bytes !== 'string') throw brokenStream('bedrock', 'chunk frame without bytes')
    yield { data: Buffer.from(bytes, 'base64').toString('utf8') }
  }
}

export function bedrockAnthropicStream(
  body: ReadableStream<Uint8Array> | null,
  model: string,
  created: number,
): AsyncGenerator<ChatCompletionChunk> {
  return nativeAnthropicEvents(unwrap(body), model, created, 'bedrock')
}
