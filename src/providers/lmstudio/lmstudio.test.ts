/**
 * LM Studio: request mapping, recorded-shape responses and streams through the quirks to
 * canonical form and the Anthropic rendering, error bodies to the caller's status.
 *
 * Fixtures (__fixtures__/), written from LM Studio's docs (lmstudio.ai/docs/developer:
 * openai-compat/chat-completions, openai-compat/tools, api-changelog, core/authentication) and
 * responses recorded in LM Studio's bug tracker:
 * - lmstudio-text.json: `chatcmpl-<22 lowercase alnum>` id, `logprobs: null` before
 *   `finish_reason`, `stats: {}` and `system_fingerprint` = the model id (bug tracker #601, #619).
 * - lmstudio-tool-call.json: the tools doc example (numeric-string tool-call id, no `content`
 *   key on the tool-call message, `finish_reason: "tool_calls"`).
 * - lmstudio-text.chunks.txt: chunk shape as recorded in bug tracker #676 (`delta.role` on content
 *   deltas, finish chunk with `delta: {}`); the trailing usage chunk follows the changelog (0.3.18:
 *   `stream_options.include_usage` "returns prompt and completion token usage during streaming").
 * - lmstudio-gpt-oss-tool-call.chunks.txt: reasoning in `delta.reasoning` (changelog 0.3.23, gpt-oss)
 *   and tool-call deltas as in the tools doc's streaming section (id + name + `arguments: ""` first,
 *   then argument fragments).
 * - lmstudio-error-*.json: bodies recorded in public bug reports (a plain string `error` for
 *   validation failures; an OpenAI-style object with `code: "model_not_found"`; the 0.4 API-token
 *   refusal).
 * Not confirmed: the exact shape of the `include_usage` chunk (assumed OpenAI's `choices: []`);
 * whether gpt-oss reasoning deltas also carry `content`; whether the token refusal is sent as
 * 401 on /v1/chat/completions (reported as 401 invalid_api_key by users); the status of the
 * model-not-found error (404 in older builds, 400 "Invalid model identifier" in newer ones).
 */
import { describe, expect, it } from 'vitest'
import {
  answerFormat,
  expectCredentialRefused,
  expectStreamEnd,
  expectTextAnswer,
  expectTextStream,
  loadAnswer,
  mapRequest,
  messageEvents,
  toolRoundTripRequest,
  toolUseStart,
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
import type { ChatCompletion } from '../translate/openai-chat.js'
import { toOpenAIWire } from '../translate/openai-compat-quirks.js'
import { TranslateContext } from '../translate/translate-context.js'
import { lmstudioQuirks } from './lmstudio-quirks.js'

const canonical = toolRoundTripRequest(
  'openai/gpt-oss-20b',
  { id: '814890118', reasoning: 'Use get_weather.' },
  {
    tool_choice: 'required',
    response_format: answerFormat('summary', { required: true, strict: true }),
    reasoning_effort: 'low',
    thinking_budget: 1024,
    top_k: 40,
    max_tokens: 512,
  },
)

const replay = (fixture: string) => replayStream(lmstudioQuirks, fixture, 'lms/openai/gpt-oss-20b')
const answer = (fixture: string) => loadAnswer(lmstudioQuirks, fixture)

describe('lmstudio request mapping', () => {
  it('keeps top_k (a documented LM Studio field) and json_schema; strips extensions and reasoning', () => {
    const { out, warnings } = mapRequest(lmstudioQuirks, canonical)
    expect(out).toMatchInlineSnapshot(`
      {
        "max_tokens": 512,
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
                "id": "814890118",
                "type": "function",
              },
            ],
          },
          {
            "content": "{"temp":18}",
            "role": "tool",
            "tool_call_id": "814890118",
          },
        ],
        "model": "openai/gpt-oss-20b",
        "reasoning_effort": "low",
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
        "tool_choice": "required",
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
        "top_k": 40,
      }
    `)
    expect(warnings).toEqual([])
  })
  it('json_object (answered 400 by LM Studio) becomes a json_schema of any object', () => {
    const out = toOpenAIWire(
      { model: 'qwen2.5-7b-instruct', messages: [], response_format: { type: 'json_object' } },
      new TranslateContext(),
      lmstudioQuirks,
    )
    expect(out.response_format).toEqual({
      type: 'json_schema',
      json_schema: { name: 'json_object', schema: { type: 'object' } },
    })
  })
})

describe('lmstudio responses → canonical → Anthropic', () => {
  it('text: content, stop, usage; stats and system_fingerprint ignored', () => {
    const res = answer('lmstudio-text')
    expectTextAnswer(res, 'Hello! How can I assist you today?', { inputTokens: 24, outputTokens: 10 })
    expect(convertToAnthropicMessage(res, 'lms/qwen2.5-7b-instruct')).toMatchObject({
      id: 'msg_chatcmpl-t8tsxqx7kwi9ekj70xwwl',
      content: [{ type: 'text', text: 'Hello! How can I assist you today?' }],
      stop_reason: 'end_turn',
      usage: { input_tokens: 24, output_tokens: 10 },
    })
  })
  it('tool call without a content key: tool_use only, numeric id kept', () => {
    const res = answer('lmstudio-tool-call')
    expect(res.choices[0]!.message).not.toHaveProperty('content')
    expect(res.choices[0]!.finish_reason).toBe('tool_calls')
    expect(usageFromChat(res.usage)).toEqual({ inputTokens: 263, outputTokens: 34 })
    expect(convertToAnthropicMessage(res, 'lms/qwen2.5-7b-instruct')).toMatchInlineSnapshot(`
      {
        "content": [
          {
            "id": "365174485",
            "input": {
              "location": "Paris",
            },
            "name": "get_weather",
            "type": "tool_use",
          },
        ],
        "id": "msg_chatcmpl-gb1t1uqzefudice8ntxd9i",
        "model": "lms/qwen2.5-7b-instruct",
        "role": "assistant",
        "stop_reason": "tool_use",
        "stop_sequence": null,
        "type": "message",
        "usage": {
          "input_tokens": 263,
          "output_tokens": 34,
        },
      }
    `)
  })
  it('gpt-oss `reasoning` (non-stream, 0.3.23) becomes reasoning_content', () => {
    // The text fixture with the field 0.3.23 adds for gpt-oss (`choices.message.reasoning`).
    const raw = loadJson<ChatCompletion>('lmstudio', 'lmstudio-text')
    raw.choices[0]!.message = { ...raw.choices[0]!.message, reasoning: 'Say hello.' } as never
    const msg = lmstudioQuirks.normalizeResponse!(raw).choices[0]!.message
    expect(msg).toMatchObject({
      reasoning_content: 'Say hello.',
      content: 'Hello! How can I assist you today?',
    })
    expect(msg).not.toHaveProperty('reasoning')
  })
})

describe('lmstudio streams → Anthropic events', () => {
  it('text: content deltas, empty finish delta, usage chunk', () => {
    const stream = replay('lmstudio-text')
    expectTextStream(stream, 'Hello! How can I assist you today?', [24, 10])
  })
  it('gpt-oss: `reasoning` deltas → thinking block; tool arguments assembled from fragments', () => {
    const stream = replay('lmstudio-gpt-oss-tool-call')
    // Five tool deltas: one per argument fragment; the empty first adds none.
    expect(eventNames(stream.events)).toEqual(messageEvents(['thinking', 2], ['tool_use', 5]))
    expect(stream.events[5]?.data.content_block).toEqual(toolUseStart('814890118'))
    const { thinking, json } = assemble(stream.events)
    expect(thinking).toBe('User asks weather in Paris. Use get_weather.')
    expect(JSON.parse(json)).toEqual({ location: 'Paris' })
    expectStreamEnd(stream, 'tool_use', { input_tokens: 131, output_tokens: 38 })
  })
})

describe('lmstudio error bodies → caller status', () => {
  const map = fixtureErrorMapper('lmstudio', {
    credential: 'lms',
    secrets: ['sk-lm-abcdefgh:ijklmnopqrstuvwx'],
  })
  it('string `error` bodies (json_object, no model loaded) → 400 with the reason', () => {
    expect(map('lmstudio-error-400-response-format', 400)).toMatchObject({
      status: 400,
      type: 'invalid_request_error',
      message:
        "lmstudio (credential lms) rejected the request: 'response_format.type' must be 'json_schema' or 'text'",
    })
    expect(map('lmstudio-error-400-no-models', 400)).toMatchObject({
      status: 400,
      message: expect.stringContaining('No models loaded'),
    })
  })
  it('model not found: 404 (older builds) and 400 invalid model identifier (newer) keep the reason', () => {
    expect(map('lmstudio-error-404-model', 404)).toMatchObject({
      status: 404,
      type: 'not_found_error',
      message: expect.stringContaining('Model "default" not found'),
    })
    expect(map('lmstudio-error-400-invalid-model', 400)).toMatchObject({
      status: 400,
      message: expect.stringContaining('Invalid model identifier "o4-mini"'),
    })
  })
  it('API token required (0.4 auth) → 401 naming the credential, never the token', () => {
    expectCredentialRefused(map('lmstudio-error-401-token', 401), 'lmstudio', 'lms', 'sk-lm-')
  })
})
