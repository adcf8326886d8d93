/**
 * Per-kind quirks of the OpenAI-compatible family (one small folder per provider). A quirk
 * object adjusts the canonical request for that provider and normalises its answers back
 * to canonical form (e.g. DeepSeek `reasoning_content`, MiniMax inline `<think>`), so adding
 * a provider is one folder with a defaults-and-hooks object plus one registry line.
 * @see ../../../../shared/PROVIDERS.md §6
 * @module
 */
import type {
  ChatCompletion,
  ChatCompletionChunk,
  ChatCompletionRequest,
  ChatMessage,
} from './openai-chat.js'
import type { TranslateContext } from './translate-context.js'

export interface OpenAICompatQuirks {
  kind: string
  /** Keep `reasoning_content` on assistant turns (DeepSeek/Kimi require it on tool-call turns). */
  replayReasoning?: boolean
  /** Accepts a top-level `top_k` (vLLM, Qwen). */
  topK?: boolean
  /** Accepts a top-level `thinking_budget` in tokens (Qwen); elsewhere only its effort is sent. */
  thinkingBudget?: boolean
  /** Adjust an OpenAI-wire request (extension fields already stripped). */
  prepareRequest?(body: ChatCompletionRequest, ctx: TranslateContext): ChatCompletionRequest
  /** Normalise a non-streamed response to canonical form. */
  normalizeResponse?(res: ChatCompletion): ChatCompletion
  /** Stateful per-stream chunk normaliser. */
  createStreamNormalizer?(): (chunk: ChatCompletionChunk) => ChatCompletionChunk
}

/** Canonical request → OpenAI wire for a kind: strips extension fields, applies the quirks. */
export function toOpenAIWire(
  req: ChatCompletionRequest,
  ctx: TranslateContext,
  quirks?: OpenAICompatQuirks,
): ChatCompletionRequest {
  const { thinking_budget, top_k, ...rest } = req
  const out: ChatCompletionRequest = {
    ...rest,
    ...(thinking_budget != null && quirks?.thinkingBudget ? { thinking_budget } : {}),
    messages: req.messages.map((m) => {
      const { reasoning_signature: _s, reasoning_content, ...msg } = m
      return quirks?.replayReasoning && reasoning_content ? { ...msg, reasoning_content } : msg
    }),
  }
  if (top_k != null) {
    if (quirks?.topK) out.top_k = top_k
    else ctx.unsupported('top_k')
  }
  return quirks?.prepareRequest ? quirks.prepareRequest(out, ctx) : out
}

/** Renames a vLLM/OpenRouter-style `reasoning` field to `reasoning_content`. */
export function renameReasoningField<T extends { reasoning?: unknown; reasoning_content?: unknown }>(
  obj: T,
): T {
  if (obj && typeof obj.reasoning === 'string' && obj.reasoning_content == null) {
    const { reasoning, ...rest } = obj
    return { ...rest, reasoning_content: reasoning } as T
  }
  return obj
}

/**
 * The `normalizeResponse`/`createStreamNormalizer` pair for kinds whose only answer quirk is
 * `reasoning` in place of `reasoning_content` (vLLM, Ollama, LM Studio): spread into a quirks object.
 */
export function reasoningFieldRenamed(): Required<
  Pick<OpenAICompatQuirks, 'normalizeResponse' | 'createStreamNormalizer'>
> {
  return {
    normalizeResponse: (res) => ({
      ...res,
      choices: res.choices.map((c) => ({ ...c, message: renameReasoningField(c.message) })),
    }),
    createStreamNormalizer: () => (c) => ({
      ...c,
      choices: c.choices.map((ch) => ({ ...ch, delta: renameReasoningField(ch.delta) })),
    }),
  }
}

/**
 * Replayed reasoning sent back under the field a server reads on assistant turns (`reasoning`
 * for Ollama and vLLM) instead of `reasoning_content`.
 */
export function reasoningReplayedAs(field: string): (body: ChatCompletionRequest) => ChatCompletionRequest {
  return (body) => {
    if (!body.messages.some((m) => m.reasoning_content)) return body
    return {
      ...body,
      messages: body.messages.map(({ reasoning_content, ...m }) =>
        reasoning_content ? ({ ...m, [field]: reasoning_content } as ChatMessage) : m,
      ),
    }
  }
}
