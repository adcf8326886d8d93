import { describe, expect, it } from 'vitest'
import { usageFromChat } from '../../src/gateway/usage.js'

describe('usageFromChat', () => {
  it('keeps cached reads, cache writes and reasoning tokens', () => {
    expect(
      usageFromChat({
        prompt_tokens: 1200,
        completion_tokens: 300,
        prompt_tokens_details: { cached_tokens: 800, cache_write_tokens: 100 },
        completion_tokens_details: { reasoning_tokens: 120 },
      }),
    ).toEqual({
      inputTokens: 1200,
      outputTokens: 300,
      cachedReadTokens: 800,
      cacheWriteTokens: 100,
      reasoningTokens: 120,
    })
  })
  it('reads cached tokens where Kimi (top level) and DeepSeek (prompt_cache_hit_tokens) put them', () => {
    expect(usageFromChat({ prompt_tokens: 100, completion_tokens: 5, cached_tokens: 60 })).toMatchObject({
      cachedReadTokens: 60,
    })
    expect(
      usageFromChat({ prompt_tokens: 100, completion_tokens: 5, prompt_cache_hit_tokens: 40 }),
    ).toMatchObject({ cachedReadTokens: 40 })
    // The standard field wins when both are present.
    expect(
      usageFromChat({
        prompt_tokens: 100,
        completion_tokens: 5,
        cached_tokens: 60,
        prompt_tokens_details: { cached_tokens: 50 },
      }),
    ).toMatchObject({ cachedReadTokens: 50 })
  })
  it('returns null without prompt_tokens', () => {
    expect(usageFromChat({ completion_tokens: 3 })).toBeNull()
  })
})
