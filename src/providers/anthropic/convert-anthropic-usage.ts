/**
 * Anthropic usage ⇄ OpenAI usage. Anthropic `input_tokens` EXCLUDES cache reads and writes;
 * OpenAI `prompt_tokens` includes them, so the total input is the sum of the three.
 * @see ../../../../shared/PROVIDERS.md §8
 * @module
 */
import type { ChatUsage } from '../translate/openai-chat.js'
import type { AnthropicUsage } from './anthropic-api.js'

export function convertAnthropicUsage(u: AnthropicUsage): ChatUsage {
  const cacheRead = u.cache_read_input_tokens ?? 0
  const cacheWrite = u.cache_creation_input_tokens ?? 0
  const prompt = (u.input_tokens ?? 0) + cacheRead + cacheWrite
  const completion = u.output_tokens ?? 0
  const out: ChatUsage = {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: prompt + completion,
  }
  if (cacheRead || cacheWrite) {
    out.prompt_tokens_details = {
      cached_tokens: cacheRead,
      ...(cacheWrite ? { cache_write_tokens: cacheWrite } : {}),
    }
  }
  const thinking = u.output_tokens_details?.thinking_tokens
  if (thinking) out.completion_tokens_details = { reasoning_tokens: thinking }
  return out
}

/** OpenAI usage → Anthropic usage (input excludes the cached parts). */
export function toAnthropicUsage(u: ChatUsage | null | undefined): Record<string, number> {
  if (!u) return { input_tokens: 0, output_tokens: 0 }
  const cacheRead = u.prompt_tokens_details?.cached_tokens ?? 0
  const cacheWrite = u.prompt_tokens_details?.cache_write_tokens ?? 0
  const out: Record<string, number> = {
    input_tokens: Math.max(0, u.prompt_tokens - cacheRead - cacheWrite),
    output_tokens: u.completion_tokens,
  }
  if (cacheRead) out.cache_read_input_tokens = cacheRead
  if (cacheWrite) out.cache_creation_input_tokens = cacheWrite
  return out
}
