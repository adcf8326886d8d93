/**
 * Qwen (DashScope compatible mode) fixtures through the quirks: request mapping, answers to
 * canonical form and the Anthropic rendering, streams to Anthropic events, error bodies.
 *
 * Fixture sources:
 * - qwen-text.json: the compatible-mode response example in Alibaba Cloud Model Studio "OpenAI
 *   compatible - Chat" (field order choices → object → usage → created → system_fingerprint →
 *   model → id, `chatcmpl-<uuid>` ids) with `prompt_tokens_details.cached_tokens` as on the
 *   "Context cache" page (implicit cache hit; the count is made up).
 * - qwen-thinking.json, qwen-tool-call.json, qwen-thinking.chunks.txt, qwen-tool-call.chunks.txt:
 *   recordings in vercel/ai packages/alibaba/src/__fixtures__ (alibaba-issue-18759 for qwen-plus
 *   thinking without streaming, alibaba-tool-call.*, alibaba-reasoning.chunks.txt), shortened.
 *   They show the stream quirks kept here: a first chunk with `reasoning_content: ""`, tool-call
 *   continuation deltas with `"id": ""`, a delta chunk without `finish_reason`, a finish chunk with
 *   an empty delta, and usage on a trailing `choices: []` chunk (`usage: null` before it).
 * - qwen-text.chunks.txt: the streaming example on the same compatibility page.
 * - errors: `{error:{message,type,param,code},request_id}`; the 401 `invalid_api_key` body is
 *   quoted verbatim in many captures; the 429 `limit_requests` body is from captures (whether
 *   `param`/`request_id` are present on 429 is unconfirmed); the 400 for `enable_thinking` on a
 *   non-streamed open-source Qwen3 call is quoted in several projects. Whether DashScope sends
 *   `retry-after` on 429: unconfirmed.
 */
import { describe, expect, it } from 'vitest'
import {
  answerFormat,
  expectCredentialRefused,
  expectRateLimit,
  expectStreamEnd,
  expectTextAnswer,
  loadAnswer,
  mapRequest,
  messageEventKinds,
  STREAM_WITH_USAGE,
  toolRoundTripRequest,
  toolUseStart,
} from '../../../test/providers/compat-unit-helpers.js'
import {
  assemble,
  eventKinds,
  fixtureErrorMapper,
  replayStream,
} from '../../../test/providers/fixture-helpers.js'
import { usageFromChat } from '../../gateway/usage.js'
import { convertToAnthropicMessage } from '../anthropic/convert-to-anthropic-message.js'
import { toOpenAIWire } from '../translate/openai-compat-quirks.js'
import { TranslateContext } from '../translate/translate-context.js'
import { qwenQuirks } from './qwen-quirks.js'

const canonical = toolRoundTripRequest(
  'qwen-plus',
  { id: 'call_1', reasoning: 'Call the tool.', signature: 'sig', described: false },
  {
    tool_choice: { type: 'function', function: { name: 'get_weather' } },
    response_format: answerFormat('city'),
    ...STREAM_WITH_USAGE,
    max_tokens: 200,
    seed: 7,
    top_k: 40,
    thinking_budget: 4000,
    reasoning_effort: 'high',
  },
)

const replay = (fixture: string) => replayStream(qwenQuirks, fixture, 'qw/qwen3-max')
// Qwen has no response normaliser: answers are canonical as they come.
const answer = (fixture: string) => loadAnswer(qwenQuirks, fixture)

describe('qwen request mapping', () => {
  it('enable_thinking from reasoning_effort, top_k and seed kept, reasoning not replayed', () => {
    const { out, warnings } = mapRequest(qwenQuirks, canonical)
    expect(out).toMatchInlineSnapshot(`
      {
        "enable_thinking": true,
        "max_tokens": 200,
        "messages": [
          {
            "content": "Be brief.",
            "role": "system",
          },
          {
            "content": "Weather in Paris?",
            "role": "user",
          },
          {
            "content": null,
            "role": "assistant",
            "tool_calls": [
              {
                "function": {
                  "arguments": "{"location":"Paris"}",
                  "name": "get_weather",
                },
                "id": "call_1",
                "type": "function",
              },
            ],
          },
          {
            "content": "{"temp":18}",
            "role": "tool",
            "tool_call_id": "call_1",
          },
        ],
        "model": "qwen-plus",
        "response_format": {
          "json_schema": {
            "name": "answer",
            "schema": {
              "properties": {
                "city": {
                  "type": "string",
                },
              },
              "type": "object",
            },
          },
          "type": "json_schema",
        },
        "seed": 7,
        "stream": true,
        "stream_options": {
          "include_usage": true,
        },
        "thinking_budget": 4000,
        "tool_choice": {
          "function": {
            "name": "get_weather",
          },
          "type": "function",
        },
        "tools": [
          {
            "function": {
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
        "top_k": 40,
      }
    `)
    expect(warnings).toEqual([])
  })
  it('reasoning_effort none/minimal switches thinking off; no effort leaves the model default', () => {
    const wire = (reasoning_effort?: string) =>
      toOpenAIWire({ ...canonical, reasoning_effort }, new TranslateContext(), qwenQuirks)
    expect(wire('none')).toMatchObject({ enable_thinking: false })
    expect(wire('minimal')).toMatchObject({ enable_thinking: false })
    expect(wire(undefined)).not.toHaveProperty('enable_thinking')
    // DashScope's own `thinking_budget` carries the budget, only while thinking is on.
    expect(wire('high')).toMatchObject({ enable_thinking: true, thinking_budget: 4000 })
    expect(wire('none')).not.toHaveProperty('thinking_budget')
    expect(wire(undefined)).not.toHaveProperty('thinking_budget')
  })
})

describe('qwen answers → canonical → Anthropic', () => {
  it('plain text with an implicit cache hit', () => {
    const res = answer('qwen-text')
    expectTextAnswer(res, 'Hello, world!', { inputTokens: 3019, outputTokens: 9, cachedReadTokens: 2048 })
    expect(convertToAnthropicMessage(res, 'qw/qwen-plus')).toMatchInlineSnapshot(`
      {
        "content": [
          {
            "text": "Hello, world!",
            "type": "text",
          },
        ],
        "id": "msg_chatcmpl-2f8c6e1a-4b9d-9c37-a5e2-7d0b3f6c1e84",
        "model": "qw/qwen-plus",
        "role": "assistant",
        "stop_reason": "end_turn",
        "stop_sequence": null,
        "type": "message",
        "usage": {
          "cache_read_input_tokens": 2048,
          "input_tokens": 971,
          "output_tokens": 9,
        },
      }
    `)
  })
  it('thinking (qwen-plus, not streamed): reasoning_content → thinking block, reasoning tokens metered', () => {
    const res = answer('qwen-thinking')
    expect(res.choices[0]!.message).toMatchObject({
      content: '391',
      reasoning_content: '17 × 23 = 17 × 20 + 17 × 3 = 340 + 51 = 391.',
    })
    expect(usageFromChat(res.usage)).toEqual({ inputTokens: 24, outputTokens: 504, reasoningTokens: 496 })
    expect(convertToAnthropicMessage(res, 'qw/qwen-plus').content).toEqual([
      { type: 'thinking', thinking: '17 × 23 = 17 × 20 + 17 × 3 = 340 + 51 = 391.', signature: '' },
      { type: 'text', text: '391' },
    ])
  })
  it('tool call: empty content, one tool_use block', () => {
    const res = answer('qwen-tool-call')
    expect(res.choices[0]!.finish_reason).toBe('tool_calls')
    expect(res.choices[0]!.message.tool_calls?.[0]).toMatchObject({
      id: 'call_7d2e9f4a1b6c4e8d9a0f3b5c',
      type: 'function',
      function: { name: 'get_weather', arguments: '{"location": "Paris"}' },
    })
    expect(usageFromChat(res.usage)).toEqual({ inputTokens: 295, outputTokens: 22 })
    expect(convertToAnthropicMessage(res, 'qw/qwen3-max')).toMatchObject({
      content: [
        {
          type: 'tool_use',
          id: 'call_7d2e9f4a1b6c4e8d9a0f3b5c',
          name: 'get_weather',
          input: { location: 'Paris' },
        },
      ],
      stop_reason: 'tool_use',
    })
  })
})

describe('qwen streams → Anthropic events', () => {
  it('thinking stream: thinking block, text block, usage from the trailing choices: [] chunk', () => {
    const stream = replay('qwen-thinking')
    expect(eventKinds(stream.events)).toEqual(messageEventKinds(['thinking', 2], ['text', 2]))
    expect(assemble(stream.events).thinking).toBe('The user says hi; greet back.')
    expect(assemble(stream.events).text).toBe('Hello, world!')
    expectStreamEnd(
      stream,
      'end_turn',
      { input_tokens: 24, output_tokens: 21 },
      { inputTokens: 24, outputTokens: 21, reasoningTokens: 12 },
    )
  })
  it('tool-call stream: "id": "" continuations stay in one tool_use block; arguments reassemble', () => {
    const stream = replay('qwen-tool-call')
    expect(eventKinds(stream.events)).toEqual(messageEventKinds(['tool_use', 2]))
    expect(stream.events[1]!.data.content_block).toEqual(toolUseStart('call_9b3f1e7a5c2d4b8e0a6c4f2d'))
    expect(JSON.parse(assemble(stream.events).json)).toEqual({ location: 'Paris' })
    expectStreamEnd(stream, 'tool_use', { input_tokens: 295, output_tokens: 22 })
  })
})

describe('qwen error bodies → caller status', () => {
  const map = fixtureErrorMapper('qwen', {
    credential: 'dashscope-sg',
    secrets: ['sk-qwen-secret-0123456789'],
  })
  it('429 limit_requests → rate limit; retry-after only from a header', () => {
    expectRateLimit(
      map,
      'qwen-error-rate-limit',
      { message: expect.stringContaining('You have exceeded your current request limit') },
      '3',
    )
  })
  it('400 enable_thinking on a non-streamed call keeps the provider reason', () => {
    expect(map('qwen-error-thinking-non-stream', 400)).toMatchObject({
      status: 400,
      type: 'invalid_request_error',
      code: 'invalid_parameter_error',
      message: expect.stringContaining(
        'parameter.enable_thinking must be set to false for non-streaming calls',
      ),
    })
  })
  it('401 invalid_api_key names the credential, never the key', () => {
    expectCredentialRefused(map('qwen-error-invalid-api-key', 401), 'qwen', 'dashscope-sg', 'sk-qwen-secret')
  })
})
