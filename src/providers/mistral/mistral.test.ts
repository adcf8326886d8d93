/**
 * Mistral fixtures (src/providers/mistral/__fixtures__) through the quirks: request mapping,
 * answers to canonical form and to the Anthropic rendering, streams to Anthropic events, errors.
 *
 * Fixture sources:
 * - mistral-text.json / .chunks.txt: shape of a live `mistral-small-latest` recording in vercel/ai
 *   (packages/mistral/src/__fixtures__/mistral-usage-raw-live.*): `prompt_tokens_details.cached_tokens`,
 *   `service_tier`, the `p` padding field on chunks, usage on the finish chunk (no `choices: []`
 *   chunk, and Mistral takes no `stream_options`). The cached count 2048 in the stream is made up:
 *   the field is confirmed, a non-zero value was not seen in a recording.
 * - mistral-tool-call.json / .chunks.txt: vercel/ai mistral-tool-call.* (recorded): nine-character
 *   ids, no `type` and no `index` on tool calls, the whole call in one delta together with
 *   `finish_reason` and usage. Two calls in one delta is extrapolated from the one-call recording
 *   (unconfirmed).
 * - mistral-magistral-thinking.*: vercel/ai mistral-reasoning.* (Magistral `content` chunks).
 * - finish reasons `stop|length|model_length|error|tool_calls`: mistralai/client-ts
 *   ChatCompletionChoiceFinishReason.
 * - errors: `{object:"error",message,type,param,code}` (vercel/ai mistral-error.ts). The 429 body
 *   ("Rate limit exceeded", code 1300) and the 400 tool-call-id body (code 3280) are quoted in
 *   third-party code; the 422 `extra_forbidden` for `stream_options` is from the dnakov/anon-kode#53
 *   report; the 401 `{"detail":"Unauthorized"}` from agent0ai/agent-zero#539 and
 *   nextcloud/integration_openai#332 (an older 401 was `{"message":"Unauthorized","request_id"}`).
 *   Whether Mistral sends `retry-after` on 429: unconfirmed (not seen in any capture).
 */
import { describe, expect, it } from 'vitest'
import {
  answerFormat,
  expectCredentialRefused,
  expectRateLimit,
  expectStreamEnd,
  expectStreamFailsOn,
  expectTextAnswer,
  loadAnswer,
  mapRequest,
  messageEventKinds,
  STREAM_WITH_USAGE,
  toolRoundTripRequest,
  weatherTurn,
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
import type { ChatCompletion, ChatCompletionChunk } from '../translate/openai-chat.js'
import { mistralQuirks } from './mistral-quirks.js'
import { mistralToolCallId } from './mistral-tool-call-id.js'

const canonical = toolRoundTripRequest(
  'mistral-small-latest',
  {
    id: 'toolu_01A09q90qw90lq917835lq9',
    reasoning: 'Call the tool.',
    signature: 'sig',
    after: weatherTurn({ id: 'kX7pQ2mZr', city: 'Lyon', temp: 21 }),
  },
  {
    tool_choice: 'required',
    response_format: answerFormat('city'),
    ...STREAM_WITH_USAGE,
    max_tokens: 200,
    seed: 7,
    top_k: 40,
    thinking_budget: 4000,
    reasoning_effort: 'medium',
    user: 'u-1',
  },
)

const replay = (fixture: string) => replayStream(mistralQuirks, fixture, 'mi/mistral-small-latest')
const answer = (fixture: string) => loadAnswer(mistralQuirks, fixture)

describe('mistral request mapping', () => {
  it('random_seed, tool_choice any, no stream_options, foreign tool-call ids mapped, top_k/user dropped', () => {
    const { out, warnings } = mapRequest(mistralQuirks, canonical)
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
                "id": "Tl2HhIAZP",
                "type": "function",
              },
            ],
          },
          {
            "content": "{"temp":18}",
            "role": "tool",
            "tool_call_id": "Tl2HhIAZP",
          },
          {
            "content": null,
            "role": "assistant",
            "tool_calls": [
              {
                "function": {
                  "arguments": "{"location":"Lyon"}",
                  "name": "get_weather",
                },
                "id": "kX7pQ2mZr",
                "type": "function",
              },
            ],
          },
          {
            "content": "{"temp":21}",
            "role": "tool",
            "tool_call_id": "kX7pQ2mZr",
          },
        ],
        "model": "mistral-small-latest",
        "random_seed": 7,
        "reasoning_effort": "medium",
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
        "stream": true,
        "tool_choice": "any",
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
    expect(warnings).toMatchInlineSnapshot(`
      [
        "top_k: not supported by mistral; dropped",
        "user: not accepted by Mistral (closed request schema); dropped",
      ]
    `)
  })
  it('a mapped id is nine letters or digits, stable, and the same on the call and its result', () => {
    const id = mistralToolCallId('toolu_01A09q90qw90lq917835lq9')
    expect(id).toMatch(/^[A-Za-z0-9]{9}$/)
    expect(mistralToolCallId('toolu_01A09q90qw90lq917835lq9')).toBe(id)
    expect(mistralToolCallId('call_98660886')).not.toBe(id)
    expect(mistralToolCallId('kX7pQ2mZr')).toBe('kX7pQ2mZr')
  })
  it('strict mode refuses what Mistral cannot take', () => {
    expect(() => mapRequest(mistralQuirks, canonical, 'strict')).toThrow(/top_k/)
    expect(() => mapRequest(mistralQuirks, { ...canonical, top_k: undefined }, 'strict')).toThrow(/'user'/)
  })
})

describe('mistral answers → canonical → Anthropic', () => {
  it('plain text: content, finish, usage with cache details', () => {
    const res = answer('mistral-text')
    expectTextAnswer(res, 'Hello, world!', { inputTokens: 19, outputTokens: 9 })
    expect(convertToAnthropicMessage(res, 'mi/mistral-small-latest')).toMatchInlineSnapshot(`
      {
        "content": [
          {
            "text": "Hello, world!",
            "type": "text",
          },
        ],
        "id": "msg_3b8e0c5a9d2f4e71a6c4b0d9e2f71a53",
        "model": "mi/mistral-small-latest",
        "role": "assistant",
        "stop_reason": "end_turn",
        "stop_sequence": null,
        "type": "message",
        "usage": {
          "input_tokens": 19,
          "output_tokens": 9,
        },
      }
    `)
  })
  it('tool call without `type`: canonical call, tool_use block with the nine-character id', () => {
    const res = answer('mistral-tool-call')
    const msg = res.choices[0]!.message
    expect(res.choices[0]!.finish_reason).toBe('tool_calls')
    expect(msg.content).toBeNull()
    expect(msg.tool_calls).toEqual([
      {
        id: 'kX7pQ2mZr',
        type: 'function',
        function: { name: 'get_weather', arguments: '{"location": "Paris"}' },
      },
    ])
    expect(usageFromChat(res.usage)).toEqual({ inputTokens: 124, outputTokens: 22 })
    expect(convertToAnthropicMessage(res, 'mi/mistral-small-latest')).toMatchObject({
      content: [{ type: 'tool_use', id: 'kX7pQ2mZr', name: 'get_weather', input: { location: 'Paris' } }],
      stop_reason: 'tool_use',
      usage: { input_tokens: 124, output_tokens: 22 },
    })
  })
  it('Magistral thinking chunks become reasoning_content and a thinking block', () => {
    const raw = loadJson<ChatCompletion>('mistral', 'mistral-magistral-thinking')
    // Without the quirk the Anthropic rendering loses the whole answer (content is not a string).
    expect(convertToAnthropicMessage(raw, 'm').content).toEqual([])
    const res = mistralQuirks.normalizeResponse!(raw)
    expect(res.choices[0]!.message).toMatchObject({
      content: '2 + 2 = 4',
      reasoning_content: 'The user asks for 2+2. That is 4.',
    })
    expect(convertToAnthropicMessage(res, 'mi/magistral-medium-2507').content).toEqual([
      { type: 'thinking', thinking: 'The user asks for 2+2. That is 4.', signature: '' },
      { type: 'text', text: '2 + 2 = 4' },
    ])
  })
  it('model_length is a length stop; finish_reason error is a 502, never a clean end', () => {
    const base = loadJson<ChatCompletion>('mistral', 'mistral-text')
    const withFinish = (f: string) => withFinishReason(base, f)
    const res = mistralQuirks.normalizeResponse!(withFinish('model_length'))
    expect(res.choices[0]!.finish_reason).toBe('length')
    expect(convertToAnthropicMessage(res, 'm').stop_reason).toBe('max_tokens')
    expect(() => mistralQuirks.normalizeResponse!(withFinish('error'))).toThrow(
      expect.objectContaining({ status: 502, type: 'api_error' }),
    )
  })
})

describe('mistral streams → Anthropic events', () => {
  it('text: deltas, end_turn, usage from the finish chunk (cache read kept)', () => {
    const stream = replay('mistral-text')
    expect(eventKinds(stream.events)).toEqual(messageEventKinds(['text', 2]))
    expect(assemble(stream.events).text).toBe('Hello, world!')
    expectStreamEnd(
      stream,
      'end_turn',
      { input_tokens: 19, cache_read_input_tokens: 2048, output_tokens: 9 },
      { inputTokens: 2067, outputTokens: 9, cachedReadTokens: 2048 },
    )
  })
  it('whole tool calls without index get numbered: one tool_use block each, arguments intact', () => {
    const stream = replay('mistral-tool-call')
    const evs = stream.events
    expect(eventKinds(evs)).toEqual(messageEventKinds(['tool_use', 1], ['tool_use', 1]))
    const starts = evs.filter((e) => e.event === 'content_block_start').map((e) => e.data.content_block)
    expect(starts).toEqual([
      { type: 'tool_use', id: 'kX7pQ2mZr', name: 'get_weather', input: {} },
      { type: 'tool_use', id: 'Rb4nW8tLq', name: 'get_weather', input: {} },
    ])
    const args = evs
      .filter((e) => e.event === 'content_block_delta')
      .map((e) => JSON.parse((e.data.delta as { partial_json: string }).partial_json))
    expect(args).toEqual([{ location: 'Paris' }, { location: 'Lyon' }])
    expectStreamEnd(stream, 'tool_use', { output_tokens: 46 })
  })
  it('the normaliser gives tool-call deltas the index and type OpenAI clients need', () => {
    const norm = mistralQuirks.createStreamNormalizer!()
    const out = loadChunks<ChatCompletionChunk>('mistral', 'mistral-tool-call').map(norm)
    expect(out[1]!.choices[0]!.delta.tool_calls!.map((t) => [t.index, t.type, t.id])).toEqual([
      [0, 'function', 'kX7pQ2mZr'],
      [1, 'function', 'Rb4nW8tLq'],
    ])
  })
  it('Magistral thinking stream: a thinking block, then text', () => {
    const evs = replay('mistral-magistral-thinking').events
    expect(eventKinds(evs)).toEqual(messageEventKinds(['thinking', 2], ['text', 1]))
    expect(assemble(evs).thinking).toBe('The user asks for 2+2. That is 4.')
    expect(assemble(evs).text).toBe('2 + 2 = 4')
  })
  it('finish_reason error mid-stream throws (the relay turns it into an error event)', () => {
    expectStreamFailsOn(mistralQuirks, 'mistral-text', 'error')
  })
})

describe('mistral error bodies → caller status', () => {
  const map = fixtureErrorMapper('mistral', {
    credential: 'mistral-eu',
    secrets: ['mistral-secret-key-0123456789'],
  })
  it('429 rate limit; retry-after kept only when a header gives one', () => {
    expectRateLimit(
      map,
      'mistral-error-rate-limit',
      { message: 'mistral (credential mistral-eu) rate limited the request: Rate limit exceeded' },
      '7',
    )
  })
  it('400 and 422 (status kept) with the provider reason (tool-call id format; 422 extra_forbidden)', () => {
    expect(map('mistral-error-tool-call-id', 400)).toMatchObject({
      status: 400,
      type: 'invalid_request_error',
      message: expect.stringContaining('must be a-z, A-Z, 0-9, with a length of 9'),
    })
    // `message` is an object here; the mapper falls back to the start of the raw body.
    expect(map('mistral-error-extra-forbidden', 422)).toMatchObject({
      status: 422,
      type: 'invalid_request_error',
      message: expect.stringMatching(/extra_forbidden.*stream_options/),
    })
  })
  it('401 names the credential, never the key', () => {
    expectCredentialRefused(
      map('mistral-error-unauthorized', 401),
      'mistral',
      'mistral-eu',
      'mistral-secret-key',
    )
  })
})
