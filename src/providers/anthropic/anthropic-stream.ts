/**
 * Anthropic Messages SSE → Chat Completions chunks. Blocks are keyed by the event `index`;
 * each `tool_use` block gets the next OpenAI tool-call index, with `id` and `name` on its first
 * fragment and `partial_json` appended as `arguments`. Usage on `message_delta` is cumulative,
 * so the final usage chunk uses the last values seen. The JSON forced-tool streams as text.
 * @see https://docs.anthropic.com/en/docs/build-with-claude/streaming
 * @module
 */

import { brokenStream, upstreamError } from '../http/upstream-error.js'
import {
  type ChatChunkDelta,
  type ChatCompletionChunk,
  type ChatFinishReason,
  chatChunk,
} from '../translate/openai-chat.js'
import { parseSseJson, readSse } from '../translate/sse.js'
import { JSON_TOOL_NAME } from '../translate/structured-output.js'
import {
  type AnthropicStreamEvent,
  type AnthropicUsage,
  anthropicStreamEventSchema,
} from './anthropic-api.js'
import { convertAnthropicUsage } from './convert-anthropic-usage.js'
import { mapAnthropicStopReason } from './map-anthropic-stop-reason.js'

/** Pure, event-at-a-time mapper (tests drive it with fixture events). */
export class AnthropicStreamMapper {
  private id = ''
  private model: string
  private usage: AnthropicUsage = {}
  private finish: ChatFinishReason | null = null
  private blocks = new Map<
    number,
    { kind: 'text' | 'tool' | 'json' | 'thinking' | 'other'; toolIndex?: number }
  >()
  private nextTool = 0
  private sawJsonTool = false
  done = false

  constructor(
    model: string,
    private readonly created: number,
    private readonly provider = 'anthropic',
  ) {
    this.model = model
  }

  private chunk(delta: ChatChunkDelta, finish: ChatFinishReason | null = null): ChatCompletionChunk {
    return chatChunk(this.id, this.created, this.model, delta, finish)
  }

  push(ev: AnthropicStreamEvent): ChatCompletionChunk[] {
    switch (ev.type) {
      case 'message_start': {
        this.id = ev.message?.id ?? this.id
        this.model = ev.message?.model ?? this.model
        if (ev.message?.usage) this.usage = { ...this.usage, ...stripNull(ev.message.usage) }
        return [this.chunk({ role: 'assistant', content: '' })]
      }
      case 'content_block_start': {
        const b = ev.content_block
        const idx = ev.index ?? 0
        if (b?.type === 'tool_use' && b.name === JSON_TOOL_NAME) {
          this.sawJsonTool = true
          this.blocks.set(idx, { kind: 'json' })
          return []
        }
        if (b?.type === 'tool_use') {
          const toolIndex = this.nextTool++
          this.blocks.set(idx, { kind: 'tool', toolIndex })
          return [
            this.chunk({
              tool_calls: [
                {
                  index: toolIndex,
                  id: b.id ?? '',
                  type: 'function',
                  function: { name: b.name ?? '', arguments: '' },
                },
              ],
            }),
          ]
        }
        if (b?.type === 'text') {
          this.blocks.set(idx, { kind: 'text' })
          return b.text ? [this.chunk({ content: b.text })] : []
        }
        this.blocks.set(idx, { kind: b?.type === 'thinking' ? 'thinking' : 'other' })
        return []
      }
      case 'content_block_delta': {
        const d = ev.delta
        const block = this.blocks.get(ev.index ?? 0)
        if (!d) return []
        if (d.type === 'text_delta' && d.text) return [this.chunk({ content: d.text })]
        if (d.type === 'input_json_delta' && d.partial_json) {
          if (block?.kind === 'json') return [this.chunk({ content: d.partial_json })]
          if (block?.kind === 'tool') {
            return [
              this.chunk({
                tool_calls: [{ index: block.toolIndex!, function: { arguments: d.partial_json } }],
              }),
            ]
          }
          return []
        }
        if (d.type === 'thinking_delta' && d.thinking) return [this.chunk({ reasoning_content: d.thinking })]
        if (d.type === 'signature_delta' && d.signature)
          return [this.chunk({ reasoning_signature: d.signature })]
        return []
      }
      case 'message_delta': {
        if (ev.usage) this.usage = { ...this.usage, ...stripNull(ev.usage) }
        if (ev.delta?.stop_reason !== undefined) this.finish = mapAnthropicStopReason(ev.delta.stop_reason)
        return []
      }
      case 'message_stop': {
        this.done = true
        let finish = this.finish ?? 'stop'
        if (this.sawJsonTool && finish === 'tool_calls' && this.nextTool === 0) finish = 'stop'
        const last = this.chunk({}, finish)
        const usage: ChatCompletionChunk = {
          ...this.chunk({}),
          choices: [],
          usage: convertAnthropicUsage(this.usage),
        }
        return [last, usage]
      }
      case 'error': {
        const type = ev.error?.type ?? 'api_error'
        const status = type === 'overloaded_error' ? 529 : type === 'rate_limit_error' ? 429 : 500
        throw upstreamError({
          provider: this.provider,
          credential: '',
          status,
          body: JSON.stringify({ type: 'error', error: ev.error }),
          headers: new Headers(),
        })
      }
      default:
        // ping and future event types
        return []
    }
  }
}

function stripNull(u: AnthropicUsage): AnthropicUsage {
  return Object.fromEntries(Object.entries(u).filter(([, v]) => v != null)) as AnthropicUsage
}

/** Reads an Anthropic SSE body and yields Chat chunks; a missing `message_stop` is a 502. */
export async function* anthropicStreamToChunks(
  body: ReadableStream<Uint8Array> | null,
  model: string,
  created: number,
  provider = 'anthropic',
): AsyncGenerator<ChatCompletionChunk> {
  const mapper = new AnthropicStreamMapper(model, created, provider)
  for await (const msg of readSse(body, provider)) {
    const parsed = anthropicStreamEventSchema.safeParse(parseSseJson(msg.data, provider))
    if (!parsed.success) throw brokenStream(provider, 'unexpected event shape')
    yield* mapper.push(parsed.data)
    if (mapper.done) return
  }
  throw brokenStream(provider, 'stream ended before message_stop')
}
