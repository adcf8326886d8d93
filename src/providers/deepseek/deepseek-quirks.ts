/**
 * DeepSeek: reasoning arrives as `reasoning_content` (already canonical) and must be sent
 * back on assistant tool-call turns, or the API answers 400. Thinking is switched with
 * `thinking: {type}`. Cache counts come as `prompt_cache_hit_tokens`; they are copied to
 * `prompt_tokens_details.cached_tokens` when the standard field is missing.
 * @see https://api-docs.deepseek.com/guides/thinking_mode
 * @module
 */
import type { ChatUsage } from '../translate/openai-chat.js'
import type { OpenAICompatQuirks } from '../translate/openai-compat-quirks.js'

function normalizeUsage(u: (ChatUsage & { prompt_cache_hit_tokens?: number }) | null | undefined) {
  if (!u || u.prompt_tokens_details?.cached_tokens != null || !u.prompt_cache_hit_tokens) return u
  return {
    ...u,
    prompt_tokens_details: { ...(u.prompt_tokens_details ?? {}), cached_tokens: u.prompt_cache_hit_tokens },
  }
}

export const deepseekQuirks: OpenAICompatQuirks = {
  kind: 'deepseek',
  replayReasoning: true,
  prepareRequest(body) {
    if (!body.reasoning_effort || body.thinking !== undefined) return body
    const { reasoning_effort, ...rest } = body
    const on = reasoning_effort !== 'none' && reasoning_effort !== 'minimal'
    return { ...rest, thinking: { type: on ? 'enabled' : 'disabled' }, ...(on ? { reasoning_effort } : {}) }
  },
  normalizeResponse: (res) => ({ ...res, usage: normalizeUsage(res.usage) ?? undefined }),
  createStreamNormalizer: () => (c) => (c.usage ? { ...c, usage: normalizeUsage(c.usage) } : c),
}
