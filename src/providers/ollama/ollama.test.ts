/**
 * Ollama: request mapping, recorded-shape responses and streams through the quirks to canonical
 * form and the Anthropic rendering, error bodies to the caller's status.
 *
 * Fixtures (__fixtures__/), written from Ollama's OpenAI-compatibility reference
 * (docs.ollama.com/api/openai-compatibility) and the code that produces the shapes
 * (github.com/ollama/ollama openai/openai.go: ChatCompletion, ChatCompletionChunk, ToChunks,
 * NewError; middleware/openai.go: ChatWriter):
 * - ids `chatcmpl-<0..998>`, `system_fingerprint: "fp_ollama"`, `content` always present (`""`
 *   when empty), thinking as `reasoning`, tool calls whole in one delta with `index`,
 *   `finish_reason: "tool_calls"` once a tool call was sent, no separate role-only chunk (every
 *   delta carries `role`), and under `include_usage` a copy of the last chunk with `choices: []`
 *   and `usage` before `[DONE]`. Usage has only prompt/completion/total tokens.
 * - ollama-error-*.json: `{"error":{"message","type","param":null,"code":null}}` with type
 *   `invalid_request_error` (400), `not_found_error` (404), `api_error` (other); the 404 text as
 *   recorded in a public bug report, the 503 text from the scheduler's ErrMaxQueue, the 400 tools
 *   text and the reasoning-value text from the server sources.
 * Not confirmed: the exact tool-call id format (`call_` + 8 lowercase characters here); whether
 * older servers (before ToChunks) put reasoning and content in one chunk (the normaliser handles
 * both); the wording of the 404 differs across versions (`model "x" not found, try pulling it first`).
 */
import { describe, expect, it } from 'vitest'
import {
  answerFormat,
  expectCredentialRefused,
  expectStreamEnd,
  expectTextAnswer,
  expectTextStream,
  expectUntouched,
  itMapsErrors,
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
  replayStream,
} from '../../../test/providers/fixture-helpers.js'
import { usageFromChat } from '../../gateway/usage.js'
import { convertToAnthropicMessage } from '../anthropic/convert-to-anthropic-message.js'
import { upstreamError } from '../http/upstream-error.js'
import { ollamaQuirks } from './ollama-quirks.js'

const canonical = toolRoundTripRequest(
  'qwen3:8b',
  { content: '', id: 'call_x7k2p9qe', reasoning: 'Call get_weather for Paris.' },
  {
    tool_choice: 'auto',
    response_format: answerFormat('summary', { required: true }),
    reasoning_effort: 'medium',
    thinking_budget: 4096,
    top_k: 40,
    max_tokens: 512,
  },
)

const replay = (fixture: string) => replayStream(ollamaQuirks, fixture, 'ollama/qwen3:8b')
const answer = (fixture: string) => loadAnswer(ollamaQuirks, fixture)

describe('ollama request mapping', () => {
  it('replays reasoning as `reasoning`, keeps reasoning_effort, strips extensions, drops top_k', () => {
    const { out, warnings } = mapRequest(ollamaQuirks, canonical)
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
            "content": "",
            "reasoning": "Call get_weather for Paris.",
            "role": "assistant",
            "tool_calls": [
              {
                "function": {
                  "arguments": "{"location":"Paris"}",
                  "name": "get_weather",
                },
                "id": "call_x7k2p9qe",
                "type": "function",
              },
            ],
          },
          {
            "content": "{"temp":18}",
            "role": "tool",
            "tool_call_id": "call_x7k2p9qe",
          },
        ],
        "model": "qwen3:8b",
        "reasoning_effort": "medium",
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
    expect(JSON.stringify(out)).not.toMatch(/reasoning_content|reasoning_signature|thinking_budget/)
    // Ollama's /v1 request has no top_k (it would be ignored); dropped with a warning.
    expect(warnings).toEqual(['top_k: not supported by ollama; dropped'])
  })
  it('leaves a request without reasoning untouched', () => {
    expectUntouched(ollamaQuirks, 'llama3.2')
  })
})

describe('ollama responses → canonical → Anthropic', () => {
  it('text: content, stop, usage without cache details', () => {
    const res = answer('ollama-text')
    expectTextAnswer(res, 'Hello! How can I help you today?', { inputTokens: 29, outputTokens: 10 })
    expect(convertToAnthropicMessage(res, 'ollama/llama3.2')).toMatchObject({
      id: 'msg_chatcmpl-271',
      content: [{ type: 'text', text: 'Hello! How can I help you today?' }],
      stop_reason: 'end_turn',
      usage: { input_tokens: 29, output_tokens: 10 },
    })
  })
  it('think + tool call: `reasoning` becomes reasoning_content and a thinking block', () => {
    const res = answer('ollama-qwen3-think-tool-call')
    const msg = res.choices[0]!.message
    expect(msg).not.toHaveProperty('reasoning')
    expect(msg.reasoning_content).toMatch(/^Okay, the user wants the weather in Paris/)
    expect(msg.tool_calls?.[0]).toMatchObject({
      id: 'call_x7k2p9qe',
      type: 'function',
      function: { name: 'get_weather', arguments: '{"location":"Paris"}' },
    })
    expect(res.choices[0]!.finish_reason).toBe('tool_calls')
    expect(usageFromChat(res.usage)).toEqual({ inputTokens: 171, outputTokens: 58 })
    expect(convertToAnthropicMessage(res, 'ollama/qwen3:8b')).toMatchInlineSnapshot(`
      {
        "content": [
          {
            "signature": "",
            "thinking": "Okay, the user wants the weather in Paris. I'll call get_weather with location Paris.",
            "type": "thinking",
          },
          {
            "id": "call_x7k2p9qe",
            "input": {
              "location": "Paris",
            },
            "name": "get_weather",
            "type": "tool_use",
          },
        ],
        "id": "msg_chatcmpl-842",
        "model": "ollama/qwen3:8b",
        "role": "assistant",
        "stop_reason": "tool_use",
        "stop_sequence": null,
        "type": "message",
        "usage": {
          "input_tokens": 171,
          "output_tokens": 58,
        },
      }
    `)
  })
})

describe('ollama streams → Anthropic events', () => {
  it('text: every delta carries role and content; usage from the choices:[] chunk', () => {
    const stream = replay('ollama-text')
    expectTextStream(stream, 'Hello! How can I help you today?', [29, 10])
  })
  it('think + tool call: reasoning deltas → thinking block, whole tool call in one delta', () => {
    const stream = replay('ollama-qwen3-think-tool-call')
    expect(stream.chunks.some((c) => c.choices.some((ch) => 'reasoning' in ch.delta))).toBe(false)
    expect(eventNames(stream.events)).toEqual(messageEvents(['thinking', 3], ['tool_use', 1]))
    expect(stream.events[6]?.data.content_block).toEqual(toolUseStart('call_m4q8w1zt'))
    const { thinking, json, text } = assemble(stream.events)
    expect(thinking).toBe("Okay, the user wants the weather in Paris. I'll call get_weather.")
    expect(JSON.parse(json)).toEqual({ location: 'Paris' })
    expect(text).toBe('')
    expectStreamEnd(stream, 'tool_use', { input_tokens: 171, output_tokens: 61 })
  })
})

describe('ollama error bodies → caller status', () => {
  const map = fixtureErrorMapper('ollama', { credential: 'local-ollama' })
  itMapsErrors(map, [
    {
      title: 'model not found → 404 with the reason',
      fixture: 'ollama-error-404-model',
      status: 404,
      expected: {
        status: 404,
        type: 'not_found_error',
        message: "ollama (credential local-ollama): model 'qwen2.5:7b' not found",
      },
    },
    {
      title: 'queue full (503 server busy) → 503 overloaded, retryable',
      fixture: 'ollama-error-503-busy',
      status: 503,
      expected: {
        status: 503,
        type: 'overloaded_error',
        retryable: true,
        message: expect.stringContaining('maximum pending requests exceeded'),
      },
    },
  ])
  it('model without tool support and a bad reasoning value → 400 with the reason', () => {
    expect(map('ollama-error-400-no-tools', 400)).toMatchObject({
      status: 400,
      type: 'invalid_request_error',
      message:
        'ollama (credential local-ollama) rejected the request: registry.ollama.ai/library/gemma3:4b does not support tools',
    })
    expect(map('ollama-error-400-invalid-reasoning', 400)).toMatchObject({
      status: 400,
      message: expect.stringContaining("invalid reasoning value: 'minimal'"),
    })
  })
  it('a 401 (auth put in front of Ollama by a proxy) names the credential', () => {
    // Ollama itself has no auth; a reverse proxy answering 401 still maps to the credential.
    const e = upstreamError({
      provider: 'ollama',
      credential: 'local-ollama',
      status: 401,
      body: 'Unauthorized',
      headers: new Headers(),
      secrets: ['proxy-token-123456'],
    })
    expectCredentialRefused(e, 'ollama', 'local-ollama', 'proxy-token-123456')
  })
})
