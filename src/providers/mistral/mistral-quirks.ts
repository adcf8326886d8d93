/**
 * Mistral (La Plateforme, EU-hosted). Requests: `random_seed` instead of `seed`; `tool_choice`
 * says `"any"` where OpenAI says `"required"`; the request schema is closed (unknown fields are
 * a 422 `extra_forbidden`, e.g. `stream_options`, which Mistral does not take: usage comes on
 * the finish chunk anyway); tool-call ids must be nine ASCII letters or digits, so ids minted
 * by other providers are mapped to stable nine-character ones. Answers: Magistral models put
 * `content` as chunks (`thinking` + `text`), normalised to `reasoning_content` + text;
 * `model_length` is a `length` stop; `error` is a failed generation; streamed tool calls come
 * whole, without `index` or `type`.
 * @see https://docs.mistral.ai/api/#tag/chat
 * @module
 */
import { AppError } from '../../errors/app-error.js'
import { brokenStream } from '../http/upstream-error.js'
import type { ChatCompletionChunk, ChatFinishReason, ChatMessage } from '../translate/openai-chat.js'
import type { OpenAICompatQuirks } from '../translate/openai-compat-quirks.js'
import { mistralToolCallId } from './mistral-tool-call-id.js'

type Part = { type?: string; text?: unknown; thinking?: unknown }

/** Text and reasoning of a Mistral `content` (a string, or a list of `text`/`thinking` chunks). */
export function splitMistralContent(content: unknown): { text: string | null; reasoning: string } {
  if (content == null) return { text: null, reasoning: '' }
  if (typeof content === 'string') return { text: content, reasoning: '' }
  if (!Array.isArray(content)) return { text: null, reasoning: '' }
  let text = ''
  let reasoning = ''
  for (const p of content as Part[]) {
    if (p?.type === 'text' && typeof p.text === 'string') text += p.text
    else if (p?.type === 'thinking' && Array.isArray(p.thinking)) {
      for (const t of p.thinking as Part[])
        if (t?.type === 'text' && typeof t.text === 'string') reasoning += t.text
    }
    // `image_url` and `reference` chunks carry nothing a text answer can hold.
  }
  return { text, reasoning }
}

/** `model_length` (context window reached) is a truncation like `length`. */
function finishReason(reason: string | null | undefined): ChatFinishReason | null {
  if (reason == null) return null
  return (reason === 'model_length' ? 'length' : reason) as ChatFinishReason
}

const generationFailed = () =>
  new AppError(502, 'api_error', 'mistral stopped the generation with finish_reason "error"', {
    code: 'upstream_error',
    details: { provider: 'mistral' },
  })

function withIds(messages: ChatMessage[]): ChatMessage[] {
  return messages.map((m) => {
    if (m.tool_calls?.length) {
      return { ...m, tool_calls: m.tool_calls.map((c) => ({ ...c, id: mistralToolCallId(c.id) })) }
    }
    if (m.role === 'tool' && m.tool_call_id) return { ...m, tool_call_id: mistralToolCallId(m.tool_call_id) }
    return m
  })
}

/**
 * Numbers streamed tool calls in order: Mistral sends each whole in one delta, without `index`
 * (and `type`), and OpenAI clients assemble tool calls by `index` (the `openai` SDK's stream
 * helper ends with no calls otherwise). Used by the translation below and by the Chat
 * pass-through (openai-compatible-adapter.ts), which otherwise leaves chunks as they come.
 */
export function indexToolCalls(): (chunk: ChatCompletionChunk) => ChatCompletionChunk {
  let calls = 0
  return (chunk) => {
    if (!chunk.choices.some((c) => c.delta?.tool_calls)) return chunk
    return {
      ...chunk,
      choices: chunk.choices.map((c) => {
        if (!c.delta?.tool_calls) return c
        const tool_calls = c.delta.tool_calls.map((t) => {
          const index = t.index ?? (t.id ? calls : Math.max(0, calls - 1))
          calls = Math.max(calls, index + 1)
          return { ...t, index, ...(t.id ? { type: 'function' as const } : {}) }
        })
        return { ...c, delta: { ...c.delta, tool_calls } }
      }),
    }
  }
}

export const mistralQuirks: OpenAICompatQuirks = {
  kind: 'mistral',
  prepareRequest(body, ctx) {
    const { seed, stream_options: _so, user, ...rest } = body
    const out = { ...rest, messages: withIds(rest.messages) } as typeof body
    if (seed != null) out.random_seed = seed
    if (out.tool_choice === 'required') out.tool_choice = 'any' as never
    if (user !== undefined) ctx.unsupported('user', 'not accepted by Mistral (closed request schema)')
    return out
  },
  normalizeResponse(res) {
    return {
      ...res,
      choices: res.choices.map((c) => {
        if ((c.finish_reason as string) === 'error') throw generationFailed()
        const { text, reasoning } = splitMistralContent(c.message.content)
        const message = { ...c.message, content: text }
        if (reasoning) message.reasoning_content = reasoning
        if (message.tool_calls)
          message.tool_calls = message.tool_calls.map((t) => ({ ...t, type: 'function' }))
        return { ...c, message, finish_reason: finishReason(c.finish_reason) }
      }),
    }
  },
  createStreamNormalizer() {
    const indexed = indexToolCalls()
    return (chunk: ChatCompletionChunk) =>
      indexed({
        ...chunk,
        choices: chunk.choices.map((c) => {
          if ((c.finish_reason as string) === 'error') throw brokenStream('mistral', 'finish_reason "error"')
          const delta = { ...c.delta }
          if (Array.isArray(delta.content)) {
            const { text, reasoning } = splitMistralContent(delta.content)
            delta.content = text
            if (reasoning) delta.reasoning_content = reasoning
          }
          return { ...c, delta, finish_reason: finishReason(c.finish_reason) }
        }),
      })
  },
}
