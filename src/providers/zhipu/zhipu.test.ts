/**
 * Zhipu GLM (BigModel / Z.AI) fixtures through the quirks: request mapping, answers to
 * canonical form and the Anthropic rendering, streams to Anthropic events, error bodies.
 *
 * Fixture sources:
 * - zhipu-text.json, zhipu-thinking.json, zhipu-tool-call.json: captured `open.bigmodel.cn`
 *   responses quoted in third-party tests (glm-4.6, GLM-5.1, glm-5.2): keys in alphabetical
 *   order, `id` = `request_id` (a timestamp + hex), `object` present although the official
 *   OpenAPI schema and samples leave it out, tool-call ids like `call_-<digits>` with `index` and
 *   `type`, `prompt_tokens_details.cached_tokens` and (newer models)
 *   `completion_tokens_details.reasoning_tokens`.
 * - zhipu-thinking.chunks.txt: a captured glm-4.6 stream (`delta.role: "assistant"` on every
 *   chunk, no `finish_reason` key until the end) ending as in the docs.z.ai "Streaming" guide:
 *   usage on the finish chunk. One capture made with `stream_options.include_usage` put usage
 *   on a separate `choices: []` chunk instead; which one a given request gets is unconfirmed.
 * - zhipu-thinking-tool-call.chunks.txt: a captured GLM-5 stream: reasoning deltas, the whole
 *   tool call in one delta (no `tool_stream`), finish chunk with usage.
 * - finish reasons `stop|length|tool_calls|sensitive|network_error` (+ the newer
 *   `model_context_window_exceeded`): docs.bigmodel.cn chat API reference; the exact body of a
 *   `sensitive` or `network_error` answer is not in any fixture (built inline below).
 * - errors: `{"error":{"code":"<business code>","message":…}}` with no `type`
 *   (docs.bigmodel.cn/cn/api/api-code: the 1002 example verbatim; 1302 concurrency as captured;
 *   1214 parameter error as captured from api.z.ai). No `retry-after` is documented or seen.
 */
import { describe, expect, it } from 'vitest'
import {
  answerFormat,
  expectCredentialRefused,
  expectStreamEnd,
  expectStreamFailsOn,
  expectTextAnswer,
  itMapsErrors,
  loadAnswer,
  mapRequest,
  messageEventKinds,
  STREAM_WITH_USAGE,
  toolRoundTripRequest,
  withFinishReason,
} from '../../../test/providers/compat-unit-helpers.js'
import {
  assemble,
  eventKinds,
  fixtureErrorMapper,
  loadChunks,
  loadJson,
  replayStream,
} from '../../../test/providers/fixture-helpers.js'
import { usageFromChat } from '../../gateway/usage.js'
import { convertToAnthropicMessage } from '../anthropic/convert-to-anthropic-message.js'
import type { ChatCompletion, ChatCompletionChunk, ChatCompletionRequest } from '../translate/openai-chat.js'
import { zhipuQuirks } from './zhipu-quirks.js'

const canonical = toolRoundTripRequest(
  'glm-4.6',
  { id: 'call_1', reasoning: 'Call the tool.', signature: 'sig', described: false },
  {
    tool_choice: 'required',
    response_format: answerFormat('city'),
    ...STREAM_WITH_USAGE,
    max_tokens: 200,
    seed: 7,
    top_k: 40,
    thinking_budget: 4000,
    reasoning_effort: 'medium',
  },
)

const replay = (fixture: string) => replayStream(zhipuQuirks, fixture, 'zp/glm-5')
const answer = (fixture: string) => loadAnswer(zhipuQuirks, fixture)

describe('zhipu request mapping', () => {
  it('thinking from reasoning_effort; tool_choice other than auto dropped; json_schema → json_object', () => {
    const { out, warnings } = mapRequest(zhipuQuirks, canonical)
    expect(out).toMatchInlineSnapshot(`
      {
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
        "model": "glm-4.6",
        "response_format": {
          "type": "json_object",
        },
        "seed": 7,
        "stream": true,
        "stream_options": {
          "include_usage": true,
        },
        "thinking": {
          "type": "enabled",
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
      }
    `)
    expect(warnings).toMatchInlineSnapshot(`
      [
        "top_k: not supported by zhipu; dropped",
        "tool_choice: Zhipu supports tool_choice "auto" only; dropped",
        "response_format json_schema sent as json_object (Zhipu has no schema mode)",
      ]
    `)
  })
  it('strict mode: tool_choice required is a 400; auto passes; effort none disables thinking', () => {
    const strict = (req: ChatCompletionRequest) => mapRequest(zhipuQuirks, req, 'strict').out
    const base = { ...canonical, top_k: undefined }
    expect(() => strict(base)).toThrow(/tool_choice/)
    expect(strict({ ...base, tool_choice: 'auto' })).toMatchObject({ tool_choice: 'auto' })
    expect(strict({ ...base, tool_choice: 'auto', reasoning_effort: 'none' })).toMatchObject({
      thinking: { type: 'disabled' },
    })
  })
})

describe('zhipu answers → canonical → Anthropic', () => {
  it('plain text with cache hits', () => {
    const res = answer('zhipu-text')
    expectTextAnswer(res, 'Hello, world!', { inputTokens: 81, outputTokens: 9, cachedReadTokens: 64 })
    expect(convertToAnthropicMessage(res, 'zp/glm-4.6')).toMatchInlineSnapshot(`
      {
        "content": [
          {
            "text": "Hello, world!",
            "type": "text",
          },
        ],
        "id": "msg_20251103162614c7d2a9e4b1f6083d",
        "model": "zp/glm-4.6",
        "role": "assistant",
        "stop_reason": "end_turn",
        "stop_sequence": null,
        "type": "message",
        "usage": {
          "cache_read_input_tokens": 64,
          "input_tokens": 17,
          "output_tokens": 9,
        },
      }
    `)
  })
  it('thinking: reasoning_content → thinking block; reasoning tokens metered', () => {
    const res = answer('zhipu-thinking')
    expect(usageFromChat(res.usage)).toEqual({ inputTokens: 12, outputTokens: 130, reasoningTokens: 121 })
    expect(convertToAnthropicMessage(res, 'zp/glm-5.1').content).toEqual([
      {
        type: 'thinking',
        thinking: '1.  **Identify the question:** the sum of 2 and 2.\n2.  **Compute:** 2 + 2 = 4.',
        signature: '',
      },
      { type: 'text', text: '2 + 2 = 4' },
    ])
  })
  it('tool call with text before it: text block then tool_use, cache read split out of input', () => {
    const res = answer('zhipu-tool-call')
    expect(res.choices[0]!.message.tool_calls?.[0]).toMatchObject({
      id: 'call_-8152364790214431077',
      function: { name: 'get_weather', arguments: '{"location": "Paris"}' },
    })
    expect(convertToAnthropicMessage(res, 'zp/glm-5.2')).toMatchObject({
      content: [
        { type: 'text', text: "I'll check the weather in Paris." },
        {
          type: 'tool_use',
          id: 'call_-8152364790214431077',
          name: 'get_weather',
          input: { location: 'Paris' },
        },
      ],
      stop_reason: 'tool_use',
      usage: { input_tokens: 471, cache_read_input_tokens: 4096, output_tokens: 47 },
    })
  })
  it('GLM finish reasons: sensitive → refusal, context window → max_tokens, network_error → 502', () => {
    const base = loadJson<ChatCompletion>('zhipu', 'zhipu-text')
    const withFinish = (f: string) => withFinishReason(base, f)
    const stop = (f: string) =>
      convertToAnthropicMessage(zhipuQuirks.normalizeResponse!(withFinish(f)), 'zp/glm-4.6').stop_reason
    expect(stop('sensitive')).toBe('refusal')
    expect(stop('model_context_window_exceeded')).toBe('max_tokens')
    expect(stop('length')).toBe('max_tokens')
    expect(() => zhipuQuirks.normalizeResponse!(withFinish('network_error'))).toThrow(
      expect.objectContaining({ status: 502, type: 'api_error' }),
    )
  })
})

describe('zhipu streams → Anthropic events', () => {
  it('thinking stream: thinking block then text; usage from the finish chunk', () => {
    const stream = replay('zhipu-thinking')
    expect(eventKinds(stream.events)).toEqual(messageEventKinds(['thinking', 3], ['text', 2]))
    expect(assemble(stream.events).thinking).toBe('\nThe user greets me; answer briefly.')
    expect(assemble(stream.events).text).toBe('Hello, world!')
    expectStreamEnd(stream, 'end_turn', { input_tokens: 2, cache_read_input_tokens: 7, output_tokens: 9 })
  })
  it('thinking + whole tool call: thinking block, one tool_use block, tool_use stop', () => {
    const stream = replay('zhipu-thinking-tool-call')
    expect(eventKinds(stream.events)).toEqual(messageEventKinds(['thinking', 2], ['tool_use', 1]))
    expect(stream.events[5]!.data.content_block).toMatchObject({
      id: 'call_5c8e1a3f7b9d4e2a8c6f0b1d',
      name: 'get_weather',
    })
    expect(JSON.parse(assemble(stream.events).json)).toEqual({ location: 'Paris' })
    expectStreamEnd(stream, 'tool_use', undefined, {
      inputTokens: 10984,
      outputTokens: 60,
      cachedReadTokens: 10560,
    })
  })
  it('a stream that ends with finish_reason network_error fails instead of ending cleanly', () => {
    expectStreamFailsOn(zhipuQuirks, 'zhipu-thinking', 'network_error')
    const last = loadChunks<ChatCompletionChunk>('zhipu', 'zhipu-thinking').at(-1)!
    const sensitive = zhipuQuirks.createStreamNormalizer!()(withFinishReason(last, 'sensitive'))
    expect(sensitive.choices[0]!.finish_reason).toBe('content_filter')
  })
})

describe('zhipu error bodies → caller status', () => {
  const map = fixtureErrorMapper('zhipu', {
    credential: 'glm-cn',
    secrets: ['0123456789abcdef0123456789abcdef.AbCdEfGhIjKlMnOp'],
  })
  itMapsErrors(map, [
    {
      title: '429 code 1302 (concurrency) → rate limit, no retry-after (none documented)',
      fixture: 'zhipu-error-rate-limit',
      status: 429,
      expected: {
        status: 429,
        type: 'rate_limit_error',
        message: expect.stringContaining('并发数过高'),
        headers: {},
      },
    },
    {
      title: '400 code 1214 keeps the provider reason',
      fixture: 'zhipu-error-invalid-request',
      status: 400,
      expected: {
        status: 400,
        type: 'invalid_request_error',
        message: 'zhipu (credential glm-cn) rejected the request: messages[8].content[0].type type error',
      },
    },
  ])
  it('401 code 1002 names the credential, never the key', () => {
    expectCredentialRefused(map('zhipu-error-auth', 401), 'zhipu', 'glm-cn', 'AbCdEfGhIjKlMnOp')
  })
})
