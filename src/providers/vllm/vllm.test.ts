/**
 * vLLM: request mapping, recorded-shape responses and streams through the quirks to canonical
 * form and the Anthropic rendering, error bodies to the caller's status.
 *
 * Fixtures (__fixtures__/), written from vLLM's OpenAI-compatible server docs
 * (docs.vllm.ai serving/openai_compatible_server, features/reasoning_outputs,
 * features/tool_calling, features/interleaved_thinking) and its source (github.com/vllm-project/vllm
 * vllm/entrypoints/openai: chat_completion/protocol.py ChatCompletionResponse, ChatMessage,
 * ChatCompletionStreamResponse; engine/protocol.py ErrorResponse/ErrorInfo, UsageInfo;
 * engine/serving.py create_error_response, _check_model, _validate_input; server_utils.py
 * AuthenticationMiddleware), plus streams recorded in vLLM's tracker (PR #19662, issue #27572):
 * - vllm-text.json / .chunks.txt: `chatcmpl-<32 hex>` ids, the null vLLM extras (`stop_reason`,
 *   `token_ids`, `prompt_logprobs`, `kv_transfer_params`), a first chunk `{role, content: ""}`,
 *   a finishing chunk `{content: ""}` with `stop_reason: null`, and under `include_usage` a
 *   `choices: []` chunk with usage (no `usage` key on the others).
 * - vllm-tool-call.json / vllm-qwen3-tool-call.chunks.txt: Qwen3 with `--reasoning-parser qwen3
 *   --tool-call-parser hermes`: reasoning in `reasoning` (the field renamed from
 *   `reasoning_content` in PR #27752), ids `chatcmpl-tool-<32 hex>`, the first tool delta carries
 *   id/type/name and no arguments, argument fragments follow, `finish_reason: "tool_calls"`.
 * - vllm-error-*.json: ErrorResponse `{"error":{message,type,param,code}}` (current) and the
 *   legacy top-level `{"object":"error",message,type,param,code}`; the 404 and context texts from
 *   serving.py (the context one with VLLMValidationError's "(parameter=…, value=…)" suffix, the
 *   legacy one in the older wording); the 401 body `{"error":"Unauthorized"}` of the middleware
 *   that `--api-key` turns on.
 * Not confirmed: which vLLM versions still send `tool_calls: []` and `reasoning: null` on text
 * answers (both present here); whether Qwen3 non-streamed tool-call content is `null` or "\n\n";
 * `prompt_tokens_details.cached_tokens` (only with `--enable-prompt-tokens-details`); the
 * queue-full 503 (vLLM does no rate limiting of its own; a deployment guide says a full waiting
 * queue answers 503, text and type here are assumptions). Older vLLM (before `reasoning` was read
 * on input) ignores the replayed field.
 */
import { describe, expect, it } from 'vitest'
import {
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
import { vllmQuirks } from './vllm-quirks.js'

const KEY = 'vllm-serve-key-0123456789abcdef'

const canonical = toolRoundTripRequest(
  'Qwen/Qwen3-8B',
  {
    id: 'chatcmpl-tool-4f6b2d8e0a1c4e3f9b7d5a2c8e6f0b1d',
    reasoning: 'Call get_weather for Paris.',
    spaced: true,
  },
  {
    tool_choice: 'auto',
    reasoning_effort: 'low',
    thinking_budget: 1024,
    top_k: 20,
    temperature: 0.6,
    max_tokens: 512,
  },
)

const replay = (fixture: string) => replayStream(vllmQuirks, fixture, 'vllm/Qwen/Qwen3-8B')
const answer = (fixture: string) => loadAnswer(vllmQuirks, fixture)

describe('vllm request mapping', () => {
  it('keeps top_k and reasoning_effort, replays reasoning as `reasoning`, strips extensions', () => {
    const { out, warnings } = mapRequest(vllmQuirks, canonical, 'strict')
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
            "reasoning": "Call get_weather for Paris.",
            "role": "assistant",
            "tool_calls": [
              {
                "function": {
                  "arguments": "{"location": "Paris"}",
                  "name": "get_weather",
                },
                "id": "chatcmpl-tool-4f6b2d8e0a1c4e3f9b7d5a2c8e6f0b1d",
                "type": "function",
              },
            ],
          },
          {
            "content": "{"temp":18}",
            "role": "tool",
            "tool_call_id": "chatcmpl-tool-4f6b2d8e0a1c4e3f9b7d5a2c8e6f0b1d",
          },
        ],
        "model": "Qwen/Qwen3-8B",
        "reasoning_effort": "low",
        "temperature": 0.6,
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
        "top_k": 20,
      }
    `)
    expect(JSON.stringify(out)).not.toMatch(/reasoning_content|reasoning_signature|thinking_budget/)
    // Nothing dropped, so even a strict route accepts it.
    expect(warnings).toEqual([])
  })
  it('leaves a request without reasoning untouched', () => {
    expectUntouched(vllmQuirks, 'meta-llama/Llama-3.1-8B-Instruct')
  })
})

describe('vllm responses → canonical → Anthropic', () => {
  it('text: content, stop, usage; the null vLLM extras do not leak into blocks', () => {
    const res = answer('vllm-text')
    expectTextAnswer(res, 'Hello! How can I help you today?', { inputTokens: 42, outputTokens: 10 })
    expect(convertToAnthropicMessage(res, 'vllm/meta-llama/Llama-3.1-8B-Instruct')).toMatchObject({
      id: 'msg_chatcmpl-3b8f4c2a9d1e4f6a8b7c5d3e2f1a0b9c',
      content: [{ type: 'text', text: 'Hello! How can I help you today?' }],
      stop_reason: 'end_turn',
      usage: { input_tokens: 42, output_tokens: 10 },
    })
  })
  it('Qwen3 tool call: `reasoning` → thinking block, tool_use with the vLLM id, cached tokens', () => {
    const res = answer('vllm-tool-call')
    expect(res.choices[0]?.message).not.toHaveProperty('reasoning')
    expect(usageFromChat(res.usage)).toEqual({ inputTokens: 186, outputTokens: 47, cachedReadTokens: 160 })
    expect(convertToAnthropicMessage(res, 'vllm/Qwen/Qwen3-8B')).toMatchInlineSnapshot(`
      {
        "content": [
          {
            "signature": "",
            "thinking": "The user wants the current weather in Paris. I should call get_weather with location Paris.",
            "type": "thinking",
          },
          {
            "id": "chatcmpl-tool-4f6b2d8e0a1c4e3f9b7d5a2c8e6f0b1d",
            "input": {
              "location": "Paris",
            },
            "name": "get_weather",
            "type": "tool_use",
          },
        ],
        "id": "msg_chatcmpl-9e2d7c4b1a3f4e5d8c6b0a9f8e7d6c5b",
        "model": "vllm/Qwen/Qwen3-8B",
        "role": "assistant",
        "stop_reason": "tool_use",
        "stop_sequence": null,
        "type": "message",
        "usage": {
          "cache_read_input_tokens": 160,
          "input_tokens": 26,
          "output_tokens": 47,
        },
      }
    `)
  })
})

describe('vllm streams → Anthropic events', () => {
  it('text: the empty role and finish deltas open no block; usage from the choices:[] chunk', () => {
    const stream = replay('vllm-text')
    expectTextStream(stream, 'Hello! How can I help you today?', [42, 10])
  })
  it('Qwen3 tool call: `reasoning` deltas → thinking, then tool_use with fragments assembled', () => {
    const stream = replay('vllm-qwen3-tool-call')
    expect(stream.chunks.some((c) => c.choices.some((ch) => 'reasoning' in ch.delta))).toBe(false)
    expect(eventNames(stream.events)).toEqual(messageEvents(['thinking', 3], ['tool_use', 3]))
    expect(stream.events[6]?.data.content_block).toEqual(
      toolUseStart('chatcmpl-tool-8a3c5e7b9d1f4a6c8e2b4d6f0a1c3e5b'),
    )
    const { thinking, json, text } = assemble(stream.events)
    expect(thinking).toBe('The user wants the weather in Paris. Call get_weather.')
    expect(JSON.parse(json)).toEqual({ location: 'Paris' })
    expect(text).toBe('')
    expectStreamEnd(stream, 'tool_use', { input_tokens: 186, output_tokens: 52 })
  })
})

describe('vllm error bodies → caller status', () => {
  const map = fixtureErrorMapper('vllm', { credential: 'vllm-gpu', secrets: [KEY] })
  it('context too long, current and legacy ErrorResponse → 400 context_length_exceeded', () => {
    expect(map('vllm-error-400-context-length', 400)).toMatchObject({
      status: 400,
      type: 'invalid_request_error',
      code: 'context_length_exceeded',
      message: expect.stringContaining("This model's maximum context length is 32768 tokens"),
    })
    expect(map('vllm-error-400-context-length-legacy', 400)).toMatchObject({
      status: 400,
      code: 'context_length_exceeded',
      message: expect.stringContaining('you requested 4297 tokens'),
    })
  })
  it('--api-key refusal ({"error":"Unauthorized"}) → 401 naming the credential, never the key', () => {
    expectCredentialRefused(map('vllm-error-401', 401), 'vllm', 'vllm-gpu', KEY)
  })
  itMapsErrors(map, [
    {
      title: 'unknown model → 404 with vLLM reason',
      fixture: 'vllm-error-404-model',
      status: 404,
      expected: {
        status: 404,
        type: 'not_found_error',
        message: 'vllm (credential vllm-gpu): The model `Qwen/Qwen3-32B` does not exist.',
      },
    },
    {
      title: 'waiting queue full (503) → 503 overloaded, retryable, retry-after kept when sent',
      fixture: 'vllm-error-503-queue-full',
      status: 503,
      headers: { 'retry-after': '2' },
      expected: {
        status: 503,
        type: 'overloaded_error',
        retryable: true,
        headers: { 'retry-after': '2' },
        message: expect.stringContaining('Scheduler waiting queue is full'),
      },
    },
  ])
})
