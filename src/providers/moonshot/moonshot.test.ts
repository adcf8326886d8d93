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
  answerFormat,
  expectCredentialRefused,
  expectRateLimit,
  expectStreamEnd,
  expectTextAnswer,
  expectUntouched,
  itMapsErrors,
  loadAnswer,
  mapRequest,
  messageEvents,
  toolRoundTripRequest,
  toolUseStart,
  weatherTurn,
} from '../../../test/providers/compat-unit-helpers.js'
import {
  assemble,
  eventNames,
  fixtureErrorMapper,
  replayStream,
} from '../../../test/providers/fixture-helpers.js'
import { usageFromChat } from '../../gateway/usage.js'
import { convertToAnthropicMessage } from '../anthropic/convert-to-anthropic-message.js'
import { moonshotQuirks } from './moonshot-quirks.js'

const KEY = 'sk-kimi-0123456789abcdefghijklmn'

const canonical = toolRoundTripRequest(
  'kimi-k2-thinking',
  {
    ask: { content: 'Weather in Paris, then Rome?' },
    content: '',
    id: 'get_weather:0',
    reasoning: 'Call get_weather for Paris first.',
    spaced: true,
    // A turn whose thinking the client dropped: Kimi 400s unless reasoning_content is present.
    after: weatherTurn({ id: 'get_weather:1', city: 'Rome', temp: 21, spaced: true }),
  },
  {
    tool_choice: 'auto',
    response_format: answerFormat('summary', { required: true, strict: true }),
    reasoning_effort: 'high',
    thinking_budget: 8192,
    top_k: 40,
    max_tokens: 1024,
  },
)

const replay = (fixture: string) => replayStream(moonshotQuirks, fixture, 'kimi/kimi-k2-thinking')
const answer = (fixture: string) => loadAnswer(moonshotQuirks, fixture)

describe('moonshot request mapping', () => {
  it('replays reasoning_content (empty on a turn without it), strips extensions, drops top_k', () => {
    const { out, warnings } = mapRequest(moonshotQuirks, canonical)
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
    expect(warnings).toEqual(['top_k: not supported by moonshot; dropped'])
    expect(() => mapRequest(moonshotQuirks, canonical, 'strict')).toThrow(/top_k/)
  })
  it('leaves a request without tool-call turns untouched', () => {
    expectUntouched(moonshotQuirks, 'kimi-k2-turbo-preview')
  })
})

describe('moonshot responses → canonical → Anthropic', () => {
  it('text: top-level cached_tokens becomes cached_tokens in prompt_tokens_details', () => {
    const res = answer('moonshot-text')
    expectTextAnswer(res, expect.stringContaining('1+1 equals 2'), {
      inputTokens: 19,
      outputTokens: 21,
      cachedReadTokens: 10,
    })
    expect(convertToAnthropicMessage(res, 'kimi/kimi-k2-turbo-preview')).toMatchObject({
      id: 'msg_cmpl-04ea926191a14749b7f2c7a48a68abc6',
      content: [{ type: 'text', text: expect.stringContaining('Li Lei') }],
      stop_reason: 'end_turn',
      usage: { input_tokens: 9, cache_read_input_tokens: 10, output_tokens: 21 },
    })
  })
  it('thinking tool call: reasoning_content → thinking block, tool id kept, cache hits kept', () => {
    const res = answer('moonshot-kimi-k2-thinking-tool-call')
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
    expect(eventNames(events)).toEqual(messageEvents(['text', 3]))
    expect(assemble(events).text).toBe('Hello, Li Lei! 1+1 equals 2.')
    expect(events.at(-2)?.data).toEqual({
      type: 'message_delta',
      delta: { stop_reason: 'end_turn', stop_sequence: null },
      usage: { input_tokens: 19, output_tokens: 13 },
    })
  })
  it('thinking + tool call: thinking block, then tool_use with assembled arguments and cache usage', () => {
    const stream = replay('moonshot-kimi-k2-thinking-tool-call')
    expect(eventNames(stream.events)).toEqual(messageEvents(['thinking', 3], ['tool_use', 2]))
    expect(stream.events[6]?.data.content_block).toEqual(toolUseStart('get_weather:0'))
    const { thinking, json } = assemble(stream.events)
    expect(thinking).toBe('The user wants the weather in Paris. Call get_weather.')
    expect(JSON.parse(json)).toEqual({ location: 'Paris' })
    // Metering reads the trailing include_usage chunk.
    expectStreamEnd(
      stream,
      'tool_use',
      { input_tokens: 84, cache_read_input_tokens: 128, output_tokens: 52 },
      { inputTokens: 212, outputTokens: 52, cachedReadTokens: 128, reasoningTokens: 30 },
    )
  })
})

describe('moonshot error bodies → caller status', () => {
  const map = fixtureErrorMapper('moonshot', { credential: 'kimi', secrets: [KEY] })
  it('rate_limit_reached_error → 429, retry-after passed on when Kimi sends one', () => {
    expectRateLimit(
      map,
      'moonshot-error-429-rate-limit',
      { message: expect.stringContaining('max RPM: 3') },
      '1',
    )
  })
  it('invalid_authentication_error → 401 naming the credential, never the key', () => {
    expectCredentialRefused(map('moonshot-error-401', 401), 'moonshot', 'kimi', KEY)
  })
  itMapsErrors(map, [
    {
      title: 'engine_overloaded_error comes as 429 and stays a (retryable) rate limit',
      fixture: 'moonshot-error-429-engine-overloaded',
      status: 429,
      expected: { status: 429, type: 'rate_limit_error', retryable: true },
    },
    {
      title: 'resource_not_found_error → 404 with the reason',
      fixture: 'moonshot-error-404-model',
      status: 404,
      expected: {
        status: 404,
        type: 'not_found_error',
        message: 'moonshot (credential kimi): Not found the model kimi-k9-preview or Permission denied',
      },
    },
  ])
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
