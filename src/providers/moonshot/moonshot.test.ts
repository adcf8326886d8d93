/**
 * Moonshot Kimi: request mapping, recorded-shape responses and streams through the quirks to
 * canonical form and the Anthropic rendering, error bodies to the caller's status.
 *
 * Fixtures (__fixtures__/), written from Moonshot's API reference (platform.moonshot.ai/docs/api/chat,
 * Chinese edition platform.moonshot.cn/docs/api/chat) unless noted:
 * - moonshot-text.json / .chunks.txt: the reference's own examples. Non-stream usage carries a
 *   top-level `cached_tokens` ("only models with automatic caching return it"); the stream puts
 *   usage on the finishing choice (`choices[0].usage`) and has no `choices: []` chunk.
 * - moonshot-kimi-k2-thinking-tool-call.*: the thinking-model guide (`reasoning_content` before
 *   `content`, replayed on tool-call turns) and tool-use docs (ids `get_weather:0`, first tool delta
 *   carries id/name/`arguments: ""`). Stream usage (top-level and nested `cached_tokens`,
 *   `reasoning_tokens`, a trailing `choices: []` chunk under `include_usage`) follows a recorded
 *   Kimi stream (vercel/ai packages/moonshotai/src/__fixtures__/moonshotai-usage-live.chunks.txt).
 * - moonshot-error-*.json: the reference's error table (type + message per status); the 404,
 *   tool_choice-required and reasoning-missing texts as recorded from the live API (vercel/ai
 *   fixtures and public bug reports).
 * Not confirmed: whether the non-stream tool-call message has `content: ""` or `null` (we use
 * `""`); which models send `prompt_tokens_details` besides the top-level `cached_tokens`; whether
 * Kimi sends a `retry-after` header with 429 (its message only says "try again after N seconds");
 * whether non-thinking models (moonshot-v1-*) accept the `reasoning_content: ""` we add to
 * tool-call turns (thinking models require it); whether Kimi accepts `reasoning_effort`, which
 * passes through untouched (the reference documents `thinking: {type}` only).
 */
import { describe, expect, it } from 'vitest'
import {
  assemble,
  eventNames,
  fixtureErrorMapper,
  loadJson,
  replayStream,
} from '../../../test/providers/fixture-helpers.js'
import { usageFromChat } from '../../gateway/usage.js'
import { convertToAnthropicMessage } from '../anthropic/convert-to-anthropic-message.js'
import type { ChatCompletion, ChatCompletionRequest } from '../translate/openai-chat.js'
import { toOpenAIWire } from '../translate/openai-compat-quirks.js'
import { TranslateContext } from '../translate/translate-context.js'
import { moonshotQuirks } from './moonshot-quirks.js'

const KEY = 'sk-kimi-0123456789abcdefghijklmn'

const canonical: ChatCompletionRequest = {
  model: 'kimi-k2-thinking',
  messages: [
    { role: 'system', content: 'Be brief.' },
    { role: 'user', content: 'Weather in Paris, then Rome?' },
    {
      role: 'assistant',
      content: '',
      reasoning_content: 'Call get_weather for Paris first.',
      reasoning_signature: 'sig-from-anthropic',
      tool_calls: [
        {
          id: 'get_weather:0',
          type: 'function',
          function: { name: 'get_weather', arguments: '{"location": "Paris"}' },
        },
      ],
    },
    { role: 'tool', tool_call_id: 'get_weather:0', content: '{"temp":18}' },
    {
      // A turn whose thinking the client dropped: Kimi 400s unless reasoning_content is present.
      role: 'assistant',
      content: null,
      tool_calls: [
        {
          id: 'get_weather:1',
          type: 'function',
          function: { name: 'get_weather', arguments: '{"location": "Rome"}' },
        },
      ],
    },
    { role: 'tool', tool_call_id: 'get_weather:1', content: '{"temp":21}' },
  ],
  tools: [
    {
      type: 'function',
      function: {
        name: 'get_weather',
        description: 'Current weather for a city',
        parameters: { type: 'object', properties: { location: { type: 'string' } }, required: ['location'] },
      },
    },
  ],
  tool_choice: 'auto',
  response_format: {
    type: 'json_schema',
    json_schema: {
      name: 'answer',
      schema: { type: 'object', properties: { summary: { type: 'string' } }, required: ['summary'] },
      strict: true,
    },
  },
  reasoning_effort: 'high',
  thinking_budget: 8192,
  top_k: 40,
  max_tokens: 1024,
}

const replay = (fixture: string) => replayStream(moonshotQuirks, fixture, 'kimi/kimi-k2-thinking')

describe('moonshot request mapping', () => {
  it('replays reasoning_content (empty on a turn without it), strips extensions, drops top_k', () => {
    const ctx = new TranslateContext('lenient', 'moonshot')
    const out = toOpenAIWire(canonical, ctx, moonshotQuirks)
    expect(out).toMatchInlineSnapshot(`
      {
        "max_tokens": 1024,
        "messages": [
          {
            "content": "Be brief.",
            "role": "system",
          },
          {
            "content": "Weather in Paris, then Rome?",
            "role": "user",
          },
          {
            "content": "",
            "reasoning_content": "Call get_weather for Paris first.",
            "role": "assistant",
            "tool_calls": [
              {
                "function": {
                  "arguments": "{"location": "Paris"}",
                  "name": "get_weather",
                },
                "id": "get_weather:0",
                "type": "function",
              },
            ],
          },
          {
            "content": "{"temp":18}",
            "role": "tool",
            "tool_call_id": "get_weather:0",
          },
          {
            "content": null,
            "reasoning_content": "",
            "role": "assistant",
            "tool_calls": [
              {
                "function": {
                  "arguments": "{"location": "Rome"}",
                  "name": "get_weather",
                },
                "id": "get_weather:1",
                "type": "function",
              },
            ],
          },
          {
            "content": "{"temp":21}",
            "role": "tool",
            "tool_call_id": "get_weather:1",
          },
        ],
        "model": "kimi-k2-thinking",
        "reasoning_effort": "high",
        "response_format": {
          "json_schema": {
            "name": "answer",
            "schema": {
              "properties": {
                "summary": {
                  "type": "string",
                },
              },
              "required": [
                "summary",
              ],
              "type": "object",
            },
            "strict": true,
          },
          "type": "json_schema",
        },
        "tool_choice": "auto",
        "tools": [
          {
            "function": {
              "description": "Current weather for a city",
              "name": "get_weather",
              "parameters": {
                "properties": {
                  "location": {
                    "type": "string",
                  },
                },
                "required": [
                  "location",
                ],
                "type": "object",
              },
            },
            "type": "function",
          },
        ],
      }
    `)
    expect(ctx.warnings).toEqual(['top_k: not supported by moonshot; dropped'])
    expect(() => toOpenAIWire(canonical, new TranslateContext('strict', 'moonshot'), moonshotQuirks)).toThrow(
      /top_k/,
    )
  })
  it('leaves a request without tool-call turns untouched', () => {
    const body = { model: 'kimi-k2-turbo-preview', messages: [{ role: 'user' as const, content: 'hi' }] }
    expect(toOpenAIWire(body, new TranslateContext(), moonshotQuirks)).toEqual(body)
  })
})

describe('moonshot responses → canonical → Anthropic', () => {
  it('text: top-level cached_tokens becomes cached_tokens in prompt_tokens_details', () => {
    const res = moonshotQuirks.normalizeResponse!(loadJson<ChatCompletion>('moonshot', 'moonshot-text'))
    expect(res.choices[0]).toMatchObject({
      message: { role: 'assistant', content: expect.stringContaining('1+1 equals 2') },
      finish_reason: 'stop',
    })
    expect(usageFromChat(res.usage)).toEqual({ inputTokens: 19, outputTokens: 21, cachedReadTokens: 10 })
    expect(convertToAnthropicMessage(res, 'kimi/kimi-k2-turbo-preview')).toMatchObject({
      id: 'msg_cmpl-04ea926191a14749b7f2c7a48a68abc6',
      content: [{ type: 'text', text: expect.stringContaining('Li Lei') }],
      stop_reason: 'end_turn',
      usage: { input_tokens: 9, cache_read_input_tokens: 10, output_tokens: 21 },
    })
  })
  it('thinking tool call: reasoning_content → thinking block, tool id kept, cache hits kept', () => {
    const res = moonshotQuirks.normalizeResponse!(
      loadJson<ChatCompletion>('moonshot', 'moonshot-kimi-k2-thinking-tool-call'),
    )
    const msg = res.choices[0]!.message
    expect(msg.reasoning_content).toMatch(/^The user asks for the weather in Paris/)
    expect(msg.tool_calls).toEqual([
      {
        id: 'get_weather:0',
        type: 'function',
        function: { name: 'get_weather', arguments: '{"location": "Paris"}' },
      },
    ])
    expect(res.choices[0]!.finish_reason).toBe('tool_calls')
    expect(usageFromChat(res.usage)).toEqual({ inputTokens: 212, outputTokens: 48, cachedReadTokens: 128 })
    expect(convertToAnthropicMessage(res, 'kimi/kimi-k2-thinking')).toMatchInlineSnapshot(`
      {
        "content": [
          {
            "signature": "",
            "thinking": "The user asks for the weather in Paris. I should call get_weather with location Paris.",
            "type": "thinking",
          },
          {
            "id": "get_weather:0",
            "input": {
              "location": "Paris",
            },
            "name": "get_weather",
            "type": "tool_use",
          },
        ],
        "id": "msg_chatcmpl-6a8de8b0aa0c275363b2fc8b",
        "model": "kimi/kimi-k2-thinking",
        "role": "assistant",
        "stop_reason": "tool_use",
        "stop_sequence": null,
        "type": "message",
        "usage": {
          "cache_read_input_tokens": 128,
          "input_tokens": 84,
          "output_tokens": 48,
        },
      }
    `)
  })
})

describe('moonshot streams → Anthropic events', () => {
  it('text: usage on the finishing choice is lifted to the chunk', () => {
    const { chunks, events } = replay('moonshot-text')
    expect(chunks.at(-1)?.usage).toEqual({ prompt_tokens: 19, completion_tokens: 13, total_tokens: 32 })
    expect(chunks.at(-1)?.choices[0]).not.toHaveProperty('usage')
    expect(eventNames(events)).toEqual([
      'message_start',
      'content_block_start:text',
      'content_block_delta',
      'content_block_delta',
      'content_block_delta',
      'content_block_stop',
      'message_delta',
      'message_stop',
    ])
    expect(assemble(events).text).toBe('Hello, Li Lei! 1+1 equals 2.')
    expect(events.at(-2)?.data).toEqual({
      type: 'message_delta',
      delta: { stop_reason: 'end_turn', stop_sequence: null },
      usage: { input_tokens: 19, output_tokens: 13 },
    })
  })
  it('thinking + tool call: thinking block, then tool_use with assembled arguments and cache usage', () => {
    const { chunks, events } = replay('moonshot-kimi-k2-thinking-tool-call')
    expect(eventNames(events)).toEqual([
      'message_start',
      'content_block_start:thinking',
      'content_block_delta',
      'content_block_delta',
      'content_block_delta',
      'content_block_stop',
      'content_block_start:tool_use',
      'content_block_delta',
      'content_block_delta',
      'content_block_stop',
      'message_delta',
      'message_stop',
    ])
    expect(events[6]?.data.content_block).toEqual({
      type: 'tool_use',
      id: 'get_weather:0',
      name: 'get_weather',
      input: {},
    })
    const { thinking, json } = assemble(events)
    expect(thinking).toBe('The user wants the weather in Paris. Call get_weather.')
    expect(JSON.parse(json)).toEqual({ location: 'Paris' })
    expect(events.at(-2)?.data).toMatchObject({
      delta: { stop_reason: 'tool_use' },
      usage: { input_tokens: 84, cache_read_input_tokens: 128, output_tokens: 52 },
    })
    // Metering reads the trailing include_usage chunk.
    expect(usageFromChat(chunks.at(-1)?.usage)).toEqual({
      inputTokens: 212,
      outputTokens: 52,
      cachedReadTokens: 128,
      reasoningTokens: 30,
    })
  })
})

describe('moonshot error bodies → caller status', () => {
  const map = fixtureErrorMapper('moonshot', { credential: 'kimi', secrets: [KEY] })
  it('rate_limit_reached_error → 429, retry-after passed on when Kimi sends one', () => {
    const withHeader = map('moonshot-error-429-rate-limit', 429, { 'retry-after': '1' })
    expect(withHeader).toMatchObject({
      status: 429,
      type: 'rate_limit_error',
      headers: { 'retry-after': '1' },
      message: expect.stringContaining('max RPM: 3'),
    })
    expect(map('moonshot-error-429-rate-limit', 429).headers).toEqual({})
  })
  it('engine_overloaded_error comes as 429 and stays a (retryable) rate limit', () => {
    expect(map('moonshot-error-429-engine-overloaded', 429)).toMatchObject({
      status: 429,
      type: 'rate_limit_error',
      retryable: true,
    })
  })
  it('invalid_authentication_error → 401 naming the credential, never the key', () => {
    const e = map('moonshot-error-401', 401)
    expect(e).toMatchObject({
      status: 401,
      type: 'authentication_error',
      message: "moonshot rejected credential 'kimi' (check or rotate the key)",
    })
    expect(JSON.stringify({ ...e, message: e.message })).not.toContain(KEY)
  })
  it('resource_not_found_error → 404 with the reason', () => {
    expect(map('moonshot-error-404-model', 404)).toMatchObject({
      status: 404,
      type: 'not_found_error',
      message: 'moonshot: Not found the model kimi-k9-preview or Permission denied',
    })
  })
  it('reasoning_content missing, tool_choice required, token limit → 400 with the provider reason', () => {
    expect(map('moonshot-error-400-reasoning-missing', 400)).toMatchObject({
      status: 400,
      type: 'invalid_request_error',
      message: expect.stringContaining('reasoning_content is missing in assistant tool call message'),
    })
    // Thinking models refuse tool_choice "required" (recorded by vercel/ai); passed on as is.
    expect(map('moonshot-error-400-tool-choice-required', 400)).toMatchObject({
      status: 400,
      message: expect.stringContaining("tool_choice 'required' is incompatible with thinking enabled"),
    })
    // Kimi's wording ("exceeded model token limit") is not among the context-length patterns,
    // so this is a plain 400 (code upstream_bad_request), still with the reason.
    expect(map('moonshot-error-400-token-limit', 400)).toMatchObject({
      status: 400,
      message: expect.stringContaining('exceeded model token limit: 8192'),
    })
  })
})
