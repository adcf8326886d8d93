/**
 * MiniMax: `<think>` splitting, request mapping, recorded-shape responses and streams through the
 * quirks to canonical form and the Anthropic rendering, error bodies to the caller's status.
 *
 * Fixtures (__fixtures__/), written from MiniMax's OpenAI-compatible reference
 * (platform.minimax.io/docs/api-reference/text-openai-api, text-post for the v2 response object,
 * guides/text-m2-function-call, api-reference/errorcode) and recorded answers:
 * - minimax-text.json: the response object of the reference (32-hex id, `name: "MiniMax AI"`,
 *   `audio_content`, `usage.total_characters`, the `*_sensitive*` fields, `base_resp`) with the
 *   inline `<think>…</think>\n\n` content of production M2.7 answers (recorded in
 *   ENTERPILOT/GoModel internal/providers/minimax/testdata/prod_m27_nested.json).
 * - minimax-text.chunks.txt: the chunk sequence of a recorded M2.7 stream (same GoModel testdata,
 *   prod_m27_stream.txt): every delta repeats role/name/audio_content, `usage: null` until the
 *   end, the last content chunk carries `finish_reason`, then a `choices: []` chunk with usage
 *   (`prompt_tokens_details.cached_tokens`) and `base_resp`. The `<think>` and `</think>` tags are
 *   cut across chunks here on purpose (the splitter's job); the text is ours.
 * - minimax-tool-call.json / .chunks.txt: tool-call ids `call_function_<12 chars>_<n>` as quoted
 *   in MiniMax's own 2013 errors (public bug reports); the function-call guide says the content
 *   keeps `<think>` and must be sent back whole.
 * - minimax-error-*.json: the HTTP 4xx envelope `{type:"error", error:{type,message,http_code},
 *   request_id}` as recorded from /v1/chat/completions: 401 "invalid api key (2049)" and 400
 *   "invalid params, … (2013)" (bug reports against the OpenAI endpoint), the context text
 *   "context window exceeds limit (2013)" (MiniMax-AI/MiniMax-M2 #119); the HTTP 200 body with
 *   `choices: null` and `base_resp {1039, "token limit"}` recorded in MiniMax-AI/MiniMax-01 #15.
 * Not confirmed: the rate-limit body (type and text; MiniMax's table names code 1002 "rate limit")
 * and whether it sends retry-after; the unknown-model text (reports only show a 400); whether a
 * streamed tool call comes whole in one delta and on the finishing chunk (as here) or in
 * fragments; whether non-streamed tool-call content is `<think>…</think>\n\n` or has more text;
 * which failures use the 200 + base_resp form today and the meaning of 1039 (context or
 * throughput); the exact error for `temperature: 0` (the reference's range is (0, 1]).
 */
import { describe, expect, it } from 'vitest'
import {
  expectCredentialRefused,
  expectRateLimit,
  expectStreamEnd,
  itMapsErrors,
  loadAnswer,
  mapRequest,
  messageEventKinds,
  toolRoundTripRequest,
  toolUseStart,
} from '../../../test/providers/compat-unit-helpers.js'
import {
  assemble,
  eventKinds,
  fixtureErrorMapper,
  loadJson,
  replayStream,
} from '../../../test/providers/fixture-helpers.js'
import { usageFromChat } from '../../gateway/usage.js'
import { convertToAnthropicMessage } from '../anthropic/convert-to-anthropic-message.js'
import type { ChatCompletion, ChatCompletionChunk, ChatCompletionRequest } from '../translate/openai-chat.js'
import { toOpenAIWire } from '../translate/openai-compat-quirks.js'
import { TranslateContext } from '../translate/translate-context.js'
import { minimaxQuirks } from './minimax-quirks.js'
import { splitThink, ThinkSplitter } from './minimax-think-splitter.js'

const KEY = 'sk-api-mm0123456789abcdefghijklmnopqrstuv'

const canonical = toolRoundTripRequest(
  'MiniMax-M2.7',
  {
    id: 'call_function_x7k2p9qe4m1a_1',
    reasoning: '\nThe user wants the weather in Paris. Call get_weather.\n',
    spaced: true,
    after: [
      { role: 'assistant', content: 'It is 18°C.', reasoning_content: 'Report it.' },
      { role: 'user', content: 'And tomorrow?' },
    ],
  },
  {
    tool_choice: 'auto',
    temperature: 0,
    reasoning_effort: 'medium',
    thinking_budget: 4096,
    top_k: 40,
    max_tokens: 1024,
  },
)

const replay = (fixture: string) => replayStream(minimaxQuirks, fixture, 'mm/MiniMax-M2.7')
const answer = (fixture: string) => loadAnswer(minimaxQuirks, fixture)

describe('MiniMax <think> splitting', () => {
  it('splits a whole answer', () => {
    expect(splitThink('<think>plan it</think>\n\nThe answer.')).toEqual({
      content: 'The answer.',
      reasoning: 'plan it',
    })
    expect(splitThink('No tags here')).toEqual({ content: 'No tags here', reasoning: '' })
  })
  it('splits a stream whose tags are cut at every possible point', () => {
    const text = '<think>step one, step two</think>\nFinal <b>answer</b>.'
    for (let size = 1; size <= 9; size++) {
      const s = new ThinkSplitter()
      let content = ''
      let reasoning = ''
      for (let i = 0; i < text.length; i += size) {
        const r = s.push(text.slice(i, i + size))
        content += r.content
        reasoning += r.reasoning
      }
      const tail = s.flush()
      expect({ size, content: content + tail.content, reasoning: reasoning + tail.reasoning }).toEqual({
        size,
        content: 'Final <b>answer</b>.',
        reasoning: 'step one, step two',
      })
    }
  })
  it('stream normaliser moves reasoning to reasoning_content per chunk', () => {
    const norm = minimaxQuirks.createStreamNormalizer!()
    const chunk = (content: string, finish: 'stop' | null = null): ChatCompletionChunk => ({
      id: 'x',
      object: 'chat.completion.chunk',
      created: 1,
      model: 'm',
      choices: [{ index: 0, delta: { content }, finish_reason: finish }],
    })
    const out = [chunk('<thi'), chunk('nk>why</th'), chunk('ink>\nHi'), chunk('!', 'stop')].map(
      (c) => norm(c).choices[0]!.delta,
    )
    expect(out).toEqual([{}, { reasoning_content: 'why' }, { content: 'Hi' }, { content: '!' }])
  })
})

describe('minimax request mapping', () => {
  it('max_completion_tokens, temperature into (0, 1], reasoning back inline as <think>, no top_k', () => {
    const { out, warnings } = mapRequest(minimaxQuirks, canonical)
    expect(out).toMatchInlineSnapshot(`
      {
        "max_completion_tokens": 1024,
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
            "content": "<think>
      The user wants the weather in Paris. Call get_weather.
      </think>",
            "role": "assistant",
            "tool_calls": [
              {
                "function": {
                  "arguments": "{"location": "Paris"}",
                  "name": "get_weather",
                },
                "id": "call_function_x7k2p9qe4m1a_1",
                "type": "function",
              },
            ],
          },
          {
            "content": "{"temp":18}",
            "role": "tool",
            "tool_call_id": "call_function_x7k2p9qe4m1a_1",
          },
          {
            "content": "<think>Report it.</think>

      It is 18°C.",
            "role": "assistant",
          },
          {
            "content": "And tomorrow?",
            "role": "user",
          },
        ],
        "model": "MiniMax-M2.7",
        "reasoning_effort": "medium",
        "temperature": 0.01,
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
    expect(JSON.stringify(out)).not.toMatch(
      /reasoning_content|reasoning_signature|thinking_budget|max_tokens/,
    )
    expect(warnings).toEqual([
      'top_k: not supported by minimax; dropped',
      'temperature: MiniMax accepts (0, 1]; 0 sent as 0.01',
    ])
  })
  it('a split answer replayed is the text MiniMax wrote; in-range values and max_completion_tokens stay', () => {
    const res = answer('minimax-text')
    const body: ChatCompletionRequest = {
      model: 'MiniMax-M2.7',
      messages: [res.choices[0]!.message, { role: 'user', content: 'Thanks' }],
      temperature: 1,
      max_tokens: 10,
      max_completion_tokens: 20,
    }
    const ctx = new TranslateContext()
    const out = toOpenAIWire(body, ctx, minimaxQuirks)
    expect(out.messages[0]?.content).toBe(
      loadJson<ChatCompletion>('minimax', 'minimax-text').choices[0]!.message.content,
    )
    expect(out).toMatchObject({ temperature: 1, max_tokens: 10, max_completion_tokens: 20 })
    expect(ctx.warnings).toEqual([])
    expect(toOpenAIWire({ ...body, temperature: 1.5 }, ctx, minimaxQuirks).temperature).toBe(1)
  })
})

describe('minimax responses → canonical → Anthropic', () => {
  it('text: <think> split off, usage with reasoning tokens', () => {
    const res = answer('minimax-text')
    expect(res.choices[0]?.message).toMatchObject({
      content: 'The capital of France is Paris.',
      reasoning_content: '\nThe user asks for the capital of France. Answer in one sentence.\n',
    })
    expect(usageFromChat(res.usage)).toEqual({ inputTokens: 46, outputTokens: 25, reasoningTokens: 16 })
    expect(convertToAnthropicMessage(res, 'mm/MiniMax-M2.7')).toMatchObject({
      id: 'msg_06fb6b5e2a41c9d7f3e80b15c6a94d27',
      content: [
        { type: 'thinking', thinking: expect.stringContaining('capital of France'), signature: '' },
        { type: 'text', text: 'The capital of France is Paris.' },
      ],
      stop_reason: 'end_turn',
      usage: { input_tokens: 46, output_tokens: 25 },
    })
  })
  it('tool call: thinking block, no empty text block, tool_use with MiniMax id', () => {
    const res = answer('minimax-tool-call')
    expect(res.choices[0]?.message.content).toBe('')
    expect(usageFromChat(res.usage)).toEqual({ inputTokens: 268, outputTokens: 59, reasoningTokens: 21 })
    expect(convertToAnthropicMessage(res, 'mm/MiniMax-M2.7')).toMatchInlineSnapshot(`
      {
        "content": [
          {
            "signature": "",
            "thinking": "
      The user wants the weather in Paris. Call get_weather with location Paris.
      ",
            "type": "thinking",
          },
          {
            "id": "call_function_x7k2p9qe4m1a_1",
            "input": {
              "location": "Paris",
            },
            "name": "get_weather",
            "type": "tool_use",
          },
        ],
        "id": "msg_06fb6c1e0d2f4a7b9c8e5d3a1b2c4d6e",
        "model": "mm/MiniMax-M2.7",
        "role": "assistant",
        "stop_reason": "tool_use",
        "stop_sequence": null,
        "type": "message",
        "usage": {
          "input_tokens": 268,
          "output_tokens": 59,
        },
      }
    `)
  })
})

describe('minimax streams → Anthropic events', () => {
  it('text whose <think> tags are cut across chunks: thinking block, then text; cached usage', () => {
    const stream = replay('minimax-text')
    expect(stream.chunks.some((c) => c.choices.some((ch) => ch.delta.content?.includes('<')))).toBe(false)
    expect(eventKinds(stream.events)).toEqual(messageEventKinds(['thinking', 2], ['text', 2]))
    expect(assemble(stream.events)).toEqual({
      thinking: '\nThe user greets me. Answer briefly.\n',
      text: 'Hello! How can I help?',
      json: '',
    })
    expectStreamEnd(
      stream,
      'end_turn',
      { input_tokens: 8, cache_read_input_tokens: 32, output_tokens: 18 },
      { inputTokens: 40, outputTokens: 18, cachedReadTokens: 32, reasoningTokens: 9 },
    )
  })
  it('tool call: thinking, then one whole tool_use; the "\\n\\n" after </think> makes no text block', () => {
    const stream = replay('minimax-tool-call')
    expect(eventKinds(stream.events)).toEqual(messageEventKinds(['thinking', 2], ['tool_use', 1]))
    expect(stream.events[5]?.data.content_block).toEqual(toolUseStart('call_function_m4q8w1zt6b2c_1'))
    const { thinking, json } = assemble(stream.events)
    expect(thinking).toBe('\nThe user wants the weather in Paris. Call get_weather.\n')
    expect(JSON.parse(json)).toEqual({ location: 'Paris' })
    expectStreamEnd(stream, 'tool_use', { input_tokens: 12, cache_read_input_tokens: 256, output_tokens: 62 })
  })
})

describe('minimax error bodies → caller status', () => {
  const map = fixtureErrorMapper('minimax', { credential: 'mm', secrets: [KEY] })
  it('rate limit → 429, retry-after passed on when MiniMax sends one', () => {
    expectRateLimit(
      map,
      'minimax-error-429-rate-limit',
      { message: 'minimax (credential mm) rate limited the request: rate limit exceeded(RPM) (1002)' },
      '3',
    )
  })
  it('invalid api key (2049) → 401 naming the credential, never the key', () => {
    expectCredentialRefused(map('minimax-error-401-invalid-key', 401), 'minimax', 'mm', KEY)
  })
  itMapsErrors(map, [
    {
      title: 'context window exceeded (2013) → 400 context_length_exceeded with MiniMax reason',
      fixture: 'minimax-error-400-context-window',
      status: 400,
      expected: {
        status: 400,
        type: 'invalid_request_error',
        code: 'context_length_exceeded',
        message:
          'minimax (credential mm): context too long: invalid params, context window exceeds limit (2013)',
      },
    },
    {
      title: 'unknown model: MiniMax answers 400 (not 404), passed on with its reason',
      fixture: 'minimax-error-400-unknown-model',
      status: 400,
      expected: {
        status: 400,
        type: 'invalid_request_error',
        message:
          "minimax (credential mm) rejected the request: invalid params, unknown model 'MiniMax-M9' (2013)",
      },
    },
  ])
  it('HTTP 200 with choices: null and a base_resp code → that error, not a crash', () => {
    const body = loadJson<ChatCompletion>('minimax', 'minimax-error-200-token-limit')
    expect(() => minimaxQuirks.normalizeResponse!(body)).toThrow(
      expect.objectContaining({
        status: 400,
        type: 'invalid_request_error',
        message: 'minimax rejected the request: token limit (base_resp 1039)',
      }),
    )
    const withCode =
      (status_code: number, status_msg = 'x') =>
      () =>
        minimaxQuirks.normalizeResponse!({ ...body, base_resp: { status_code, status_msg } } as never)
    expect(withCode(1002, 'rate limit')).toThrow(expect.objectContaining({ status: 429, retryable: true }))
    expect(withCode(1004, `login fail ${KEY}`)).toThrow(
      expect.objectContaining({
        status: 401,
        message: 'minimax rejected the credential (check or rotate the key)',
      }),
    )
    expect(withCode(1008, 'insufficient balance')).toThrow(
      expect.objectContaining({
        status: 402,
        type: 'billing_error',
        message: 'minimax is out of credit: insufficient balance (base_resp 1008)',
      }),
    )
    expect(withCode(1033)).toThrow(expect.objectContaining({ status: 502, type: 'api_error' }))
    expect(withCode(0)).toThrow(expect.objectContaining({ status: 502, code: 'upstream_malformed' }))
  })
})
