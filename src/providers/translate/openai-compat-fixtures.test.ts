/**
 * OpenAI-compatible family and Azure/Vertex fixtures (written from the providers' references):
 * quirk normalisation to canonical form, then the Anthropic rendering /v1/messages callers see;
 * error bodies mapped to the caller's status.
 */
import { describe, expect, it } from 'vitest'
import { loadChunks, loadJson } from '../../../test/providers/fixture-helpers.js'
import { AnthropicEventWriter } from '../anthropic/anthropic-event-writer.js'
import { convertToAnthropicMessage } from '../anthropic/convert-to-anthropic-message.js'
import { deepseekQuirks } from '../deepseek/deepseek-quirks.js'
import { upstreamError } from '../http/upstream-error.js'
import { minimaxQuirks } from '../minimax/minimax-quirks.js'
import { vllmQuirks } from '../vllm/vllm-quirks.js'
import type { ChatCompletion, ChatCompletionChunk } from './openai-chat.js'

describe('OpenAI-compatible fixtures → canonical → Anthropic', () => {
  it('DeepSeek reasoner tool call: thinking + tool_use, cache hits kept', () => {
    const res = deepseekQuirks.normalizeResponse!(
      loadJson<ChatCompletion>('deepseek', 'deepseek-reasoner-tool-call'),
    )
    expect(convertToAnthropicMessage(res, 'ds/deepseek-reasoner')).toMatchInlineSnapshot(`
      {
        "content": [
          {
            "signature": "",
            "thinking": "The user wants the weather; call get_weather for Paris.",
            "type": "thinking",
          },
          {
            "id": "call_00_8yE3Wkpp",
            "input": {
              "location": "Paris",
            },
            "name": "get_weather",
            "type": "tool_use",
          },
        ],
        "id": "msg_930c60df-bf64-41c9-a88e-3ec75f81e00e",
        "model": "ds/deepseek-reasoner",
        "role": "assistant",
        "stop_reason": "tool_use",
        "stop_sequence": null,
        "type": "message",
        "usage": {
          "cache_read_input_tokens": 64,
          "input_tokens": 56,
          "output_tokens": 40,
        },
      }
    `)
  })
  it('DeepSeek stream: reasoning deltas become a thinking block before the text', () => {
    const norm = deepseekQuirks.createStreamNormalizer!()
    const w = new AnthropicEventWriter('ds/deepseek-reasoner', 'msg_1')
    const events = [
      ...loadChunks<ChatCompletionChunk>('deepseek', 'deepseek-reasoner').flatMap((c) => w.push(norm(c))),
      ...w.end(),
    ]
    expect(
      events.map(
        (e) =>
          `${e.event}${(e.data.content_block as { type?: string })?.type ? `:${(e.data.content_block as { type: string }).type}` : ''}`,
      ),
    ).toEqual([
      'message_start',
      'content_block_start:thinking',
      'content_block_delta',
      'content_block_delta',
      'content_block_stop',
      'content_block_start:text',
      'content_block_delta',
      'content_block_delta',
      'content_block_stop',
      'message_delta',
      'message_stop',
    ])
  })
  it('MiniMax inline <think> is split into reasoning', () => {
    const res = minimaxQuirks.normalizeResponse!(loadJson<ChatCompletion>('minimax', 'minimax-m2-think'))
    expect(res.choices[0]?.message).toMatchObject({
      content: 'Hello! How can I help?',
      reasoning_content: '\nThe user greets me; answer briefly.\n',
    })
  })
  it('vLLM `reasoning` becomes reasoning_content', () => {
    const res = vllmQuirks.normalizeResponse!(loadJson<ChatCompletion>('vllm', 'vllm-reasoning'))
    expect(res.choices[0]?.message).toMatchObject({ content: '4', reasoning_content: '2 + 2 = 4.' })
    expect(res.choices[0]?.message).not.toHaveProperty('reasoning')
  })
})

describe('error fixtures', () => {
  const map = (provider: string, fixture: string, status: number) =>
    upstreamError({
      provider,
      credential: 'c',
      status,
      body: JSON.stringify(loadJson(provider, fixture)),
      headers: new Headers(),
    })
  it('Groq unsupported parameter → 400 with the reason', () => {
    expect(map('groq', 'groq-error-logprobs', 400)).toMatchObject({
      status: 400,
      message: expect.stringContaining('logprobs'),
    })
  })
  it('Azure content filter → 400; Azure token limit → 429', () => {
    expect(map('azure-openai', 'azure-error-content-filter', 400)).toMatchObject({ status: 400 })
    expect(map('azure-openai', 'azure-error-429', 429)).toMatchObject({
      status: 429,
      type: 'rate_limit_error',
    })
  })
  it('Vertex UNAUTHENTICATED → 401 naming the credential; RESOURCE_EXHAUSTED → 429', () => {
    expect(map('vertex', 'vertex-error-401', 401)).toMatchObject({
      status: 401,
      message: expect.stringMatching(/^vertex \(credential c\): .*\(check or rotate the key\)$/),
    })
    expect(map('vertex', 'vertex-error-429', 429)).toMatchObject({ status: 429 })
  })
})
