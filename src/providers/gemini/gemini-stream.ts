/**
 * Gemini `streamGenerateContent?alt=sse` → Chat chunks. Every SSE data line is a whole
 * GenerateContentResponse holding only new parts; function calls arrive whole, so each is
 * emitted as one tool-call delta with id, name and full arguments. There is no `[DONE]`: the
 * stream ends at EOF, and a stream that ends without any finishReason is reported as broken.
 * @see https://ai.google.dev/api/generate-content#method:-models.streamgeneratecontent
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
import { mapGeminiParts } from './convert-gemini-response.js'
import { convertGeminiUsage } from './convert-gemini-usage.js'
import { type GeminiResponse, type GeminiUsage, geminiResponseSchema } from './gemini-api.js'
import { mapGeminiFinishReason } from './map-gemini-finish-reason.js'

export class GeminiStreamMapper {
  private id: string
  private model: string
  private usage: GeminiUsage | undefined
  private started = new Set<number>()
  private toolCount = new Map<number, number>()
  private finished = new Map<number, ChatFinishReason>()

  constructor(
    model: string,
    private readonly created: number,
    fallbackId: string,
    private readonly provider = 'gemini',
  ) {
    this.model = model
    this.id = fallbackId
  }

  private chunk(
    index: number,
    delta: ChatChunkDelta,
    finish: ChatFinishReason | null = null,
  ): ChatCompletionChunk {
    return chatChunk(this.id, this.created, this.model, delta, finish, index)
  }

  push(res: GeminiResponse): ChatCompletionChunk[] {
    if (res.error) {
      throw upstreamError({
        provider: this.provider,
        credential: '',
        status: res.error.code ?? 500,
        body: JSON.stringify({ error: res.error }),
        headers: new Headers(),
      })
    }
    if (res.responseId) this.id = res.responseId
    if (res.modelVersion) this.model = res.modelVersion
    if (res.usageMetadata) this.usage = res.usageMetadata
    const out: ChatCompletionChunk[] = []
    if (!res.candidates?.length && res.promptFeedback?.blockReason) {
      out.push(this.chunk(0, { role: 'assistant', content: '' }))
      this.finished.set(0, 'content_filter')
      return out
    }
    for (const [i, c] of (res.candidates ?? []).entries()) {
      const index = c.index ?? i
      const delta: ChatChunkDelta = {}
      if (!this.started.has(index)) {
        this.started.add(index)
        delta.role = 'assistant'
      }
      const firstTool = this.toolCount.get(index) ?? 0
      const m = mapGeminiParts(c.content?.parts ?? [], `${this.id}:${index}`, firstTool)
      if (m.reasoning) delta.reasoning_content = m.reasoning
      if (m.signature) delta.reasoning_signature = m.signature
      if (m.text) delta.content = m.text
      if (m.toolCalls.length) {
        delta.tool_calls = m.toolCalls.map((tc, k) => ({ index: firstTool + k, ...tc }))
        this.toolCount.set(index, firstTool + m.toolCalls.length)
      }
      if (Object.keys(delta).length) out.push(this.chunk(index, delta))
      if (c.finishReason) {
        const f = mapGeminiFinishReason(c.finishReason, (this.toolCount.get(index) ?? 0) > 0)
        if (f) this.finished.set(index, f)
      }
    }
    return out
  }

  /** Final finish + usage chunks; throws when no candidate ever finished. */
  end(): ChatCompletionChunk[] {
    if (this.finished.size === 0) throw brokenStream(this.provider, 'stream ended without a finishReason')
    const out = [...this.finished.entries()].map(([index, f]) => this.chunk(index, {}, f))
    out.push({ ...this.chunk(0, {}), choices: [], usage: convertGeminiUsage(this.usage) })
    return out
  }
}

export async function* geminiStreamToChunks(
  body: ReadableStream<Uint8Array> | null,
  model: string,
  created: number,
  fallbackId: string,
  provider = 'gemini',
): AsyncGenerator<ChatCompletionChunk> {
  const mapper = new GeminiStreamMapper(model, created, fallbackId, provider)
  for await (const msg of readSse(body, provider)) {
    const parsed = geminiResponseSchema.safeParse(parseSseJson(msg.data, provider))
    if (!parsed.success) throw brokenStream(provider, 'unexpected chunk shape')
    yield* mapper.push(parsed.data)
  }
  yield* mapper.end()
}
