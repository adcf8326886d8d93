/**
 * Gemini usageMetadata → OpenAI usage. Gemini's candidatesTokenCount EXCLUDES thoughts while
 * OpenAI's completion_tokens includes reasoning, so thoughts are added in.
 * @see ../../../../shared/PROVIDERS.md §8
 * @module
 */
import type { ChatUsage } from '../translate/openai-chat.js'
import type { GeminiUsage } from './gemini-api.js'

export function convertGeminiUsage(u: GeminiUsage | undefined): ChatUsage {
  const prompt = (u?.promptTokenCount ?? 0) + (u?.toolUsePromptTokenCount ?? 0)
  const thoughts = u?.thoughtsTokenCount ?? 0
  const completion = (u?.candidatesTokenCount ?? 0) + thoughts
  const out: ChatUsage = {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: prompt + completion,
  }
  if (u?.cachedContentTokenCount) out.prompt_tokens_details = { cached_tokens: u.cachedContentTokenCount }
  if (thoughts) out.completion_tokens_details = { reasoning_tokens: thoughts }
  return out
}
