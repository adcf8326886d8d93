/**
 * Groq fixtures (src/providers/groq/__fixtures__) through the quirks: request mapping and the
 * parameters Groq refuses, answers to canonical form and to the Anthropic rendering, streams to
 * Anthropic events, error bodies to the caller's status.
 *
 * Fixture sources:
 * - groq-text.* and groq-tool-call.*: recorded `llama-3.3-70b-versatile` answers in vercel/ai
 *   (packages/groq/src/__fixtures__/groq-{text,tool-call}.*), shortened: `usage` with Groq's
 *   `queue_time`/`prompt_time`/`completion_time`/`total_time`, `usage_breakdown`, `x_groq: {id,
 *   seed}`, `service_tier`. A non-streamed tool-call message has no `content` key at all; the
 *   streamed call comes whole in one delta (with `index` and `type`). The stream's finishing chunk
 *   carries usage twice, in `x_groq.usage` and in `usage`, and there is no `choices: []` chunk:
 *   vercel/ai recorded it without `stream_options`; whether Groq adds a separate usage chunk under
 *   `include_usage` (which the gateway sets) is unconfirmed.
 * - groq-qwen3-reasoning.*: vercel/ai groq-reasoning.* (`qwen/qwen3-32b`), shortened: reasoning
 *   in `message.reasoning` / `delta.reasoning` and `completion_tokens_details.reasoning_tokens`.
 *   Groq documents that field for `reasoning_format: "parsed"` (gpt-oss: by default); Qwen3's
 *   default `raw` format puts `<think>…</think>` in `content`, which no quirk splits (unconfirmed
 *   which default a call without tools gets today).
 * - errors: the 400 list and the `temperature: 0` note of console.groq.com/docs/openai; status
 *   list of console.groq.com/docs/errors. Bodies as quoted in public reports: 429 and 413
 *   ("Request too large … on tokens per minute", `type: "tokens"`, `code: "rate_limit_exceeded"`;
 *   continuedev/continue#10920, HunorLaczko/ha-groq-cloud-api#27), 400 context length
 *   (`code: "context_length_exceeded"`, OpenHands#1902), 401 ("Invalid API Key",
 *   `code: "invalid_api_key"`), 400 for `reasoning_content` on an assistant message
 *   (agentjido/req_llm#772; its `type` is unconfirmed). 498 is documented (flex tier,
 *   console.groq.com/docs/flex-processing: "status 498 and error capacity_exceeded"); its
 *   message and `type` are made up. `retry-after` on 429 is documented (rate-limits page).
 */
import { describe, expect, it } from 'vitest'
import {
  expectCredentialRefused,
  expectStreamEnd,
  expectTextAnswer,
  expectTextStream,
  itMapsErrors,
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
  loadJson,
  replayStream,
} from '../../../test/providers/fixture-helpers.js'
import { usageFromChat } from '../../gateway/usage.js'
import { convertToAnthropicMessage } from '../anthropic/convert-to-anthropic-message.js'
import type { ChatCompletion, ChatCompletionRequest } from '../translate/openai-chat.js'
import { groqQuirks } from './groq-quirks.js'

const KEY = 'gsk_groqfake0123456789abcdefghij'

const canonical = toolRoundTripRequest(
  'llama-3.3-70b-versatile',
  {
    ask: { name: 'alice' },
    id: 'toolu_01A09q90qw90lq917835lq9',
    reasoning: 'Call the tool.',
    signature: 'sig',
  },
  {
    tool_choice: 'required',
    ...STREAM_WITH_USAGE,
    max_tokens: 200,
    temperature: 0,
    seed: 7,
    top_k: 40,
    thinking_budget: 4000,
    reasoning_effort: 'medium',
    user: 'u-1',
    logprobs: true,
    top_logprobs: 2,
    logit_bias: { '50256': -100 },
    n: 2,
  },
)

const replay = (fixture: string) => replayStream(groqQuirks, fixture, 'groq/llama-3.3-70b-versatile')
const answer = (fixture: string) => loadAnswer(groqQuirks, fixture)

describe('groq request mapping', () => {
  it('drops what Groq answers 400 to, never sends reasoning back, keeps the rest', () => {
    const {
      out: { tools, ...out },
      warnings,
    } = mapRequest(groqQuirks, canonical)
    expect(tools).toEqual(canonical.tools)
    // temperature 0 goes as sent: Groq turns it into 1e-8 itself.
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
                "id": "toolu_01A09q90qw90lq917835lq9",
                "type": "function",
              },
            ],
          },
          {
            "content": "{"temp":18}",
            "role": "tool",
            "tool_call_id": "toolu_01A09q90qw90lq917835lq9",
          },
        ],
        "model": "llama-3.3-70b-versatile",
        "reasoning_effort": "medium",
        "seed": 7,
        "stream": true,
        "stream_options": {
          "include_usage": true,
        },
        "temperature": 0,
        "tool_choice": "required",
        "user": "u-1",
      }
    `)
    expect(warnings).toMatchInlineSnapshot(`
      [
        "top_k: not supported by groq; dropped",
        "logprobs: rejected by Groq; dropped",
        "logit_bias: rejected by Groq; dropped",
        "top_logprobs: rejected by Groq; dropped",
        "n: Groq supports n=1 only; dropped",
        "messages[].name: rejected by Groq; dropped",
      ]
    `)
  })
  it('strict mode refuses each parameter Groq would answer 400 to, naming it', () => {
    const strict = (extra: Partial<ChatCompletionRequest>) => () =>
      mapRequest(
        groqQuirks,
        { model: 'llama-3.3-70b-versatile', messages: [{ role: 'user', content: 'hi' }], ...extra },
        'strict',
      )
    expect(strict({ logprobs: true })).toThrow(
      expect.objectContaining({ status: 400, param: 'logprobs', code: 'unsupported_parameter' }),
    )
    expect(strict({ top_logprobs: 3 })).toThrow(/'top_logprobs' rejected by Groq/)
    expect(strict({ logit_bias: { '1': 5 } })).toThrow(/'logit_bias'/)
    expect(strict({ n: 3 })).toThrow(/'n' Groq supports n=1 only/)
    expect(strict({ messages: [{ role: 'user', content: 'hi', name: 'bob' }] })).toThrow(/messages\[\]\.name/)
    // n: 1 and logprobs: false are what Groq accepts.
    expect(strict({ n: 1, logprobs: false })).not.toThrow()
  })
})

describe('groq answers → canonical → Anthropic', () => {
  it('plain text: content, finish, Groq timing fields ignored by metering', () => {
    const res = answer('groq-text')
    expectTextAnswer(res, 'Hello! How can I help you today?', { inputTokens: 45, outputTokens: 10 })
    expect(convertToAnthropicMessage(res, 'groq/llama-3.3-70b-versatile')).toMatchInlineSnapshot(`
      {
        "content": [
          {
            "text": "Hello! How can I help you today?",
            "type": "text",
          },
        ],
        "id": "msg_chatcmpl-09d64d2a-ed1c-4473-829f-78db43f45d13",
        "model": "groq/llama-3.3-70b-versatile",
        "role": "assistant",
        "stop_reason": "end_turn",
        "stop_sequence": null,
        "type": "message",
        "usage": {
          "input_tokens": 45,
          "output_tokens": 10,
        },
      }
    `)
  })
  it('tool call without a content key: one tool_use block with Groq’s id', () => {
    const res = answer('groq-tool-call')
    expect(res.choices[0]!.message).not.toHaveProperty('content')
    expect(res.choices[0]!.message.tool_calls).toEqual([
      {
        id: 'ax9fskhev',
        type: 'function',
        function: { name: 'get_weather', arguments: '{"location":"Paris"}' },
      },
    ])
    expect(usageFromChat(res.usage)).toEqual({ inputTokens: 218, outputTokens: 15 })
    expect(convertToAnthropicMessage(res, 'groq/llama-3.3-70b-versatile')).toMatchObject({
      content: [{ type: 'tool_use', id: 'ax9fskhev', name: 'get_weather', input: { location: 'Paris' } }],
      stop_reason: 'tool_use',
      usage: { input_tokens: 218, output_tokens: 15 },
    })
  })
  it('Qwen3 `reasoning` becomes reasoning_content and a thinking block (lost without the quirk)', () => {
    const raw = loadJson<ChatCompletion>('groq', 'groq-qwen3-reasoning')
    expect(convertToAnthropicMessage(raw, 'm').content).toEqual([
      { type: 'text', text: raw.choices[0]!.message.content },
    ])
    const res = answer('groq-qwen3-reasoning')
    expect(res.choices[0]!.message).not.toHaveProperty('reasoning')
    expect(usageFromChat(res.usage)).toEqual({ inputTokens: 17, outputTokens: 49, reasoningTokens: 35 })
    expect(convertToAnthropicMessage(res, 'groq/qwen/qwen3-32b').content).toEqual([
      {
        type: 'thinking',
        thinking: 'Spell it out: S-T-R-A-W-B-E-R-R-Y. R at positions 3, 8 and 9, so three.',
        signature: '',
      },
      { type: 'text', text: 'The word "strawberry" contains **3** letters R.' },
    ])
  })
})

describe('groq streams → Anthropic events', () => {
  it('text: deltas, end_turn, usage from the finishing chunk (x_groq copy ignored)', () => {
    const stream = replay('groq-text')
    expectTextStream(stream, 'Hello! How can I help you today?', [45, 10])
  })
  it('a whole tool call in one delta: one tool_use block, arguments intact', () => {
    const stream = replay('groq-tool-call')
    expect(eventKinds(stream.events)).toEqual(messageEventKinds(['tool_use', 1]))
    expect(stream.events[1]!.data.content_block).toEqual(toolUseStart('tk85n1k4m'))
    expect(JSON.parse(assemble(stream.events).json)).toEqual({ location: 'Paris' })
    expectStreamEnd(stream, 'tool_use', { input_tokens: 210, output_tokens: 15 })
  })
  it('Qwen3 `delta.reasoning`: a thinking block, then text', () => {
    const { chunks, events } = replay('groq-qwen3-reasoning')
    expect(eventKinds(events)).toEqual(messageEventKinds(['thinking', 3], ['text', 2]))
    expect(assemble(events)).toMatchObject({
      thinking: 'Spell it out: S-T-R-A-W-B-E-R-R-Y. Three.',
      text: 'There are 3 Rs.',
    })
    expect(usageFromChat(chunks.at(-1)!.usage)).toMatchObject({ reasoningTokens: 16 })
  })
})

// upstreamError (providers/http/upstream-error.ts): the one mapping, for pass-through and
// translated calls alike (groq-e2e.test.ts covers both at run time).
describe('groq error bodies → caller status', () => {
  const map = fixtureErrorMapper('groq', { credential: 'groq-prod', secrets: [KEY] })
  it('400s keep Groq’s reason: context length, logprobs, reasoning_content', () => {
    // Groq's context message ("Please reduce the length of the messages or completion.") matches
    // none of the mapper's context-length patterns, but its `code: context_length_exceeded` is
    // read (the one mapping keeps OpenAI-style codes), the reason kept.
    expect(map('groq-error-context-length', 400)).toMatchObject({
      status: 400,
      type: 'invalid_request_error',
      code: 'context_length_exceeded',
      message:
        'groq (credential groq-prod): context too long: Please reduce the length of the messages or completion.',
    })
    expect(map('groq-error-logprobs', 400).message).toContain("'logprobs' : not supported")
    expect(map('groq-error-reasoning-content', 400).message).toContain(
      "property 'reasoning_content' is unsupported",
    )
  })
  it('401 names the credential, never the key', () => {
    expectCredentialRefused(map('groq-error-invalid-api-key', 401), 'groq', 'groq-prod', KEY)
  })
  itMapsErrors(map, [
    {
      title: '429 (type "tokens") is a rate limit; Groq’s retry-after is passed on',
      fixture: 'groq-error-rate-limit',
      status: 429,
      headers: { 'retry-after': '578' },
      expected: {
        status: 429,
        type: 'rate_limit_error',
        retryable: true,
        headers: { 'retry-after': '578' },
        message: expect.stringContaining('on tokens per day (TPD): Limit 100000'),
      },
    },
    {
      title: '413 "Request too large" (over the per-minute token budget) keeps its status, not retried',
      // A client error, not retryable, Groq's status, code and reason kept: Groq means its TPM
      // budget here, not the context window (the reason says so).
      fixture: 'groq-error-request-too-large',
      status: 413,
      expected: {
        status: 413,
        type: 'request_too_large',
        code: 'rate_limit_exceeded',
        retryable: false,
        message: expect.stringContaining('on tokens per minute (TPM): Limit 6000, Requested 12328'),
      },
    },
    {
      title: '498 flex capacity → a retryable 503 overloaded_error (Groq: retry with backoff)',
      fixture: 'groq-error-flex-capacity',
      status: 498,
      expected: {
        status: 503,
        type: 'overloaded_error',
        code: 'upstream_unavailable',
        retryable: true,
        message: expect.stringContaining('Flex tier capacity exceeded'),
      },
    },
  ])
})
