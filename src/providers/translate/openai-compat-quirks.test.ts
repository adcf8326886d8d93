import { describe, expect, it } from 'vitest'
import { deepseekQuirks } from '../deepseek/deepseek-quirks.js'
import { groqQuirks } from '../groq/groq-quirks.js'
import { mistralQuirks } from '../mistral/mistral-quirks.js'
import { qwenQuirks } from '../qwen/qwen-quirks.js'
import { vllmQuirks } from '../vllm/vllm-quirks.js'
import { zhipuQuirks } from '../zhipu/zhipu-quirks.js'
import type { ChatCompletionRequest } from './openai-chat.js'
import { toOpenAIWire } from './openai-compat-quirks.js'
import { TranslateContext } from './translate-context.js'

const base: ChatCompletionRequest = {
  model: 'm',
  messages: [
    { role: 'user', content: 'hi', name: 'alice' },
    {
      role: 'assistant',
      content: null,
      reasoning_content: 'thought',
      reasoning_signature: 'sig',
      tool_calls: [{ id: 'c1', type: 'function', function: { name: 'f', arguments: '{}' } }],
    },
    { role: 'tool', tool_call_id: 'c1', content: 'ok' },
  ],
  top_k: 5,
  thinking_budget: 2000,
  reasoning_effort: 'medium',
  seed: 7,
  logprobs: true,
  n: 2,
  tool_choice: 'required',
  response_format: { type: 'json_schema', json_schema: { name: 'o', schema: { type: 'object' } } },
}

describe('OpenAI-compatible quirks', () => {
  it('plain OpenAI wire: extension fields stripped, top_k dropped with a warning', () => {
    const ctx = new TranslateContext('lenient', 'openai')
    const out = toOpenAIWire(base, ctx)
    expect(out).not.toHaveProperty('thinking_budget')
    expect(out).not.toHaveProperty('top_k')
    expect(JSON.stringify(out.messages)).not.toMatch(/reasoning_/)
    expect(ctx.warnings).toEqual(['top_k: not supported by openai; dropped'])
    expect(() => toOpenAIWire(base, new TranslateContext('strict'))).toThrow(/top_k/)
  })
  it('deepseek keeps reasoning_content on assistant turns and switches thinking on', () => {
    const out = toOpenAIWire(base, new TranslateContext(), deepseekQuirks)
    expect(out.messages[1]).toMatchObject({ reasoning_content: 'thought' })
    expect(out.messages[1]).not.toHaveProperty('reasoning_signature')
    expect(out).toMatchObject({ thinking: { type: 'enabled' }, reasoning_effort: 'medium' })
  })
  it('deepseek cache-hit usage becomes cached_tokens', () => {
    const res = deepseekQuirks.normalizeResponse!({
      id: 'x',
      object: 'chat.completion',
      created: 1,
      model: 'deepseek-chat',
      choices: [],
      usage: {
        prompt_tokens: 10,
        completion_tokens: 2,
        total_tokens: 12,
        prompt_cache_hit_tokens: 6,
      } as never,
    })
    expect(res.usage?.prompt_tokens_details?.cached_tokens).toBe(6)
  })
  it('groq drops logprobs, n and messages[].name (400 in strict mode)', () => {
    const ctx = new TranslateContext('lenient', 'groq')
    const out = toOpenAIWire(base, ctx, groqQuirks)
    expect(out).not.toHaveProperty('logprobs')
    expect(out).not.toHaveProperty('n')
    expect(out.messages[0]).not.toHaveProperty('name')
    expect(ctx.warnings.join('\n')).toMatch(/logprobs.*\n.*n:.*\n.*messages\[\]\.name/s)
    expect(() => toOpenAIWire(base, new TranslateContext('strict'), groqQuirks)).toThrow(/top_k|logprobs/)
  })
  it('mistral: random_seed and tool_choice any', () => {
    const out = toOpenAIWire({ ...base, top_k: undefined }, new TranslateContext(), mistralQuirks)
    expect(out).toMatchObject({ random_seed: 7, tool_choice: 'any' })
    expect(out).not.toHaveProperty('seed')
  })
  it('qwen: enable_thinking and top_k kept', () => {
    expect(toOpenAIWire(base, new TranslateContext(), qwenQuirks)).toMatchObject({
      enable_thinking: true,
      top_k: 5,
    })
  })
  it('zhipu: tool_choice auto only, json_schema degrades to json_object', () => {
    const ctx = new TranslateContext('lenient', 'zhipu')
    const out = toOpenAIWire({ ...base, top_k: undefined }, ctx, zhipuQuirks)
    expect(out).not.toHaveProperty('tool_choice')
    expect(out.response_format).toEqual({ type: 'json_object' })
    expect(out).toMatchObject({ thinking: { type: 'enabled' } })
  })
  it('vllm: `reasoning` renamed to reasoning_content in responses and chunks', () => {
    const chunk = vllmQuirks.createStreamNormalizer!()({
      id: 'x',
      object: 'chat.completion.chunk',
      created: 1,
      model: 'm',
      choices: [{ index: 0, delta: { reasoning: 'r' } as never, finish_reason: null }],
    })
    expect(chunk.choices[0]?.delta).toEqual({ reasoning_content: 'r' })
  })
})
