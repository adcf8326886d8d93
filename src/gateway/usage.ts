/**
 * Usage as reported by OpenAI-wire upstreams, converted to the gateway's Usage.
 * @see https://platform.openai.com/docs/api-reference/chat/object#chat/object-usage
 * @module
 */
import type { Usage } from './spec/v1/index.js'

type Obj = Record<string, unknown>
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined)
const obj = (v: unknown): Obj | undefined => (v && typeof v === 'object' ? (v as Obj) : undefined)

/** Chat Completions / embeddings `usage` (prompt_tokens, completion_tokens, details). */
export function usageFromChat(u: unknown): Usage | null {
  const o = obj(u)
  if (!o) return null
  const input = num(o.prompt_tokens)
  if (input === undefined) return null
  const usage: Usage = { inputTokens: input, outputTokens: num(o.completion_tokens) ?? 0 }
  const details = obj(o.prompt_tokens_details)
  // OpenAI's place first; Kimi reports `cached_tokens` at the top, DeepSeek
  // `prompt_cache_hit_tokens` (pass-through answers are metered as they come).
  const cached = num(details?.cached_tokens) ?? num(o.cached_tokens) ?? num(o.prompt_cache_hit_tokens)
  if (cached) usage.cachedReadTokens = cached
  // Translated providers (Anthropic, Bedrock) report prompt-cache writes here; billed apart.
  const cacheWrite = num(details?.cache_write_tokens)
  if (cacheWrite) usage.cacheWriteTokens = cacheWrite
  const reasoning = num(obj(o.completion_tokens_details)?.reasoning_tokens)
  if (reasoning) usage.reasoningTokens = reasoning
  return usage
}

/** Responses API `usage` (input_tokens, output_tokens, details). */
export function usageFromResponses(u: unknown): Usage | null {
  const o = obj(u)
  if (!o) return null
  const input = num(o.input_tokens)
  if (input === undefined) return null
  const usage: Usage = { inputTokens: input, outputTokens: num(o.output_tokens) ?? 0 }
  const cached = num(obj(o.input_tokens_details)?.cached_tokens)
  if (cached) usage.cachedReadTokens = cached
  const reasoning = num(obj(o.output_tokens_details)?.reasoning_tokens)
  if (reasoning) usage.reasoningTokens = reasoning
  return usage
}

export function totalTokens(u: Usage | null): number {
  return u ? u.inputTokens + u.outputTokens : 0
}
