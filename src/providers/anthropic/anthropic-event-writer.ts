/**
 * Canonical Chat chunks → Anthropic SSE events (`message_start`, `content_block_*`,
 * `message_delta`, `message_stop`), for `/v1/messages` callers served by other providers.
 * One block is open at a time: a switch between reasoning, text and a tool call closes the
 * current block and opens the next, as Anthropic's own streams do.
 * @see https://docs.anthropic.com/en/docs/build-with-claude/streaming
 * @module
 */
import type { ChatCompletionChunk, ChatFinishReason, ChatUsage } from '../translate/openai-chat.js'
import { toAnthropicUsage } from './convert-anthropic-usage.js'
import { toAnthropicStopReason } from './map-anthropic-stop-reason.js'

export interface AnthropicEvent {
  event: string
  data: Record<string, unknown>
}

type Open = { kind: 'text' } | { kind: 'thinking' } | { kind: 'tool'; toolIndex: number }

export class AnthropicEventWriter {
  private started = false
  private index = -1
  private open: Open | undefined
  private finish: ChatFinishReason | null = null
  private usage: ChatUsage | undefined

  constructor(
    private readonly model: string,
    private readonly id: string,
  ) {}

  private start(): AnthropicEvent[] {
    if (this.started) return []
    this.started = true
    return [
      {
        event: 'message_start',
        data: {
          type: 'message_start',
          message: {
            id: this.id,
            type: 'message',
            role: 'assistant',
            model: this.model,
            content: [],
            stop_reason: null,
            stop_sequence: null,
            usage: { input_tokens: 0, output_tokens: 0 },
          },
        },
      },
    ]
  }

  private close(): AnthropicEvent[] {
    if (!this.open) return []
    this.open = undefined
    return [{ event: 'content_block_stop', data: { type: 'content_block_stop', index: this.index } }]
  }

  private openBlock(open: Open, block: Record<string, unknown>): AnthropicEvent[] {
    const out = this.close()
    this.index++
    this.open = open
    out.push({
      event: 'content_block_start',
      data: { type: 'content_block_start', index: this.index, content_block: block },
    })
    return out
  }

  private delta(delta: Record<string, unknown>): AnthropicEvent {
    return { event: 'content_block_delta', data: { type: 'content_block_delta', index: this.index, delta } }
  }

  push(chunk: ChatCompletionChunk): AnthropicEvent[] {
    const out = this.start()
    if (chunk.usage) this.usage = chunk.usage
    const choice = chunk.choices[0]
    if (!choice) return out
    const d = choice.delta ?? {}
    if (d.reasoning_content) {
      if (this.open?.kind !== 'thinking')
        out.push(...this.openBlock({ kind: 'thinking' }, { type: 'thinking', thinking: '' }))
      out.push(this.delta({ type: 'thinking_delta', thinking: d.reasoning_content }))
    }
    if (d.reasoning_signature && this.open?.kind === 'thinking') {
      out.push(this.delta({ type: 'signature_delta', signature: d.reasoning_signature }))
    }
    if (d.content) {
      if (this.open?.kind !== 'text')
        out.push(...this.openBlock({ kind: 'text' }, { type: 'text', text: '' }))
      out.push(this.delta({ type: 'text_delta', text: d.content }))
    }
    for (const tc of d.tool_calls ?? []) {
      const idx = tc.index ?? 0
      if (!(this.open?.kind === 'tool' && this.open.toolIndex === idx)) {
        out.push(
          ...this.openBlock(
            { kind: 'tool', toolIndex: idx },
            {
              type: 'tool_use',
              id: tc.id ?? `toolu_${this.id}_${idx}`,
              name: tc.function?.name ?? '',
              input: {},
            },
          ),
        )
      }
      if (tc.function?.arguments)
        out.push(this.delta({ type: 'input_json_delta', partial_json: tc.function.arguments }))
    }
    if (choice.finish_reason) this.finish = choice.finish_reason
    return out
  }

  /** Closing events, after the source ended normally. */
  end(): AnthropicEvent[] {
    const out = [...this.start(), ...this.close()]
    out.push({
      event: 'message_delta',
      data: {
        type: 'message_delta',
        delta: { stop_reason: toAnthropicStopReason(this.finish), stop_sequence: null },
        usage: toAnthropicUsage(this.usage),
      },
    })
    out.push({ event: 'message_stop', data: { type: 'message_stop' } })
    return out
  }

  /** Anthropic's in-stream error event (no message_stop after it). */
  static error(type: string, message: string): AnthropicEvent {
    return { event: 'error', data: { type: 'error', error: { type, message } } }
  }
}
