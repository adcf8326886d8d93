/**
 * Scaffolding shared by the OpenAI-compatible kinds' unit tests (src/providers/<kind>/<kind>.test.ts):
 * the canonical get_weather round-trip request each kind maps to its wire, request mapping with
 * the warnings it collects, non-streamed fixtures through the quirks, the event sequences and
 * stream endings the replays are checked against, and the error expectations all kinds share.
 * The kind-specific data (ids, texts, token counts, snapshots) stays in each test file.
 */
import { expect, it } from 'vitest'
import type { Usage } from '../../src/gateway/spec/v1/index.js'
import { usageFromChat } from '../../src/gateway/usage.js'
import type { AnthropicEvent } from '../../src/providers/anthropic/anthropic-event-writer.js'
import type {
  ChatCompletion,
  ChatCompletionChunk,
  ChatCompletionRequest,
  ChatMessage,
  ChatResponseFormat,
  ChatToolCall,
} from '../../src/providers/translate/openai-chat.js'
import { type OpenAICompatQuirks, toOpenAIWire } from '../../src/providers/translate/openai-compat-quirks.js'
import { TranslateContext, type TranslateMode } from '../../src/providers/translate/translate-context.js'
import { assemble, eventNames, type fixtureErrorMapper, loadChunks, loadJson } from './fixture-helpers.js'

// --- requests ---------------------------------------------------------------------------------

/** A get_weather call for `city`; `spaced` writes the arguments `{"location": "…"}`. */
function weatherCall(id: string, city: string, spaced = false): ChatToolCall {
  const args = spaced ? `{"location": "${city}"}` : `{"location":"${city}"}`
  return { id, type: 'function', function: { name: 'get_weather', arguments: args } }
}

/** An assistant turn calling get_weather (`assistant` adds to it), then the tool's answer. */
export function weatherTurn(
  call: { id: string; city: string; temp: number; spaced?: boolean },
  assistant: Partial<ChatMessage> = {},
): ChatMessage[] {
  return [
    {
      role: 'assistant',
      content: null,
      ...assistant,
      tool_calls: [weatherCall(call.id, call.city, call.spaced)],
    },
    { role: 'tool', tool_call_id: call.id, content: `{"temp":${call.temp}}` },
  ]
}

/** The replayed turn of a tool round trip, in the kind's own formats. */
export interface ToolRoundTrip {
  /** Id of the get_weather call for Paris. */
  id: string
  /** Thinking replayed on the call turn, and the Anthropic signature it came with. */
  reasoning: string
  signature?: string
  /** `content` of the call turn (default null). */
  content?: string | null
  /** Arguments written `{"location": "Paris"}`, as the kind's own answers do. */
  spaced?: boolean
  /** Added to the user's message (`content` 'Weather in Paris?' by default). */
  ask?: Partial<ChatMessage>
  /** Whether the tool has a description (default true). */
  described?: boolean
  /** Messages after the first tool result. */
  after?: ChatMessage[]
}

/**
 * The canonical tool round trip each kind maps to its wire: system prompt, the user's question,
 * the assistant's get_weather call for Paris with replayed thinking, the tool's answer (then
 * `rt.after`), one get_weather tool; `extra` adds the sampling, format and extension fields.
 */
export function toolRoundTripRequest(
  model: string,
  rt: ToolRoundTrip,
  extra: Partial<ChatCompletionRequest> = {},
): ChatCompletionRequest {
  const parameters = { type: 'object', properties: { location: { type: 'string' } }, required: ['location'] }
  return {
    model,
    messages: [
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'Weather in Paris?', ...rt.ask },
      ...weatherTurn(
        { id: rt.id, city: 'Paris', temp: 18, spaced: rt.spaced },
        {
          content: rt.content ?? null,
          reasoning_content: rt.reasoning,
          reasoning_signature: rt.signature ?? 'sig-from-anthropic',
        },
      ),
      ...(rt.after ?? []),
    ],
    tools: [
      {
        type: 'function',
        function:
          rt.described === false
            ? { name: 'get_weather', parameters }
            : { name: 'get_weather', description: 'Current weather for a city', parameters },
      },
    ],
    ...extra,
  }
}

/** A json_schema response_format `answer`: an object with one string `property`. */
export function answerFormat(
  property: string,
  opts: { required?: boolean; strict?: boolean } = {},
): ChatResponseFormat {
  const schema = {
    type: 'object',
    properties: { [property]: { type: 'string' } },
    ...(opts.required ? { required: [property] } : {}),
  }
  return {
    type: 'json_schema',
    json_schema: { name: 'answer', schema, ...(opts.strict ? { strict: true } : {}) },
  }
}

/** `stream: true` with `stream_options.include_usage`, as the gateway streams. */
export const STREAM_WITH_USAGE = { stream: true, stream_options: { include_usage: true } } as const

/** `req` mapped to the kind's wire, with the warnings collected on the way (`mode` lenient by default). */
export function mapRequest(
  quirks: OpenAICompatQuirks,
  req: ChatCompletionRequest,
  mode: TranslateMode = 'lenient',
): { out: ChatCompletionRequest; warnings: string[] } {
  const ctx = new TranslateContext(mode, quirks.kind)
  return { out: toOpenAIWire(req, ctx, quirks), warnings: ctx.warnings }
}

/** A one-message request with nothing for the kind to adjust reaches its wire as it is. */
export function expectUntouched(quirks: OpenAICompatQuirks, model: string): void {
  const body = { model, messages: [{ role: 'user' as const, content: 'hi' }] }
  expect(toOpenAIWire(body, new TranslateContext(), quirks)).toEqual(body)
}

// --- answers ----------------------------------------------------------------------------------

/** The kind's non-streamed fixture `<fixture>.json` through its quirks' normaliser, if it has one. */
export function loadAnswer(quirks: OpenAICompatQuirks, fixture: string): ChatCompletion {
  const raw = loadJson<ChatCompletion>(quirks.kind, fixture)
  return quirks.normalizeResponse ? quirks.normalizeResponse(raw) : raw
}

/** `body` with its first choice's finish_reason set to `reason` (also values outside OpenAI's set). */
export function withFinishReason<T extends ChatCompletion | ChatCompletionChunk>(body: T, reason: string): T {
  return { ...body, choices: [{ ...body.choices[0]!, finish_reason: reason }] } as T
}

/** A plain text answer: one choice ending with `stop` (`content` matched), metered as `metered`. */
export function expectTextAnswer(res: ChatCompletion, content: unknown, metered: Usage): void {
  expect(res.choices[0]).toMatchObject({ finish_reason: 'stop', message: { role: 'assistant', content } })
  expect(usageFromChat(res.usage)).toEqual(metered)
}

// --- streams ----------------------------------------------------------------------------------

type BlockType = 'text' | 'thinking' | 'tool_use'
const DELTA_TYPE: Record<BlockType, string> = {
  text: 'text_delta',
  thinking: 'thinking_delta',
  tool_use: 'input_json_delta',
}

function messageSequence(blocks: [BlockType, number][], withDeltaTypes: boolean): string[] {
  const block = ([type, deltas]: [BlockType, number]) => [
    `content_block_start:${type}`,
    ...Array<string>(deltas).fill(
      withDeltaTypes ? `content_block_delta:${DELTA_TYPE[type]}` : 'content_block_delta',
    ),
    'content_block_stop',
  ]
  return ['message_start', ...blocks.flatMap(block), 'message_delta', 'message_stop']
}

/**
 * The eventNames of a whole message, one `[type, deltas]` per content block: `['text', 3]` is
 * content_block_start:text, three content_block_delta, content_block_stop.
 */
export function messageEvents(...blocks: [BlockType, number][]): string[] {
  return messageSequence(blocks, false)
}

/** messageEvents as eventKinds gives them (`content_block_delta:text_delta`). */
export function messageEventKinds(...blocks: [BlockType, number][]): string[] {
  return messageSequence(blocks, true)
}

/** The content_block of a get_weather tool_use start, before any input arrives. */
export function toolUseStart(id: string) {
  return { type: 'tool_use', id, name: 'get_weather', input: {} }
}

/**
 * How a replayed stream ends: the message_delta's stop reason (and `usage`, as the caller sees
 * it, when given); `metered`, when given, is what metering reads from the last chunk.
 */
export function expectStreamEnd(
  { chunks, events }: { chunks: ChatCompletionChunk[]; events: AnthropicEvent[] },
  stop_reason: 'end_turn' | 'tool_use',
  usage?: Record<string, number>,
  metered?: Usage,
): void {
  expect(events.at(-2)?.data).toMatchObject({ delta: { stop_reason }, ...(usage ? { usage } : {}) })
  if (metered) expect(usageFromChat(chunks.at(-1)?.usage)).toEqual(metered)
}

/**
 * A plain text answer streamed: one text block of three deltas assembling to `text`, ending
 * `end_turn` with `[input, output]` tokens, shown to the caller and metered alike.
 */
export function expectTextStream(
  stream: { chunks: ChatCompletionChunk[]; events: AnthropicEvent[] },
  text: string,
  [input, output]: [number, number],
): void {
  expect(eventNames(stream.events)).toEqual(messageEvents(['text', 3]))
  expect(assemble(stream.events).text).toBe(text)
  expectStreamEnd(
    stream,
    'end_turn',
    { input_tokens: input, output_tokens: output },
    { inputTokens: input, outputTokens: output },
  )
}

/** The last chunk of the kind's stream `fixture` ending with `reason` makes its normaliser fail with a 502. */
export function expectStreamFailsOn(quirks: OpenAICompatQuirks, fixture: string, reason: string): void {
  const norm = quirks.createStreamNormalizer!()
  const last = loadChunks<ChatCompletionChunk>(quirks.kind, fixture).at(-1)!
  expect(() => norm(withFinishReason(last, reason))).toThrow(
    expect.objectContaining({ status: 502, code: 'upstream_stream_error' }),
  )
}

// --- errors -----------------------------------------------------------------------------------

type ErrorMapper = ReturnType<typeof fixtureErrorMapper>

/** One error fixture answered with `status` (and `headers`), and what the caller gets. */
export interface ErrorCase {
  title: string
  fixture: string
  status: number
  headers?: Record<string, string>
  expected: Record<string, unknown>
}

/** One test per case: the fixture through `map` matches `expected`. */
export function itMapsErrors(map: ErrorMapper, cases: ErrorCase[]): void {
  it.each(cases.map((c) => [c.title, c] as const))('%s', (_title, { fixture, status, headers, expected }) => {
    expect(map(fixture, status, headers)).toMatchObject(expected)
  })
}

/**
 * A 429 `fixture` is a rate limit matching `expected` with or without a retry-after header; the
 * caller gets `retryAfter` only when the answer carries it.
 */
export function expectRateLimit(
  map: ErrorMapper,
  fixture: string,
  expected: Record<string, unknown>,
  retryAfter: string,
): void {
  const bare = map(fixture, 429)
  expect(bare).toMatchObject({ status: 429, type: 'rate_limit_error', ...expected })
  expect(bare.headers).toEqual({})
  const timed = map(fixture, 429, { 'retry-after': retryAfter })
  expect(timed).toMatchObject({ status: 429, type: 'rate_limit_error', ...expected })
  expect(timed.headers).toEqual({ 'retry-after': retryAfter })
}

/**
 * A refused key (`e`, from a 401 fixture) names the kind and the credential, and nothing of the
 * error (message included) matches `secret`.
 */
export function expectCredentialRefused(
  e: Error,
  kind: string,
  credential: string,
  secret: string | RegExp,
): void {
  expect(e).toMatchObject({ status: 401, type: 'authentication_error' })
  expect(e.message.startsWith(`${kind} (credential ${credential}): `)).toBe(true)
  expect(e.message.endsWith('(check or rotate the key)')).toBe(true)
  expect(JSON.stringify({ ...e, message: e.message })).not.toMatch(secret)
}
