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
  it('returns null without prompt_tokens', () => {
    expect(usageFromChat({ completion_tokens: 3 })).toBeNull()
  })
})
