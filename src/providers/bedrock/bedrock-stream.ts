/**
 * Bedrock ConverseStream event-stream frames → Chat chunks. Blocks are keyed by
 * `contentBlockIndex`; a `contentBlockStart` with `toolUse` opens the next OpenAI tool-call
 * index (id + name first), `toolUse.input` fragments become argument deltas. `metadata`
 * (usage) may arrive before or after `messageStop`, so the finish/usage chunks are emitted at
 * the end of the body. Exception frames map to the matching HTTP error.
 * @see https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_ConverseStream.html
 * @module
 */

import { brokenStream } from '../http/upstream-error.js'
import {
  type ChatChunkDelta,
  type ChatCompletionChunk,
  type ChatFinishReason,
  chatChunk,
} from '../translate/openai-chat.js'
import { JSON_TOOL_NAME } from '../translate/structured-output.js'
import { type BedrockUsage, bedrockStreamPayloadSchema } from './bedrock-api.js'
import { type EventStreamFrame, exceptionFrameError, readEventStream } from './bedrock-event-stream.js'
import { convertBedrockUsage } from './convert-bedrock-response.js'
import { mapBedrockStopReason } from './map-bedrock-stop-reason.js'

type Block = { kind: 'tool'; toolIndex: number } | { kind: 'json' }

export class BedrockStreamMapper {
  private blocks = new Map<number, Block>()
  private nextTool = 0
  private stop: string | undefined
  private usage: BedrockUsage | undefined
  private sawJson = false

  constructor(
    private readonly id: string,
    private readonly model: string,
    private readonly created: number,
    private readonly provider = 'bedrock',
  ) {}

  private chunk(delta: ChatChunkDelta, finish: ChatFinishReason | null = null): ChatCompletionChunk {
    return chatChunk(this.id, this.created, this.model, delta, finish)
  }

  push(frame: EventStreamFrame): ChatCompletionChunk[] {
    if (frame.messageType !== 'event') {
      throw exceptionFrameError(frame, this.provider)
    }
    const parsed = bedrockStreamPayloadSchema.safeParse(frame.payload)
    if (!parsed.success) throw brokenStream(this.provider, `unexpected ${frame.type} payload`)
    const p = parsed.data
    const blockIndex = p.contentBlockIndex ?? 0
    switch (frame.type) {
      case 'messageStart':
        return [this.chunk({ role: 'assistant', content: '' })]
      case 'contentBlockStart': {
        const tu = p.start?.toolUse
        if (!tu) return []
        if (tu.name === JSON_TOOL_NAME) {
          this.sawJson = true
          this.blocks.set(blockIndex, { kind: 'json' })
          return []
        }
        const toolIndex = this.nextTool++
        this.blocks.set(blockIndex, { kind: 'tool', toolIndex })
        return [
          this.chunk({
            tool_calls: [
              {
                index: toolIndex,
                id: String(tu.toolUseId),
                type: 'function',
                function: { name: String(tu.name), arguments: '' },
              },
            ],
          }),
        ]
      }
      case 'contentBlockDelta': {
        const d = p.delta ?? {}
        const block = this.blocks.get(blockIndex)
        if (typeof d.text === 'string' && d.text) return [this.chunk({ content: d.text })]
        if (d.toolUse && typeof d.toolUse.input === 'string') {
          if (block?.kind === 'json') return [this.chunk({ content: d.toolUse.input })]
          if (block?.kind === 'tool') {
            return [
              this.chunk({
                tool_calls: [{ index: block.toolIndex, function: { arguments: d.toolUse.input } }],
              }),
            ]
          }
          return []
        }
        if (d.reasoningContent) {
          if (d.reasoningContent.text)
            return [this.chunk({ reasoning_content: String(d.reasoningContent.text) })]
          if (d.reasoningContent.signature)
            return [this.chunk({ reasoning_signature: String(d.reasoningContent.signature) })]
        }
        return []
      }
      case 'messageStop':
        this.stop = String(p.stopReason ?? 'end_turn')
        return []
      case 'metadata':
        if (p.usage) this.usage = p.usage
        return []
      default:
        return []
    }
  }

  end(): ChatCompletionChunk[] {
    if (this.stop === undefined) throw brokenStream(this.provider, 'stream ended before messageStop')
    let finish = mapBedrockStopReason(this.stop)
    if (this.sawJson && finish === 'tool_calls' && this.nextTool === 0) finish = 'stop'
    return [
      this.chunk({}, finish),
      { ...this.chunk({}), choices: [], usage: convertBedrockUsage(this.usage) },
    ]
  }
}

export async function* bedrockStreamToChunks(
  body: ReadableStream<Uint8Array> | null,
  id: string,
  model: string,
  created: number,
): AsyncGenerator<ChatCompletionChunk> {
  const mapper = new BedrockStreamMapper(id, model, created)
  for await (const frame of readEventStream(body)) yield* mapper.push(frame)
  yield* mapper.end()
}
