/**
 * DeepSeek fixtures (src/providers/deepseek/__fixtures__) through the quirks: request mapping
 * (thinking switch, reasoning replay, JSON mode), answers to canonical form and to the Anthropic
 * rendering, streams to Anthropic events, error bodies to the caller's status.
 *
 * Fixture sources:
 * - deepseek-text.*: recorded `deepseek-chat` answers in vercel/ai
 *   (packages/deepseek/src/chat/__fixtures__/deepseek-text.*), shortened: `usage` with both
 *   `prompt_tokens_details.cached_tokens` and DeepSeek's `prompt_cache_hit_tokens` /
 *   `prompt_cache_miss_tokens`, `usage: null` on every chunk but the finishing one, which carries
 *   usage itself (no `choices: []` chunk, although vercel/ai asks `include_usage`). The 1024
 *   cache hits of the non-streamed answer are made up (recorded: 0); the fields are confirmed.
 * - deepseek-tool-call.*: vercel/ai deepseek-tool-call.* (`deepseek-v4-flash`, thinking on by
 *   default): `reasoning_content` before the call, `index` on non-streamed tool calls, the streamed
 *   call's first fragment with id/name/`arguments: ""`, then argument pieces; 256 cache hits and
 *   `completion_tokens_details.reasoning_tokens` as recorded. deepseek-reasoner-* (older
 *   `deepseek-reasoner`) are exercised by src/providers/translate/openai-compat-fixtures.test.ts.
 * - errors: status list of api-docs.deepseek.com/quick_start/error_codes (400, 401, 402, 422, 429,
 *   500, 503); bodies `{error: {message, type, param, code}}` as quoted in public reports: 401
 *   "Authentication Fails, Your api key: ****xxxx is invalid" (py-gpt#112), 402 "Insufficient
 *   Balance" with `type: unknown_error` (Aider#4851), 400 context length (fast-agent#621), 400
 *   "The `reasoning_content` in the thinking mode must be passed back to the API" (opencode#24083,
 *   V4 wording; older: "Missing `reasoning_content` field in the assistant message at message index
 *   N"), 400 "This response_format type is unavailable now" for json_schema (llm-exe#662), 422
 *   "Failed to deserialize the JSON body …" (cline#230; later reports show the same text as 400).
 *   The 429 message is quoted in tarigelamin1997/jobfetcher#42 (concurrency scaled to balance; no
 *   `x-ratelimit-*` headers); its `type`/`code` are unconfirmed, and so is any `retry-after`.
 * Unconfirmed: that `reasoning_content: ""` is accepted on every tool-call turn (third-party
 * clients send it; DeepSeek's docs only require the field); that `deepseek-chat` (non-thinking)
 * needs no such field; that a trailing system message reaches JSON mode as well as a leading one.
 */
import { describe, expect, it } from 'vitest'
import {
  answerFormat,
  expectCredentialRefused,
  expectRateLimit,
  expectStreamEnd,
  expectTextAnswer,
  expectTextStream,
  expectUntouched,
  itMapsErrors,
  loadAnswer,
  mapRequest,
  toolRoundTripRequest,
  toolUseStart,
  weatherTurn,
} from '../../../test/providers/compat-unit-helpers.js'
import {
  assemble,
  eventNames,
  fixtureErrorMapper,
  loadJson,
  replayStream,
} from '../../../test/providers/fixture-helpers.js'
import { usageFromChat } from '../../gateway/usage.js'
import { convertToAnthropicMessage } from '../anthropic/convert-to-anthropic-message.js'
import type { ChatCompletion, ChatCompletionRequest, ChatUsage } from '../translate/openai-chat.js'
import { deepseekQuirks } from './deepseek-quirks.js'

const KEY = 'sk-0123456789abcdef0123456789abwxyz'

const canonical = toolRoundTripRequest(
  'deepseek-v4-flash',
  {
    ask: { content: 'Weather in Paris, then Rome?' },
    id: 'call_00_lCIkdHRa7AKmCG3TlxXz1061',
    reasoning: 'Call get_weather for Paris first.',
    spaced: true,
    // A turn whose thinking the client dropped: DeepSeek 400s unless reasoning_content is present.
    after: weatherTurn({ id: 'call_01_Rome', city: 'Rome', temp: 21, spaced: true }),
    described: false,
  },
  {
    response_format: answerFormat('summary'),
    reasoning_effort: 'high',
    thinking_budget: 8192,
    top_k: 40,
    temperature: 0.3,
    max_tokens: 1024,
  },
)

const replay = (fixture: string) => replayStream(deepseekQuirks, fixture, 'ds/deepseek-v4-flash')
const answer = (fixture: string) => loadAnswer(deepseekQuirks, fixture)
const wire = (req: ChatCompletionRequest) => mapRequest(deepseekQuirks, req).out

describe('deepseek request mapping', () => {
  it('thinking on, reasoning replayed ("" where dropped), JSON mode with the schema, top_k dropped', () => {
    const {
      out: { tools, ...out },
      warnings,
    } = mapRequest(deepseekQuirks, canonical)
    expect(tools).toEqual(canonical.tools)
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
            "content": null,
            "reasoning_content": "Call get_weather for Paris first.",
            "role": "assistant",
            "tool_calls": [
              {
                "function": {
                  "arguments": "{"location": "Paris"}",
                  "name": "get_weather",
                },
                "id": "call_00_lCIkdHRa7AKmCG3TlxXz1061",
                "type": "function",
              },
            ],
          },
          {
            "content": "{"temp":18}",
            "role": "tool",
            "tool_call_id": "call_00_lCIkdHRa7AKmCG3TlxXz1061",
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
                "id": "call_01_Rome",
                "type": "function",
              },
            ],
          },
          {
            "content": "{"temp":21}",
            "role": "tool",
            "tool_call_id": "call_01_Rome",
          },
          {
            "content": "Answer with one JSON object that follows this JSON schema: {"type":"object","properties":{"summary":{"type":"string"}}}",
            "role": "system",
          },
        ],
        "model": "deepseek-v4-flash",
        "reasoning_effort": "high",
        "response_format": {
          "type": "json_object",
        },
        "temperature": 0.3,
        "thinking": {
          "type": "enabled",
        },
      }
    `)
    expect(warnings).toMatchInlineSnapshot(`
      [
        "top_k: not supported by deepseek; dropped",
        "response_format json_schema sent as json_object with the schema in a system message",
      ]
    `)
  })
  it('reasoning_effort none switches thinking off; then no empty reasoning is added', () => {
    const out = wire({ ...canonical, response_format: undefined, reasoning_effort: 'none' })
    expect(out.thinking).toEqual({ type: 'disabled' })
    expect(out).not.toHaveProperty('reasoning_effort')
    expect(out.messages[4]).not.toHaveProperty('reasoning_content')
    expect(out.messages[2]).toMatchObject({ reasoning_content: 'Call get_weather for Paris first.' })
  })
  it('deepseek-chat is the non-thinking alias: no empty reasoning unless thinking is asked for', () => {
    const chat = {
      ...canonical,
      model: 'deepseek-chat',
      response_format: undefined,
      reasoning_effort: undefined,
    }
    expect(wire(chat).messages[4]).not.toHaveProperty('reasoning_content')
    expect(wire({ ...chat, reasoning_effort: 'low' })).toMatchObject({
      thinking: { type: 'enabled' },
      reasoning_effort: 'low',
      messages: expect.arrayContaining([expect.objectContaining({ reasoning_content: '' })]),
    })
  })
  it('a plain request goes untouched', () => {
    expectUntouched(deepseekQuirks, 'deepseek-chat')
  })
})

describe('deepseek answers → canonical → Anthropic', () => {
  it('text: cache hits split into cache_read_input_tokens', () => {
    const res = answer('deepseek-text')
    expectTextAnswer(res, 'Hello! How can I help you today?', {
      inputTokens: 1046,
      outputTokens: 10,
      cachedReadTokens: 1024,
    })
    expect(convertToAnthropicMessage(res, 'ds/deepseek-chat')).toMatchObject({
      content: [{ type: 'text', text: 'Hello! How can I help you today?' }],
      stop_reason: 'end_turn',
      usage: { input_tokens: 22, cache_read_input_tokens: 1024, output_tokens: 10 },
    })
  })
  it('usage with only prompt_cache_hit_tokens: metered as is, normalised to cached_tokens', () => {
    const raw = loadJson<ChatCompletion>('deepseek', 'deepseek-text')
    const { prompt_tokens_details: _d, ...usage } = raw.usage!
    const bare = { ...raw, usage: usage as ChatUsage }
    // Pass-through answers are metered untouched: usageFromChat reads the top-level count.
    expect(usageFromChat(bare.usage)).toMatchObject({ cachedReadTokens: 1024 })
    const res = deepseekQuirks.normalizeResponse!(bare)
    expect(res.usage?.prompt_tokens_details).toEqual({ cached_tokens: 1024 })
    expect(convertToAnthropicMessage(res, 'm').usage).toMatchObject({ cache_read_input_tokens: 1024 })
  })
  it('V4 tool call: thinking block, tool_use with DeepSeek’s id, reasoning tokens metered', () => {
    const res = answer('deepseek-tool-call')
    expect(res.choices[0]!.finish_reason).toBe('tool_calls')
    expect(usageFromChat(res.usage)).toEqual({ inputTokens: 374, outputTokens: 60, reasoningTokens: 16 })
    expect(convertToAnthropicMessage(res, 'ds/deepseek-v4-flash')).toMatchInlineSnapshot(`
      {
        "content": [
          {
            "signature": "",
            "thinking": "The user asks about the weather in Paris. I'll call the get_weather tool.",
            "type": "thinking",
          },
          {
            "id": "call_00_lCIkdHRa7AKmCG3TlxXz1061",
            "input": {
              "location": "Paris",
            },
            "name": "get_weather",
            "type": "tool_use",
          },
        ],
        "id": "msg_21d2ddcb-4947-4e28-a783-857aedbe6ace",
        "model": "ds/deepseek-v4-flash",
        "role": "assistant",
        "stop_reason": "tool_use",
        "stop_sequence": null,
        "type": "message",
        "usage": {
          "input_tokens": 374,
          "output_tokens": 60,
        },
      }
    `)
  })
})

describe('deepseek streams → Anthropic events', () => {
  it('text: deltas, end_turn, usage from the finishing chunk', () => {
    const stream = replay('deepseek-text')
    expectTextStream(stream, 'Hello! How can I help you today?', [13, 10])
  })
  it('V4 thinking + tool call: thinking block, tool_use with assembled arguments, cache usage', () => {
    const stream = replay('deepseek-tool-call')
    const names = eventNames(stream.events)
    expect(names.filter((n) => n.startsWith('content_block_start'))).toEqual([
      'content_block_start:thinking',
      'content_block_start:tool_use',
    ])
    const toolStart = stream.events[names.indexOf('content_block_start:tool_use')]!
    expect(toolStart.data.content_block).toEqual(toolUseStart('call_00_IhCAliIHtM9gKpgfqbBV9873'))
    const { thinking, json } = assemble(stream.events)
    expect(thinking).toBe('The user asks about the weather in Paris. I should use the get_weather tool.')
    expect(JSON.parse(json)).toEqual({ location: 'Paris' })
    expectStreamEnd(
      stream,
      'tool_use',
      { input_tokens: 118, cache_read_input_tokens: 256, output_tokens: 61 },
      { inputTokens: 374, outputTokens: 61, cachedReadTokens: 256, reasoningTokens: 17 },
    )
  })
})

// upstreamError (providers/http/upstream-error.ts): the one mapping, for pass-through and
// translated calls alike (deepseek-e2e.test.ts covers both at run time).
describe('deepseek error bodies → caller status', () => {
  const map = fixtureErrorMapper('deepseek', { credential: 'ds-main', secrets: [KEY] })
  it('429 is a rate limit; retry-after only when a header gives one', () => {
    expectRateLimit(
      map,
      'deepseek-error-rate-limit',
      { message: expect.stringContaining('exceeds your concurrency limit of 39') },
      '2',
    )
  })
  it('400s keep DeepSeek’s reason; the context-length one is recognised as such', () => {
    expect(map('deepseek-error-context-length', 400)).toMatchObject({
      status: 400,
      code: 'context_length_exceeded',
      message: expect.stringContaining("This model's maximum context length is 131072 tokens"),
    })
    expect(map('deepseek-error-reasoning-content-missing', 400)).toMatchObject({
      status: 400,
      type: 'invalid_request_error',
      message: expect.stringContaining('must be passed back to the API'),
    })
    expect(map('deepseek-error-response-format', 400).message).toContain(
      'This response_format type is unavailable now',
    )
  })
  itMapsErrors(map, [
    {
      title: '422 invalid parameters → 422 invalid_request_error with the reason (status kept)',
      fixture: 'deepseek-error-invalid-parameters',
      status: 422,
      expected: {
        status: 422,
        type: 'invalid_request_error',
        retryable: false,
        message: expect.stringContaining('messages[1]: invalid type: sequence, expected a string'),
      },
    },
    {
      title:
        '402 insufficient balance → a non-retryable 402 billing_error naming the reason (the gateway fails over)',
      // The caller cannot fix it by retrying; another credential or provider can serve the call.
      fixture: 'deepseek-error-insufficient-balance',
      status: 402,
      expected: {
        status: 402,
        type: 'billing_error',
        code: 'upstream_payment_required',
        retryable: false,
        message: 'deepseek (credential ds-main) is out of credit: Insufficient Balance',
      },
    },
  ])
  it('401 names the credential, never the key (nor DeepSeek’s masked echo of it)', () => {
    expectCredentialRefused(map('deepseek-error-unauthorized', 401), 'deepseek', 'ds-main', /wxyz|sk-0123/)
  })
})
